// Package dedupe is the story stage, the one hop between NEWS_RAW and
// NEWS_TAGGED: it lets the first copy of a story through, tagged with its
// topics (pipeline/tag), drops later copies, and publishes a materially
// changed version of a story as an update.
//
//	NEWS_RAW ──durable "dedupe"──▶ judge (memory) ─new─▶ tag ─▶ news.tagged.<feed> + news.topic.<topic>
//	                                   │ copy: counted, logged, ack           (NEWS_TAGGED, one run of publishes)
//	                                   ▲
//	NEWS_TAGGED ──ordered consumer, headers only──┘ (every replica's stories)
//
// Levels of judgement, checked in this order:
//
//	guid     feed id + GUID            the same item of the same feed
//	url      URL identity              the same page in any feed (http/https,
//	                                   www./m./amp. hosts, AMP paths and a
//	                                   trailing slash folded: feeds.URLIdentity);
//	                                   within one feed, items with different
//	                                   GUIDs stay apart (links that differ only
//	                                   by #fragment share a canonical URL)
//	content  normalised title+summary  the same text under any link
//	near     MinHash + LSH over word shingles (package near): a syndicated
//	         copy with an edited headline or a trimmed summary
//
// Memory (Window): the exact keys, as 64-bit hashes, and the near-duplicate
// index of the stories of the last dedupe.window, owned by the stage and
// rebuilt on start from NEWS_TAGGED, whose story messages carry what memory
// keeps of them in headers (storyheader.go). No key is written to the
// broker: the one write per story is its publication.
//
// Order of work for one input, and why it is safe:
//
//  1. judge the input against memory and, when it is new, remember it and
//     publish the story and its topic copies as one run, the story's
//     message expecting the last sequence memory has followed (Window.
//     publish). Of two replicas publishing copies of one story at once,
//     one expectation fails; the loser catches up with the stream and
//     judges again, finding the winner's story. A copy is counted and
//     dropped (1'); a changed version of a known item is published as
//     revision n+1 with Nats-Msg-Id <id>:r<n+1> (1”).
//  2. return nil: the runner acks the input.
//
// A crash before 2 redelivers the input. Its story's message carries the
// input's NEWS_RAW sequence, so the redelivery is recognised as the same
// input (not a copy of itself) and republishes with the same Nats-Msg-Ids,
// which the stream's duplicate window drops: outputs exist exactly once.
//
// dedupe imports feeds, pipeline and pipeline/tag.
package dedupe

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/dedupe/near"
	"github.com/newswire/newswire/pipeline/tag"
)

// StageName names the stage in logs, metrics and news.dead.dedupe.
const StageName = "dedupe"

// Options configures a Stage.
type Options struct {
	// Memory sizes what the stage remembers: Window (required: the
	// configuration's dedupe.window) and MaxStories hold for exact keys and
	// near-duplicates alike; the rest configures the near-duplicate index.
	Memory near.IndexConfig
	// Near recognises near-duplicates (syndicated copies with an edited
	// headline or a trimmed summary), besides exact copies.
	Near bool
	// NoUpdates drops a changed version of a known item as a copy instead
	// of publishing it as an update.
	NoUpdates bool
	// Tagger gives every story its topics; nil publishes stories with none.
	Tagger *tag.Tagger
	// Metrics, when set, counts the stage's judgements.
	Metrics *Metrics
	// Snapshots, when set, keeps snapshots of memory (pipeline.BucketMemory),
	// so that a restart reads one and the stream after it.
	Snapshots jetstream.ObjectStore
}

// Stage is the story stage's handler. It is safe for concurrent use.
type Stage struct {
	js      jetstream.JetStream
	opts    Options
	metrics *pipeline.Metrics
	log     zerolog.Logger
	order   *pipeline.StoreOrder // copies in hand at once are judged in the order NEWS_RAW stored them
	window  *Window

	// fail, when set (tests), is called after each step and may return an
	// error that aborts the handling there, as a crash would.
	fail func(step string) error
}

