package dedupe

import (
	"context"
	"encoding/json"
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
// asks the index again. Within one process the index query and the sending
// are serialised by a mutex; how many publishes may be in flight at once is
// in publishUnlessCopy.
type Window struct {
	idx    *near.Index
	js     jetstream.JetStream
	window time.Duration
	log    zerolog.Logger

	mu       sync.Mutex    // serialises Query + Add + sending in this process
	tail     string        // msg id of this process's last publish in flight (mu)
	inflight int           // publishes sent and not yet answered (mu)
	followed atomic.Uint64 // highest NEWS_UNIQUE sequence the index holds
	need     atomic.Uint64 // highest NEWS_UNIQUE sequence a catch-up waits for

	reachedMu sync.Mutex
	reached   chan struct{} // closed and replaced when followed reaches need

	// chained allows pipelined publishes (see publishUnlessCopy); it is
	// set when NEWS_UNIQUE turns out to be on a standalone server. On a
	// clustered stream nats-server (2.15) checks Nats-Expected-Last-Msg-Id
	// only when it applies the replicated entry, and a failed check there
	// is a "critical write error" that leaves the stream without a leader;
	// so there each process publishes one story at a time (serialMu),
	// expecting the followed sequence, which the leader checks before
	// replicating.
	chained  atomic.Bool
	serialMu sync.Mutex
	ownMu    sync.Mutex
	own      map[string]bool // ids this process is publishing or published itself, until the follower sees them
	caughtUp chan struct{}   // closed once the initial catch-up is done
	once     sync.Once
}

// NewWindow returns a window remembering stories for cfg.Window (required)
// and at most cfg.MaxStories of them (0: no cap but the window; past the
// cap the oldest sixth of the window is forgotten at once), judged by
// cfg.Params (zero: near.DefaultParams).
func NewWindow(js jetstream.JetStream, cfg near.IndexConfig, log zerolog.Logger) *Window {
	idx := near.NewIndex(cfg)
	return &Window{
		idx:      idx,
		js:       js,
		window:   idx.Window(),
		log:      log.With().Str("component", "dedupe-window").Logger(),
		own:      map[string]bool{},
		caughtUp: make(chan struct{}),
		reached:  make(chan struct{}),
	}
}

// Loaded is closed once the window has read what NEWS_UNIQUE held of its
// time when Run started: from then on the stage judges.
func (w *Window) Loaded() <-chan struct{} { return w.caughtUp }

// Len is the number of stories remembered.
func (w *Window) Len() int { return w.idx.Len() }

// Dropped is the number of stories forgotten before their time because the
// window reached its cap.
func (w *Window) Dropped() int { return w.idx.Dropped() }

// Run follows NEWS_UNIQUE from window ago until ctx is done, adding every
// story to the index and expiring old ones.
//
// It follows with one ordered consumer for the life of the process, read
// as a message stream (not a Fetch a second, each of which would create a
// consumer on the server and delete the last): the consumer is replaced
// only when it is lost (a cluster node went away), deleted when Run
// returns, and left by a killed process for the server to remove after
// followerInactive.
func (w *Window) Run(ctx context.Context) error {
	start := time.Now().Add(-w.window)
	f, err := w.follow(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &start})
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dedupe: follow %s: %w", pipeline.StreamUnique, err)
	}
	defer func() { f.stop(w.js) }()
	if info, err := w.js.Stream(ctx, pipeline.StreamUnique); err == nil {
		ci := info.CachedInfo()
		w.chained.Store(ci.Cluster == nil || ci.Cluster.RaftGroup == "")
		if st := ci.State; st.Msgs == 0 || st.LastTime.Before(start) {
			w.markCaughtUp() // nothing in the window to load
		}
	}
	expire := time.NewTicker(10 * time.Minute)
	defer expire.Stop()
	stalls, dropped := 0, 0
	for ctx.Err() == nil {
		m, err := f.it.Next(jetstream.NextMaxWait(time.Second))
		switch {
		case err == nil:
			stalls = 0
			if w.ingest(m) == 0 {
				w.markCaughtUp()
			}
		case errors.Is(err, nats.ErrTimeout) || errors.Is(err, context.DeadlineExceeded):
			w.markCaughtUp() // a second without a message: at the end
			if w.need.Load() > w.followed.Load() {
				stalls++
			} else {
				stalls = 0
			}
		default:
			stalls++
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
		// A follower that gets nothing while the stream has moved on lost
		// its consumer beyond what the ordered consumer mends itself:
		// follow again from where it was.
		if stalls >= 2 && ctx.Err() == nil {
			from := w.followed.Load() + 1
			w.log.Warn().Err(err).Uint64("from_seq", from).Msg("following NEWS_UNIQUE stalled; following again")
			if g, err := w.follow(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from}); err == nil {
				f.stop(w.js)
				f = g
			}
			stalls = 0
		}
		select {
		case <-expire.C:
			w.idx.Expire(time.Now().Add(-w.window))
			if d := w.idx.Dropped(); d > dropped {
				w.log.Warn().Int("forgotten", d-dropped).Int("stories", w.idx.Len()).
					Msg("near-duplicate window at dedupe.max_stories: the oldest stories were forgotten early")
				dropped = d
			}
		default:
		}
	}
	return nil
}

