package dedupe

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/dedupe/near"
)

// Window is the near-duplicate memory of a dedupe process: an LSH index
// (package near) of the stories published on NEWS_UNIQUE in the last
// window, by any replica.
//
// Every replica follows NEWS_UNIQUE with an ordered consumer (Run), so a
// restart rebuilds the window from the stream and replicas share what they
// publish. Two replicas judging copies of one story at the same moment are
// arbitrated by the stream itself: a story is published with
// Nats-Expected-Last-Sequence set to the last sequence the index has seen,
// so a publish that raced another one fails, and the loser catches up and
// asks the index again. Within one process the check-and-publish is
// serialised by a mutex.
type Window struct {
	idx    *near.Index
	js     jetstream.JetStream
	window time.Duration
	log    zerolog.Logger

	mu       sync.Mutex    // serialises Query + publish in this process
	followed atomic.Uint64 // highest NEWS_UNIQUE sequence the index holds
	ownMu    sync.Mutex
	own      map[string]bool // ids this process is publishing or published itself, until the follower sees them
	caughtUp chan struct{}   // closed once the initial catch-up is done
	once     sync.Once
}

// NewWindow returns a window remembering stories for window (0: 72 h).
func NewWindow(js jetstream.JetStream, window time.Duration, log zerolog.Logger) *Window {
	if window <= 0 {
		window = 72 * time.Hour
	}
	return &Window{
		idx:      near.NewIndex(near.IndexConfig{Window: window}),
		js:       js,
		window:   window,
		log:      log.With().Str("component", "dedupe-window").Logger(),
		own:      map[string]bool{},
		caughtUp: make(chan struct{}),
	}
}

// Len is the number of stories remembered.
func (w *Window) Len() int { return w.idx.Len() }

// Run follows NEWS_UNIQUE from window ago until ctx is done, adding every
// story to the index and expiring old ones.
func (w *Window) Run(ctx context.Context) error {
	start := time.Now().Add(-w.window)
	cons, err := w.js.OrderedConsumer(ctx, pipeline.StreamUnique, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &start,
	})
	if err != nil {
		return fmt.Errorf("dedupe: follow %s: %w", pipeline.StreamUnique, err)
	}
	if info, err := w.js.Stream(ctx, pipeline.StreamUnique); err == nil {
		if st := info.CachedInfo().State; st.Msgs == 0 || st.LastTime.Before(start) {
			w.markCaughtUp() // nothing in the window to load
		}
	}
	expire := time.NewTicker(10 * time.Minute)
	defer expire.Stop()
	for ctx.Err() == nil {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			w.log.Warn().Err(err).Msg("following NEWS_UNIQUE failed; retrying")
			sleepCtx(ctx, time.Second)
			continue
		}
		n := 0
		for m := range batch.Messages() {
			n++
			if w.ingest(m) == 0 {
				w.markCaughtUp()
			}
		}
		if n == 0 {
			w.markCaughtUp()
		}
		select {
		case <-expire.C:
			w.idx.Expire(time.Now().Add(-w.window))
		default:
		}
	}
	return nil
}

// markCaughtUp ends the initial catch-up: stories may be judged from now on.
func (w *Window) markCaughtUp() {
	w.once.Do(func() {
		close(w.caughtUp)
		w.log.Info().Int("stories", w.idx.Len()).Msg("near-duplicate window loaded")
	})
}

// ingest adds a story of NEWS_UNIQUE to the index and returns how many
// messages of the stream are still to come (0: the follower is at the end).
func (w *Window) ingest(m jetstream.Msg) (pending uint64) {
	meta, err := m.Metadata()
	if err != nil {
		return 1
	}
	seq := meta.Sequence.Stream
	defer w.advance(seq)
	if w.takeOwn(m.Headers().Get(jetstream.MsgIDHeader)) {
		return meta.NumPending // added to the index when this process published it
	}
	a, err := pipeline.DecodeArticle(m.Data())
	if err != nil || a.Revision > 1 {
		return meta.NumPending // updates are versions of stories already remembered
	}
	sig, err := near.Decode(minhashOf(a))
	if err != nil {
		sig = near.Sign(a.Title, a.Summary)
	}
	w.idx.Add(a.ID, meta.Timestamp, sig)
	return meta.NumPending
}