// New returns a story stage.
func New(js jetstream.JetStream, opts Options, m *pipeline.Metrics, log zerolog.Logger) *Stage {
	w := NewWindow(js, opts.Memory, opts.Near, log)
	w.snaps = opts.Snapshots
	return &Stage{
		js: js, opts: opts, metrics: m,
		log:    log.With().Str("component", StageName).Logger(),
		order:  pipeline.NewStoreOrder(),
		window: w,
	}
}

// Window is the stage's memory.
func (s *Stage) Window() *Window { return s.window }

// Run handles NEWS_RAW until ctx is done, following NEWS_TAGGED with its
// memory meanwhile. What the stage reads (stream, durable consumer, the
// store order) it sets itself; tuning gives the rest of the runner's
// options (MaxDeliver, Concurrency, RetryDelay, Timeout).
func (s *Stage) Run(ctx context.Context, tuning pipeline.RunnerOptions) error {
	in := tuning
	in.Stage, in.Stream, in.Consumer, in.Order = StageName, pipeline.StreamRaw, pipeline.ConsumerDedupe, s.order
	r := pipeline.NewRunner(s.js, in, s.Handle, s.metrics, s.log)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.window.Run(gctx) })
	g.Go(func() error { return r.Run(gctx) })
	return g.Wait()
}

// Handle implements pipeline.Handler.
func (s *Stage) Handle(ctx context.Context, msg jetstream.Msg) error {
	a, err := pipeline.DecodeArticle(msg.Data())
	if err != nil {
		return err
	}
	meta, err := msg.Metadata()
	if err != nil {
		return pipeline.Permanent(fmt.Errorf("not a JetStream message: %w", err))
	}
	st := newStory(a, meta.Sequence.Stream, s.opts.Near)
	st.updates = !s.opts.NoUpdates
	// Of two copies in this process's hands, the one NEWS_RAW stored first
	// is judged first (pipeline.StoreOrder): they share an exact key or,
	// for near-duplicates, a band key.
	if err := s.order.Wait(ctx, st.mine.rawSeq, s.conflictKeys(st)); err != nil {
		return err
	}
	if err := s.step("claimed"); err != nil {
		return err
	}
	s.opts.Tagger.Tag(a)
	if st.msgs, err = storyMessages(st, s.window.token); err != nil {
		return err
	}
	j, err := s.window.publish(ctx, st, true)
	if err != nil {
		return err
	}
	switch j.verdict {
	case verdictCopy:
		s.dropCopy(a, j.by, j.owner)
		return nil
	case verdictUpdate:
		return s.publishUpdate(ctx, st, j.owner)
	}
	s.published(a, "unique")
	return s.step("published")
}

// StoryMessages are the messages the stage publishes for a, a new story
// read at sequence rawSeq of NEWS_RAW and tagged: its story and topic
// copies, carrying what memory keeps of it (with its near-duplicate
// signature when near). The benches fill NEWS_TAGGED with them as the stage
// would.
func StoryMessages(a *feeds.Article, rawSeq uint64, near bool) ([]*nats.Msg, error) {
	st := newStory(a, rawSeq, near)
	return storyMessages(st, "")
}

// newStory prepares a for judging: its content hash, keys and, when near,
// its signature. The signature travels in a header, not the body.
func newStory(a *feeds.Article, rawSeq uint64, withSig bool) *story {
	if a.Dedupe == nil {
		a.Dedupe = &feeds.DedupeInfo{}
	}
	a.Dedupe.ContentHash, a.Dedupe.MinHash = contentHash(a), ""
	st := &story{a: a, keys: Keys(a)}
	st.mine = mine{feed: a.Feed.ID, rawSeq: rawSeq, guid: guidKey(st.keys), content: shortContent(a.Dedupe.ContentHash)}
	if withSig {
		sig := near.SignLinked(a.Title, a.Summary, a.URL)
		st.sig = &sig
	}
	return st
}