// followerInactive is how long the server keeps a follower's consumer
// after its process stopped asking (a killed process cannot delete it).
const followerInactive = time.Minute

// follower is an ordered consumer on NEWS_UNIQUE read as a message stream.
type follower struct {
	cons jetstream.Consumer
	it   jetstream.MessagesContext
}

// follow creates a follower, waiting for the broker.
func (w *Window) follow(ctx context.Context, cfg jetstream.OrderedConsumerConfig) (*follower, error) {
	cfg.InactiveThreshold = followerInactive
	f := &follower{}
	err := pipeline.Retry(ctx, func(ctx context.Context) error {
		var err error
		if f.cons, err = w.js.OrderedConsumer(ctx, pipeline.StreamUnique, cfg); err != nil {
			return err
		}
		f.it, err = f.cons.Messages()
		return err
	})
	return f, err
}

// stop ends the message stream and deletes the consumer on the server.
func (f *follower) stop(js jetstream.JetStream) {
	f.it.Stop()
	info := f.cons.CachedInfo()
	if info == nil || info.Name == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = js.DeleteConsumer(ctx, pipeline.StreamUnique, info.Name)
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
	var st storedStory
	if err := json.Unmarshal(m.Data(), &st); err != nil || st.ID == "" || st.Revision > 1 {
		return meta.NumPending // updates are versions of stories already remembered
	}
	sig, err := near.Decode(st.Dedupe.MinHash)
	if err != nil { // stored without a signature (or an unreadable one): sign the text
		a, err := pipeline.DecodeArticle(m.Data())
		if err != nil {
			return meta.NumPending
		}
		sig = near.SignLinked(a.Title, a.Summary, a.URL)
	}
	w.idx.Add(st.ID, meta.Timestamp, sig)
	return meta.NumPending
}

// storedStory is what the window reads of a story on NEWS_UNIQUE: its id,
// revision and signature, not the whole article — decoding every field of
// every story was most of what a restarted replica spent loading.
type storedStory struct {
	ID       string `json:"id"`
	Revision int    `json:"revision"`
	Dedupe   struct {
		MinHash string `json:"minhash"`
	} `json:"dedupe"`
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
	before := w.followed.Load()
	raise(&w.followed, seq)
	if need := w.need.Load(); before < need && seq >= need {
		w.reachedMu.Lock()
		close(w.reached)
		w.reached = make(chan struct{})
		w.reachedMu.Unlock()
	}
}

// reachedNeed returns a channel closed the next time followed reaches need.
func (w *Window) reachedNeed() <-chan struct{} {
	w.reachedMu.Lock()
	defer w.reachedMu.Unlock()
	return w.reached
}

