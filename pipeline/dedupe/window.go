package dedupe

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
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

// Window is the memory of a story stage: the exact keys (exact.go) and,
// with near-duplicates on, the LSH index (package near) of the stories
// published on news.tagged.> in the last window, by any replica.
//
// Every replica follows NEWS_TAGGED with an ordered consumer that reads
// headers only (Run): a story's message carries what memory keeps of it in
// its Newswire-Story and Newswire-Signature headers (storyheader.go), so a
// restart rebuilds the window from the stream without decoding one
// article, and replicas share what they publish. Two replicas judging
// copies of one story at the same moment are arbitrated by the stream
// itself: a story is published with Nats-Expected-Last-Sequence set to the
// last sequence memory has followed, so a publish that raced another one
// fails, and the loser catches up and judges again. Within one process the
// judgement and the sending are serialised by a mutex; how many publishes
// may be in flight at once is in publish.
type Window struct {
	idx        *near.Index // nil: near-duplicates off; replaced by a snapshot's before judging starts
	idxConfig  near.IndexConfig
	bander     *near.Index // the first idx, never replaced: band keys for the store order
	exact      *exactMemory
	snaps      jetstream.ObjectStore // where memory snapshots are kept; nil: none
	js         jetstream.JetStream
	window     time.Duration
	maxStories int
	log        zerolog.Logger

	mu       sync.Mutex    // serialises judging + remembering + sending in this process, and guards exact
	tail     string        // msg id of this process's last message in flight (mu)
	inflight int           // messages sent and not yet answered (mu)
	followed atomic.Uint64 // highest NEWS_TAGGED sequence memory holds
	need     atomic.Uint64 // highest NEWS_TAGGED sequence a catch-up waits for

	reachedMu sync.Mutex
	reached   chan struct{} // closed and replaced when followed reaches need

	// chained allows pipelined publishes (see publish); it is set when
	// NEWS_TAGGED turns out to be on a standalone server. On a clustered
	// stream nats-server (2.15) checks Nats-Expected-Last-Msg-Id only when
	// it applies the replicated entry, and a failed check there is a
	// "critical write error" that leaves the stream without a leader; so
	// there each process publishes one message at a time (serialMu), each
	// expecting the sequence before it, which the leader checks before
	// replicating.
	chained  atomic.Bool
	serialMu sync.Mutex
	// token names this process's run in the stories it publishes
	// (storyHeader.by): the follower skips them, as memory took each in
	// when it was sent.
	token    string
	caughtUp chan struct{} // closed once the initial catch-up is done
	snapDone chan uint64   // a snapshot's sequence (0: failed) when its upload ends
	once     sync.Once
}

// NewWindow returns a window remembering stories for cfg.Window (required)
// and at most cfg.MaxStories of them (0: no cap but the window; past the
// cap the oldest are forgotten early). With nearDup it also recognises
// near-duplicates, judged by cfg.Params (zero: near.DefaultParams).
func NewWindow(js jetstream.JetStream, cfg near.IndexConfig, nearDup bool, log zerolog.Logger) *Window {
	if cfg.Window <= 0 {
		panic("dedupe: the window must be positive (dedupe.window)")
	}
	w := &Window{
		exact:      newExactMemory(),
		js:         js,
		window:     cfg.Window,
		maxStories: cfg.MaxStories,
		log:        log.With().Str("component", "dedupe-window").Logger(),
		token:      newToken(),
		caughtUp:   make(chan struct{}),
		snapDone:   make(chan uint64, 1),
		reached:    make(chan struct{}),
	}
	if nearDup {
		w.idx, w.idxConfig = near.NewIndex(cfg), cfg
		w.bander = w.idx
	}
	return w
}

// Loaded is closed once the window has read what NEWS_TAGGED held of its
// time when Run started: from then on the stage judges.
func (w *Window) Loaded() <-chan struct{} { return w.caughtUp }

// Len is the number of stories remembered.
func (w *Window) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.exact.len()
}

// Dropped is the number of stories forgotten before their time because the
// window reached its cap.
func (w *Window) Dropped() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.exact.dropped
}