// storyMessages are st's messages: its story and topic copies, carrying
// what memory keeps of it and the token of the process publishing them.
func storyMessages(st *story, by string) ([]*nats.Msg, error) {
	h := nats.Header{}
	storyHeader{id: st.a.ID, rev: st.a.Revision, rawSeq: st.mine.rawSeq, content: st.mine.content, keys: st.keys, by: by, sig: st.sig}.set(h)
	return tag.Messages(st.a, "", h)
}

// published counts a story stored on NEWS_TAGGED.
func (s *Stage) published(a *feeds.Article, judgement string) {
	s.metrics.AddPublished(StageName, 1)
	s.opts.Metrics.judge(a.Feed.ID, judgement, "")
	s.opts.Tagger.Published(a)
	if len(a.Topics) > 0 {
		s.log.Debug().Str("article_id", a.ID).Str("feed_id", a.Feed.ID).Int("topics", len(a.Topics)).Msg("tagged")
	}
}

// conflictKeys are the values on which a story's handling may conflict
// with another's: its exact keys and, with near-duplicates, its band keys.
func (s *Stage) conflictKeys(st *story) []uint64 {
	out := make([]uint64, 0, len(st.keys)+32)
	for _, k := range st.keys {
		out = append(out, k.Hash&^(1<<63))
	}
	if idx := s.window.bander; idx != nil && st.sig != nil {
		for _, b := range idx.BandKeys(*st.sig) {
			out = append(out, 1<<63|uint64(b))
		}
	}
	return out
}

// publishUpdate publishes st as the next revision of the story o, and
// remembers its text so the same version is not published again.
func (s *Stage) publishUpdate(ctx context.Context, st *story, o owner) error {
	a := st.a
	a.Revision = max(o.Revision, 1) + 1
	a.UpdateOf = o.ID
	var err error
	if st.msgs, err = storyMessages(st, s.window.token); err != nil {
		return err
	}
	if _, err := s.window.publish(ctx, st, false); err != nil {
		return err
	}
	if err := s.step("update-published"); err != nil {
		return err
	}
	s.published(a, "update")
	s.log.Info().Str("article_id", a.ID).Str("feed_id", a.Feed.ID).Int("revision", a.Revision).Msg("story updated")
	return nil
}

// dropCopy counts a copy and records its feed with the first copy, so that
// the status page and the metrics can say how often a feed only repeats
// others.
func (s *Stage) dropCopy(a *feeds.Article, kind string, o owner) {
	s.opts.Metrics.judge(a.Feed.ID, "duplicate", kind)
	// The link a user (and bench/eval) follows: this copy was merged into
	// story_id, itself possibly a copy of another (follow the chain).
	s.log.Info().Str("article_id", a.ID).Str("guid", a.GUID).Str("feed_id", a.Feed.ID).Str("key", kind).
		Str("story_id", o.ID).Str("story_feed", o.Feed).Msg("duplicate dropped")
	s.window.copied(o.slot, a.Feed.ID)
}

// Snapshot stores a snapshot of the stage's memory now (Options.Snapshots
// must be set) and returns the NEWS_TAGGED sequence it holds up to. The
// stage stores one by itself every few minutes while its memory changes.
func (s *Stage) Snapshot(ctx context.Context) (uint64, error) {
	if s.window.snaps == nil {
		return 0, errors.New("dedupe: no store for snapshots (Options.Snapshots)")
	}
	return s.window.writeSnapshot(ctx)
}

// AlsoIn is what the stage counted of the copies of a story.
type AlsoIn struct {
	Feeds  []string `json:"also_in"`
	Copies int      `json:"copies"`
}

// AlsoIn returns the copies of article id's story this process dropped
// while it remembers the story (each replica counts the copies it judged).
func (s *Stage) AlsoIn(id string) AlsoIn { return s.window.alsoIn(id) }

func (s *Stage) step(name string) error {
	if s.fail == nil {
		return nil
	}
	return s.fail(name)
}