// raise sets a to v unless it already holds more.
func raise(a *atomic.Uint64, v uint64) {
	for {
		cur := a.Load()
		if v <= cur || a.CompareAndSwap(cur, v) {
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
//
// On a standalone server publishes are pipelined: the mutex covers only
// the index query, the index insert and handing the message to the
// connection, not the round trip. Arbitration holds because each publish states what it expects the
// stream's last message to be: the first of a run the sequence the index
// has followed, each later one the msg id of this process's previous
// publish (Nats-Expected-Last-Msg-Id). A message from another replica
// landing anywhere in the run fails the publish right after it, and,
// since that one is then not stored, every later one of the run too; the
// failed ones catch up with the stream and ask the index again.
func (w *Window) publishUnlessCopy(ctx context.Context, a *feeds.Article, sig near.Signature, redelivered bool) (*near.Candidate, error) {
	if err := w.ready(ctx); err != nil {
		return nil, err
	}
	data, err := pipeline.EncodeArticle(a)
	if err != nil {
		return nil, err
	}
	msg := pipeline.JSONMsg(pipeline.UniqueSubject(a.Feed.ID), a.ID, data, nil)
	serial := !w.chained.Load()
	indexed := false
	for attempt := 0; attempt < 20; attempt++ {
		if serial {
			// One publish at a time, each expecting the followed
			// sequence (see chained); not held while catching up.
			w.serialMu.Lock()
		}
		fut, first, err := w.send(msg, a.ID, sig, redelivered, &indexed)
		if first != nil || err != nil {
			if serial {
				w.serialMu.Unlock()
			}
			return first, err
		}
		ack, err := awaitAck(ctx, fut)
		w.done(err != nil)
		if serial {
			w.serialMu.Unlock()
		}
		if err == nil {
			switch {
			case ack.Duplicate:
				w.setOwn(a.ID, false)
			case !redelivered:
				// Stored right after what it expected, all of which the
				// index holds. (A redelivered publish expects nothing: the
				// follower vouches for the sequences before it.)
				w.advance(ack.Sequence)
			}
			return nil, nil
		}
		w.setOwn(a.ID, false)
		kind := pipeline.Classify(err)
		if !wrongLastSequence(err) && kind != pipeline.KindTimeout && kind != pipeline.KindUnavailable {
			return nil, fmt.Errorf("dedupe: publish %s: %w", msg.Subject, err)
		}
		// Another replica published meanwhile (or a publish before this
		// one failed, or the broker was away): catch up, look again. A
		// copy stored by an attempt whose ack was lost answers the next
		// attempt as a duplicate, by its msg id.
		if kind != "" && kind != pipeline.KindOther {
			sleepCtx(ctx, 200*time.Millisecond)
		}
		if err := w.catchUp(ctx); err != nil {
			return nil, err
		}
	}
	return nil, errors.New("dedupe: NEWS_UNIQUE kept moving; will retry")
}

// send asks the index about a story and, when it holds no near-duplicate,
// adds it (once per story: *indexed) and hands its message to the
// connection with the expectation that chains it to this process's
// previous publish.
func (w *Window) send(msg *nats.Msg, id string, sig near.Signature, redelivered bool, indexed *bool) (jetstream.PubAckFuture, *near.Candidate, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.idx.Query(sig) {
		if c.ID != id {
			return nil, &c, nil
		}
	}
	var opts []jetstream.PublishOpt // msg carries its Nats-Msg-Id
	switch {
	case redelivered:
	case w.tail != "":
		opts = append(opts, jetstream.WithExpectLastMsgID(w.tail))
	default:
		opts = append(opts, jetstream.WithExpectLastSequence(w.followed.Load()))
	}
	// Marked before publishing: the follower may see the message before
	// the ack arrives here.
	w.setOwn(id, true)
	msg.Header.Del(jetstream.ExpectedLastMsgIDHeader)
	msg.Header.Del(jetstream.ExpectedLastSeqHeader)
	fut, err := w.js.PublishMsgAsync(msg, opts...)
	if err != nil {
		w.setOwn(id, false)
		return nil, nil, fmt.Errorf("dedupe: publish %s: %w", msg.Subject, err)
	}
	w.inflight++
	w.tail = id
	if !*indexed {
		// Added now, not when the ack comes, so the stories judged while
		// this one is in flight see it.
		w.idx.Add(id, time.Now(), sig)
		*indexed = true
	}
	return fut, nil, nil
}

// done ends a publish that send started. After a failure the run is
// broken: the next publish expects the followed sequence again.
func (w *Window) done(failed bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inflight--
	if failed || w.inflight == 0 {
		w.tail = ""
	}
}

// awaitAck waits for a publish's ack, at most pipeline.AttemptTimeout.
func awaitAck(ctx context.Context, fut jetstream.PubAckFuture) (*jetstream.PubAck, error) {
	t := time.NewTimer(pipeline.AttemptTimeout)
	defer t.Stop()
	select {
	case ack := <-fut.Ok():
		return ack, nil
	case err := <-fut.Err():
		return nil, err
	case <-t.C:
		return nil, jetstream.ErrAsyncPublishTimeout
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// catchUp waits until the index has followed NEWS_UNIQUE to its last message.
func (w *Window) catchUp(ctx context.Context) error {
	s, err := w.js.Stream(ctx, pipeline.StreamUnique)
	if err != nil {
		return err
	}
	last := s.CachedInfo().State.LastSeq
	raise(&w.need, last)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		reached := w.reachedNeed() // before the check, so that a wake in between is not lost
		if w.followed.Load() >= last {
			return nil
		}
		select {
		case <-reached:
		case <-ctx.Done():
			return fmt.Errorf("dedupe: catching up with %s: %w", pipeline.StreamUnique, ctx.Err())
		}
	}
}

// wrongLastSequence reports a publish whose expectation of the stream's last
// message (sequence or msg id) did not hold.
func wrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence || apiErr.ErrorCode == errCodeWrongLastMsgID)
}

// errCodeWrongLastMsgID is JetStream's "wrong last msg ID" (nats.go does not
// name it).
const errCodeWrongLastMsgID = 10070

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