// Run follows NEWS_TAGGED from window ago until ctx is done, remembering
// every story and forgetting old ones.
//
// It follows with one ordered consumer for the life of the process, read
// as a message stream (not a Fetch a second, each of which would create a
// consumer on the server and delete the last): the consumer is replaced
// only when it is lost (a cluster node went away), deleted when Run
// returns, and left by a killed process for the server to remove after
// followerInactive.
func (w *Window) Run(ctx context.Context) error {
	start := time.Now().Add(-w.window)
	from := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &start}
	snapped, loaded := w.loadSnapshot(ctx)
	if loaded {
		w.expire(time.Now())
		from = jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: snapped + 1}
	}
	f, err := w.follow(ctx, from)
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dedupe: follow %s: %w", pipeline.StreamTagged, err)
	}
	defer func() { f.stop(w.js) }()
	if info, err := w.js.Stream(ctx, pipeline.StreamTagged); err == nil {
		ci := info.CachedInfo()
		w.chained.Store(ci.Cluster == nil || ci.Cluster.RaftGroup == "")
		if st := ci.State; st.Msgs == 0 || st.LastTime.Before(start) || loaded && st.LastSeq <= snapped {
			w.markCaughtUp() // nothing in the window to load
		}
	}
	expire := time.NewTicker(10 * time.Minute)
	defer expire.Stop()
	snapshot := time.NewTicker(snapshotCheck)
	defer snapshot.Stop()
	snappedAt := time.Now()
	var writing sync.WaitGroup
	defer writing.Wait()
	writingNow := false
	stalls := 0
	for ctx.Err() == nil {
		m, err := f.it.Next(jetstream.NextMaxWait(time.Second))
		switch {
		case err == nil:
			stalls = 0
			if w.ingest(ctx, m) == 0 {
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
			w.log.Warn().Err(err).Uint64("from_seq", from).Msg("following NEWS_TAGGED stalled; following again")
			if g, err := w.follow(ctx, jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from}); err == nil {
				f.stop(w.js)
				f = g
			}
			stalls = 0
		}
		select {
		case <-expire.C:
			w.expire(time.Now())
		case <-snapshot.C:
			moved := w.followed.Load() - min(snapped, w.followed.Load())
			if w.snaps == nil || writingNow || moved == 0 || moved < snapshotTail && time.Since(snappedAt) < snapshotMaxAge {
				break
			}
			writingNow = true
			writing.Go(func() {
				seq, err := w.writeSnapshot(ctx)
				if err != nil && ctx.Err() == nil {
					w.log.Warn().Err(err).Msg("cannot store a memory snapshot")
				}
				w.snapDone <- seq
			})
		case seq := <-w.snapDone:
			writingNow = false
			if seq > 0 {
				snapped, snappedAt = seq, time.Now()
			}
		default:
		}
	}
	return nil
}

// expire forgets the stories older than the window at now.
func (w *Window) expire(now time.Time) {
	cut := now.Add(-w.window)
	w.mu.Lock()
	before := w.exact.dropped
	w.exact.expire(cut.UnixNano(), w.maxStories)
	dropped, n := w.exact.dropped-before, w.exact.len()
	w.mu.Unlock()
	if w.idx != nil {
		w.idx.Expire(cut)
	}
	if dropped > 0 {
		w.log.Warn().Int("forgotten", dropped).Int("stories", n).
			Msg("dedupe window at dedupe.max_stories: the oldest stories were forgotten early")
	}
}

// followerInactive is how long the server keeps a follower's consumer
// after its process stopped asking (a killed process cannot delete it).
const followerInactive = time.Minute

// follower is an ordered consumer on NEWS_TAGGED read as a message stream.
type follower struct {
	cons jetstream.Consumer
	it   jetstream.MessagesContext
}