func minhashOf(a *feeds.Article) string {
	if a.Dedupe == nil {
		return ""
	}
	return a.Dedupe.MinHash
}

// setOwn marks (or unmarks) id as published by this process.
func (w *Window) setOwn(id string, on bool) {
	w.ownMu.Lock()
	defer w.ownMu.Unlock()
	if on {
		w.own[id] = true
	} else {
		delete(w.own, id)
	}
}

// takeOwn reports whether id was published by this process, forgetting it.
func (w *Window) takeOwn(id string) bool {
	w.ownMu.Lock()
	defer w.ownMu.Unlock()
	if !w.own[id] {
		return false
	}
	delete(w.own, id)
	return true
}

// advance raises followed to seq.
func (w *Window) advance(seq uint64) {
	for {
		cur := w.followed.Load()
		if seq <= cur || w.followed.CompareAndSwap(cur, seq) {
			return
		}
	}
}

// ready waits for the initial catch-up, so that a restarted process does not
// judge stories before it remembers the window.
func (w *Window) ready(ctx context.Context) error {
	select {
	case <-w.caughtUp:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// publishUnlessCopy publishes a on news.unique.<feed> unless the window holds
// a near-duplicate of it, which it returns instead. redelivered skips the
// sequence expectation: the input may have been published by its own
// earlier attempt, which the stream's Nats-Msg-Id window then drops.
func (w *Window) publishUnlessCopy(ctx context.Context, a *feeds.Article, sig near.Signature, redelivered bool) (*near.Candidate, error) {
	if err := w.ready(ctx); err != nil {
		return nil, err
	}
	msg, err := articleMsg(pipeline.UniqueSubject(a.Feed.ID), a)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for attempt := 0; attempt < 20; attempt++ {
		for _, c := range w.idx.Query(sig) {
			if c.ID != a.ID {
				return &c, nil
			}
		}
		expect := w.followed.Load()
		opts := []jetstream.PublishOpt{jetstream.WithMsgID(a.ID)}
		if !redelivered {
			opts = append(opts, jetstream.WithExpectLastSequence(expect))
		}
		// Marked before publishing: the follower may see the message before
		// the ack arrives here.
		w.setOwn(a.ID, true)
		actx, cancel := context.WithTimeout(ctx, pipeline.AttemptTimeout)
		ack, err := w.js.PublishMsg(actx, msg, opts...)
		cancel()
		if err != nil || ack.Duplicate {
			w.setOwn(a.ID, false)
		}
		if wrongLastSequence(err) {
			// Another replica published meanwhile: catch up, look again.
			if err := w.catchUp(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if kind := pipeline.Classify(err); kind == pipeline.KindTimeout || kind == pipeline.KindUnavailable {
			// The broker was away (a restart, a leader election): the
			// publish may or may not be stored. Catch up and look again; a
			// stored copy answers the retry as a duplicate by its msg id.
			sleepCtx(ctx, 200*time.Millisecond)
			if err := w.catchUp(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("dedupe: publish %s: %w", msg.Subject, err)
		}
		if !ack.Duplicate {
			w.idx.Add(a.ID, time.Now(), sig)
			w.advance(ack.Sequence)
		}
		return nil, nil
	}
	return nil, errors.New("dedupe: NEWS_UNIQUE kept moving; will retry")
}

// catchUp waits until the index has followed NEWS_UNIQUE to its last message.
func (w *Window) catchUp(ctx context.Context) error {
	s, err := w.js.Stream(ctx, pipeline.StreamUnique)
	if err != nil {
		return err
	}
	last := s.CachedInfo().State.LastSeq
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for w.followed.Load() < last {
		if ctx.Err() != nil {
			return fmt.Errorf("dedupe: catching up with %s: %w", pipeline.StreamUnique, ctx.Err())
		}
		sleepCtx(ctx, 5*time.Millisecond)
	}
	return nil
}

func wrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

func articleMsg(subject string, a *feeds.Article) (*nats.Msg, error) {
	data, err := pipeline.EncodeArticle(a)
	if err != nil {
		return nil, err
	}
	msg := nats.NewMsg(subject)
	msg.Data = data
	msg.Header.Set("Content-Type", "application/json")
	return msg, nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