// follow creates a follower, waiting for the broker.
func (w *Window) follow(ctx context.Context, cfg jetstream.OrderedConsumerConfig) (*follower, error) {
	cfg.InactiveThreshold = followerInactive
	cfg.HeadersOnly = true // what memory keeps of a story is in its headers
	f := &follower{}
	err := pipeline.Retry(ctx, func(ctx context.Context) error {
		var err error
		if f.cons, err = w.js.OrderedConsumer(ctx, pipeline.StreamTagged, cfg); err != nil {
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
	_ = js.DeleteConsumer(ctx, pipeline.StreamTagged, info.Name)
}

// markCaughtUp ends the initial catch-up: stories may be judged from now on.
func (w *Window) markCaughtUp() {
	w.once.Do(func() {
		close(w.caughtUp)
		w.log.Info().Int("stories", w.Len()).Msg("dedupe memory loaded")
	})
}

// ingest remembers a story of NEWS_TAGGED and returns how many messages of
// the stream are still to come (0: the follower is at the end). Topic
// copies, replays and this process's own stories (remembered when it
// published them) only move the follower on.
func (w *Window) ingest(ctx context.Context, m jetstream.Msg) (pending uint64) {
	meta, err := m.Metadata()
	if err != nil {
		return 1
	}
	seq := meta.Sequence.Stream
	defer w.advance(seq)
	h := m.Headers()
	feed, tagged := strings.CutPrefix(m.Subject(), "news.tagged.")
	if !tagged || h.Get(pipeline.HeaderReplay) != "" {
		return meta.NumPending
	}
	if publishedBy(h, w.token) {
		// Memory took it in when this process sent it; now it is stored
		// for sure, even if the publish's answer was lost.
		if st, err := parseStory(h, false); err == nil {
			w.mu.Lock()
			w.exact.confirm(w.exact.ownerOf(st.id).slot)
			w.mu.Unlock()
		}
		return meta.NumPending
	}
	st, err := parseStory(h, w.idx != nil)
	if errors.Is(err, errNoStoryHeader) {
		// Published by a version before the story headers: read the
		// article itself.
		st, err = w.readStored(ctx, seq)
	}
	if err != nil {
		w.log.Warn().Err(err).Uint64("seq", seq).Msg("story on NEWS_TAGGED not remembered")
		return meta.NumPending
	}
	w.mu.Lock()
	w.remember(feed, meta.Timestamp, st)
	w.mu.Unlock()
	return meta.NumPending
}

// remember adds a published story to memory, or records a new revision of
// one it holds (w.mu held).
func (w *Window) remember(feed string, at time.Time, st storyHeader) {
	if st.rev > 1 {
		w.exact.update(st.keys, st.content, st.rev)
		return
	}
	w.exact.add(st.id, feed, at.UnixNano(), mine{feed: feed, rawSeq: st.rawSeq, guid: guidKey(st.keys), content: st.content}, st.keys, false)
	if w.idx != nil && st.sig != nil {
		w.idx.Add(st.id, at, *st.sig)
	}
	w.capStories()
}

// capStories forgets the oldest stories once memory holds a sixth more
// than max_stories (a sixth: the copy that releases them is not paid per
// story).
func (w *Window) capStories() {
	if w.maxStories > 0 && w.exact.len() > w.maxStories+w.maxStories/6 {
		w.exact.expire(0, w.maxStories)
	}
}

// readStored reads the story of sequence seq from its body: a message of
// NEWS_TAGGED without story headers.
func (w *Window) readStored(ctx context.Context, seq uint64) (storyHeader, error) {
	ctx, cancel := context.WithTimeout(ctx, pipeline.AttemptTimeout)
	defer cancel()
	s, err := w.js.Stream(ctx, pipeline.StreamTagged)
	if err != nil {
		return storyHeader{}, err
	}
	raw, err := s.GetMsg(ctx, seq)
	if err != nil {
		return storyHeader{}, err
	}
	a, err := pipeline.DecodeArticle(raw.Data)
	if err != nil {
		return storyHeader{}, err
	}
	st := storyHeader{id: a.ID, rev: max(a.Revision, 1), keys: Keys(a), content: shortContent(contentHash(a))}
	if w.idx != nil {
		var sig near.Signature
		if a.Dedupe == nil || a.Dedupe.MinHash == "" {
			sig = near.SignLinked(a.Title, a.Summary, a.URL)
		} else if sig, err = near.Decode(a.Dedupe.MinHash); err != nil {
			sig = near.SignLinked(a.Title, a.Summary, a.URL)
		}
		st.sig = &sig
	}
	return st, nil
}

// newToken is a random name for this run of the process.
func newToken() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
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

// story is an article on its way out: what memory judges it by and its
// messages, the story on news.tagged.<feed> first, then its topic copies.
type story struct {
	a       *feeds.Article
	keys    []Key
	mine    mine
	sig     *near.Signature // nil: near-duplicates off
	msgs    []*nats.Msg
	updates bool // a changed version of a known item is an update (dedupe.updates)
}

// judgement is what memory said of a story.
type judgement struct {
	verdict verdict
	by      string // the key kind or "near" that found a copy or an update
	owner   owner  // the story it is a copy or an update of
}

// publish publishes s unless memory holds a copy of it or an earlier
// version of its item (judge), or as an update of its item (!judge); what
// memory said comes back. A story published is remembered.
//
// On a standalone server publishes are pipelined: the mutex covers only
// judging, remembering and handing the messages to the connection, not
// the round trip. Arbitration holds because each message states what it
// expects the stream's last message to be: the first of a run the sequence
// memory has followed, each later one the msg id of this process's
// previous message (Nats-Expected-Last-Msg-Id). A message from another
// replica landing anywhere in the run fails the message right after it,
// and, since that one is then not stored, every later one of the run too;
// a failed story catches up with the stream and is judged again, and a
// failed topic copy of a stored story is simply sent again.
func (w *Window) publish(ctx context.Context, s *story, judge bool) (judgement, error) {
	if err := w.ready(ctx); err != nil {
		return judgement{}, err
	}
	serial := !w.chained.Load()
	id := s.msgs[0].Header.Get(jetstream.MsgIDHeader)
	held := noSlot // where memory took this story in, across attempts
	for attempt := 0; attempt < 20; attempt++ {
		if serial {
			// One message at a time, each expecting the sequence before
			// it (see chained); not held while catching up.
			w.serialMu.Lock()
		}
		j, futs, slot, err := w.send(s, judge, serial)
		if slot != noSlot {
			held = slot
		}
		if err != nil || j.verdict != verdictNew && judge {
			if serial {
				w.serialMu.Unlock()
			}
			return j, err
		}
		acks, errs := awaitAcks(ctx, futs)
		claimErr := errs[0]
		var rest []*nats.Msg // topic copies to send again, without expectations
		if claimErr == nil && serial {
			rest = w.sendSerial(ctx, s.msgs[1:], acks[0])
		}
		w.done(sent(futs), slices.ContainsFunc(errs, func(e error) bool { return e != nil }))
		if serial {
			w.serialMu.Unlock()
		}
		if claimErr == nil {
			w.stored(s, id, held, acks, errs, judge)
			for i, err := range errs[1:] {
				if err != nil {
					rest = append(rest, s.msgs[1+i])
				}
			}
			if len(rest) > 0 {
				for _, m := range rest {
					m.Header.Del(jetstream.ExpectedLastMsgIDHeader)
					m.Header.Del(jetstream.ExpectedLastSeqHeader)
				}
				if err := pipeline.PublishAll(ctx, w.js, rest); err != nil {
					return j, err
				}
			}
			return j, nil
		}
		kind := pipeline.Classify(claimErr)
		if judge && kind != pipeline.KindTimeout && kind != pipeline.KindUnavailable {
			// Not stored, nor any attempt before (one that was would
			// have made this one a duplicate): another replica's message
			// came first, or the broker refused it. Memory forgets what
			// it took in. A publish whose answer was lost may be stored:
			// memory keeps it, tentative, until the follower sees it
			// (ingest confirms it) or the retry of this same input (which
			// memory knows by its NEWS_RAW sequence) finds out.
			w.mu.Lock()
			w.exact.forget(held, s.keys)
			w.mu.Unlock()
			held = noSlot
		}
		if !wrongLastSequence(claimErr) && kind != pipeline.KindTimeout && kind != pipeline.KindUnavailable {
			return j, fmt.Errorf("dedupe: publish %s: %w", s.msgs[0].Subject, claimErr)
		}
		// Another replica published meanwhile (or a publish before this
		// one failed, or the broker was away): catch up, judge again. A
		// story stored by an attempt whose ack was lost answers the next
		// attempt as a duplicate, by its msg id.
		if kind != "" && kind != pipeline.KindOther {
			sleepCtx(ctx, 200*time.Millisecond)
		}
		if err := w.catchUp(ctx); err != nil {
			return j, err
		}
	}
	return judgement{}, errors.New("dedupe: NEWS_TAGGED kept moving; will retry")
}

// stored ends a publish whose story was stored: the follower's position
// moves past the run of messages stored right after what they expected,
// and an update's new text is remembered.
func (w *Window) stored(s *story, id string, slot uint32, acks []*jetstream.PubAck, errs []error, judge bool) {
	// Confirmed before the follower's position moves past it: a snapshot
	// taken in between holds the story.
	w.mu.Lock()
	if judge {
		w.exact.confirm(slot)
	} else {
		w.exact.update(s.keys, s.mine.content, s.a.Revision)
	}
	w.mu.Unlock()
	switch {
	case acks[0].Duplicate:
		// Stored by an earlier attempt (or another replica's): the
		// follower has it, or will.
	case w.chained.Load():
		// Stored right after what they expected, all of which memory
		// holds.
		last := acks[0].Sequence
		for i, err := range errs[1:] {
			if err != nil {
				break
			}
			last = acks[1+i].Sequence
		}
		w.advance(last)
	}
}

// send judges a story (judge) and, when it is new, remembers it and hands
// its messages to the connection, each with the expectation that chains it
// to this process's previous message; serially, only the story's own
// message, expecting the sequence memory has followed. It returns what it
// sent and the story's slot in the exact memory.
func (w *Window) send(s *story, judge, serial bool) (j judgement, futs []jetstream.PubAckFuture, slot uint32, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var seen seenBy // memory holds this very input already (an earlier attempt)
	if judge {
		if j, seen = w.judge(s); j.verdict != verdictNew {
			return j, nil, noSlot, nil
		}
	}
	msgs := s.msgs
	if serial {
		msgs = msgs[:1]
	}
	for i, m := range msgs {
		var opts []jetstream.PublishOpt // m carries its Nats-Msg-Id
		// A redelivered input expects too: the server checks the
		// expectation before the msg id, so if an earlier attempt was
		// stored this one fails, catches up, finds that attempt in memory
		// and is then answered as its duplicate. (Publishing it without
		// an expectation let a copy stored by another replica meanwhile
		// through as a second story.)
		switch {
		case w.tail != "":
			opts = append(opts, jetstream.WithExpectLastMsgID(w.tail))
		default:
			opts = append(opts, jetstream.WithExpectLastSequence(w.followed.Load()))
		}
		m.Header.Del(jetstream.ExpectedLastMsgIDHeader)
		m.Header.Del(jetstream.ExpectedLastSeqHeader)
		fut, err := w.js.PublishMsgAsync(m, opts...)
		if err != nil {
			if i == 0 {
				return j, nil, noSlot, fmt.Errorf("dedupe: publish %s: %w", m.Subject, err)
			}
			// The rest go again after the story's ack: a failed future
			// stands for it.
			futs = append(futs, failedFuture{m, err})
			continue
		}
		w.inflight++
		w.tail = m.Header.Get(jetstream.MsgIDHeader)
		futs = append(futs, fut)
	}
	slot = noSlot // nothing to forget if the publish fails
	if judge {
		// Remembered now, not when the ack comes, so the stories judged
		// while this one is in flight see it; each part once, though an
		// earlier attempt may have left one of them (the near-duplicate
		// index forgets nothing, the exact memory forgets a failed
		// attempt's keys).
		if !seen.exact {
			slot = w.exact.add(s.a.ID, s.a.Feed.ID, time.Now().UnixNano(), s.mine, s.keys, true)
			w.capStories()
		}
		if w.idx != nil && s.sig != nil && !seen.near {
			w.idx.Add(s.a.ID, time.Now(), *s.sig)
		}
	}
	return j, futs, slot, nil
}

// seenBy says which parts of memory already hold the input being judged.
type seenBy struct{ exact, near bool }

// judge asks memory about s (w.mu held): its exact keys first, then the
// near-duplicate index. seen reports that memory already holds this same
// input (a redelivery whose first attempt was published).
//
// A near-duplicate candidate the exact memory does not know is not a story:
// the index keeps what a publish that then lost, or failed, added (it
// forgets nothing), while the exact memory forgets such an attempt; a copy
// of it must not be dropped for a story that was never published.
func (w *Window) judge(s *story) (j judgement, seen seenBy) {
	v, by, o, exactSeen := w.exact.judge(s.keys, s.mine, s.updates)
	seen.exact = exactSeen
	if v != verdictNew {
		return judgement{verdict: v, by: by, owner: o}, seen
	}
	if w.idx == nil || s.sig == nil {
		return judgement{}, seen
	}
	for _, c := range w.idx.Query(*s.sig) {
		if c.ID == s.a.ID {
			seen.near = true
			continue
		}
		if o := w.exact.ownerOf(c.ID); o.slot != noSlot {
			return judgement{verdict: verdictCopy, by: "near", owner: o}, seen
		}
	}
	return judgement{}, seen
}

// sendSerial sends a stored story's topic copies one at a time, each
// expecting the sequence before it, moving the follower's position on as
// they are stored (serialMu held). It returns the copies still to send,
// without expectations: those after one that another writer got ahead of.
func (w *Window) sendSerial(ctx context.Context, msgs []*nats.Msg, story *jetstream.PubAck) []*nats.Msg {
	if story.Duplicate {
		return msgs // stored before: what came after it is not this process's to vouch for
	}
	after := story.Sequence
	w.advance(after)
	for i, m := range msgs {
		m.Header.Del(jetstream.ExpectedLastSeqHeader)
		ctx, cancel := context.WithTimeout(ctx, pipeline.AttemptTimeout)
		ack, err := w.js.PublishMsg(ctx, m, jetstream.WithExpectLastSequence(after))
		cancel()
		if err != nil {
			return msgs[i:]
		}
		after = ack.Sequence
		w.advance(after)
	}
	return nil
}

// sent counts the futures of messages handed to the connection.
func sent(futs []jetstream.PubAckFuture) int {
	n := 0
	for _, f := range futs {
		if _, refused := f.(failedFuture); !refused {
			n++
		}
	}
	return n
}

// failedFuture stands for a message the connection refused.
type failedFuture struct {
	msg *nats.Msg
	err error
}

func (f failedFuture) Ok() <-chan *jetstream.PubAck { return nil }
func (f failedFuture) Err() <-chan error {
	c := make(chan error, 1)
	c <- f.err
	return c
}
func (f failedFuture) Msg() *nats.Msg { return f.msg }

// done ends n messages that send started. After a failure the run is
// broken: the next publish expects the followed sequence again.
func (w *Window) done(n int, failed bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inflight -= n
	if failed || w.inflight == 0 {
		w.tail = ""
	}
}

// awaitAcks waits for every future (at most pipeline.AttemptTimeout each).
func awaitAcks(ctx context.Context, futs []jetstream.PubAckFuture) ([]*jetstream.PubAck, []error) {
	acks, errs := make([]*jetstream.PubAck, len(futs)), make([]error, len(futs))
	for i, f := range futs {
		acks[i], errs[i] = awaitAck(ctx, f)
	}
	return acks, errs
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

// catchUp waits until memory has followed NEWS_TAGGED to its last message.
func (w *Window) catchUp(ctx context.Context) error {
	s, err := w.js.Stream(ctx, pipeline.StreamTagged)
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
			return fmt.Errorf("dedupe: catching up with %s: %w", pipeline.StreamTagged, ctx.Err())
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

// copied records a copy from feed of the story in slot.
func (w *Window) copied(slot uint32, feed string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.exact.copied(slot, feed)
}

// alsoIn returns the copies recorded of article id's story.
func (w *Window) alsoIn(id string) AlsoIn {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.exact.alsoIn(id)
}
