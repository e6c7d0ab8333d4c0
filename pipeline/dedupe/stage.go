// Package dedupe is the stage between NEWS_RAW and NEWS_UNIQUE: it lets the
// first copy of a story through and drops later copies, and publishes a
// materially changed version of a story as an update.
//
// Levels, checked in this order:
//
//	g.<hash>  feed id + GUID            the same item of the same feed
//	u.<hash>  URL identity              the same page in any feed (http/https,
//	                                    www./m./amp. hosts, AMP paths and a
//	                                    trailing slash folded: feeds.URLIdentity);
//	                                    within one feed, items with different
//	                                    GUIDs stay apart (links that differ only
//	                                    by #fragment share a canonical URL)
//	c.<hash>  normalised title+summary  the same text under any link
//	near      MinHash + LSH over word shingles (see package near and near.go):
//	          a syndicated copy with an edited headline or a trimmed summary
//
// Exact keys live in the JetStream KV bucket newswire_dedupe (expired after
// dedupe.ttl, 30 days by default), shared by every replica; the
// near-duplicate window lives in memory, fed by NEWS_UNIQUE (see near.go).
//
// Order of work for one input, and why it is safe:
//
//  1. claim each exact key with KV Create (atomic: of two replicas racing on
//     a key exactly one wins); the value names the input's stream sequence
//     and the text's hash. A key held by another input → a copy: record the
//     copy's feed in the first copy's also_in list and ack — unless it is
//     the same feed item (GUID) with materially changed text, which is an
//     update (step 2'). A key held by this same input (a redelivery after a
//     crash) is ours: go on.
//  2. publish the article on news.unique.<feed> with Nats-Msg-Id = article
//     id and wait for the broker's ack (2': an update is published with
//     revision n+1 and Nats-Msg-Id <id>:r<n+1>, then its key records the new
//     text and revision).
//  3. return nil: the runner acks the input.
//
// A crash between 1 and 2 leaves keys claimed by the input's sequence; the
// redelivery finds them its own and publishes. A crash between 2 and 3 (or
// between 2' and its record) republishes with the same Nats-Msg-Id, which
// the stream's duplicate window drops. Claiming before publishing (rather
// than publishing first) is what makes the KV create the arbiter between
// replicas.
//
// dedupe imports feeds and pipeline.
package dedupe

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/dedupe/near"
)

// StageName names the stage in logs, metrics and news.dead.dedupe.
const StageName = "dedupe"

// Options configures a Stage.
type Options struct {
	// NoUpdates drops a changed version of a known item as a copy instead
	// of publishing it as an update.
	NoUpdates bool
	// Metrics, when set, counts the stage's judgements.
	Metrics *Metrics
	// Near, when set, recognises near-duplicates (syndicated copies with
	// an edited headline or a trimmed summary) in a window of this
	// configuration, which the stage keeps and Run follows.
	Near *near.IndexConfig
}

// Stage is the dedupe handler. It is safe for concurrent use.
type Stage struct {
	js      jetstream.JetStream
	kv      jetstream.KeyValue
	opts    Options
	metrics *pipeline.Metrics
	log     zerolog.Logger
	order   *pipeline.StoreOrder // copies in hand at once are judged in the order NEWS_RAW stored them
	window  *Window              // near-duplicates; nil without Options.Near

	// fail, when set (tests), is called after each step and may return an
	// error that aborts the handling there, as a crash would.
	fail func(step string) error
}

// New returns a dedupe stage that keeps its keys in kv.
func New(js jetstream.JetStream, kv jetstream.KeyValue, opts Options, m *pipeline.Metrics, log zerolog.Logger) *Stage {
	s := &Stage{js: js, kv: kv, opts: opts, metrics: m, log: log.With().Str("component", StageName).Logger(), order: pipeline.NewStoreOrder()}
	if opts.Near != nil {
		s.window = NewWindow(js, *opts.Near, log)
	}
	return s
}

// Window is the stage's near-duplicate window, nil without Options.Near.
func (s *Stage) Window() *Window { return s.window }

// Run handles NEWS_RAW until ctx is done, following NEWS_UNIQUE with the
// near-duplicate window meanwhile. What the stage reads (stream, durable
// consumer, the store order) it sets itself; tuning gives the rest of the
// runner's options (MaxDeliver, Concurrency, RetryDelay, Timeout).
func (s *Stage) Run(ctx context.Context, tuning pipeline.RunnerOptions) error {
	in := tuning
	in.Stage, in.Stream, in.Consumer, in.Order = StageName, pipeline.StreamRaw, pipeline.ConsumerDedupe, s.order
	r := pipeline.NewRunner(s.js, in, s.Handle, s.metrics, s.log)
	if s.window == nil {
		return r.Run(ctx)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.window.Run(gctx) })
	g.Go(func() error { return r.Run(gctx) })
	return g.Wait()
}

// claim is the value stored under an exact key: who claimed it, and the
// version of the text it holds now.
type claim struct {
	ArticleID   string `json:"id"`
	Feed        string `json:"feed"`
	GUID        string `json:"guid,omitempty"` // the claimer's GUID, if it had one
	Seq         uint64 `json:"seq"`            // stream sequence of the claiming input
	ContentHash string `json:"content,omitempty"`
	Revision    int    `json:"rev,omitempty"` // latest revision published (0: the first)
}

// distinctItemOf reports whether two claims are distinct items of one feed:
// within a feed, different GUIDs mean different items.
func (c *claim) distinctItemOf(other claim) bool {
	return c.Feed == other.Feed && c.GUID != "" && other.GUID != "" && c.GUID != other.GUID
}

// sameItem reports whether a key hit means the same feed item: its GUID,
// or, for items without GUIDs, its link within the same feed.
func sameItem(kind string, owner *claim, mine claim) bool {
	switch kind {
	case "guid":
		return true
	case "url":
		return owner.Feed == mine.Feed && owner.GUID == "" && mine.GUID == ""
	}
	return false
}

// Key is one identity of an article.
type Key struct {
	Kind string // guid, url or content
	Name string // the KV key
}

// Keys lists the exact dedupe keys of an article, most specific first. An
// article with no summary has no content key: a bare headline ("Live
// updates") is too weak to call two items the same text.
func Keys(a *feeds.Article) []Key {
	var keys []Key
	if a.GUID != "" {
		keys = append(keys, Key{"guid", "g." + shortHash(a.Feed.ID+"\x00"+a.GUID)})
	}
	if a.URL != "" {
		keys = append(keys, Key{"url", "u." + shortHash(feeds.URLIdentity(a.URL))})
	}
	if strings.TrimSpace(a.Title) != "" && strings.TrimSpace(a.Summary) != "" {
		keys = append(keys, Key{"content", "c." + contentHash(a)})
	}
	return keys
}

func contentHash(a *feeds.Article) string {
	if a.Dedupe != nil && a.Dedupe.ContentHash != "" {
		return a.Dedupe.ContentHash
	}
	return feeds.ContentHash(a.Title, a.Summary)
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
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
	if a.Dedupe == nil {
		a.Dedupe = &feeds.DedupeInfo{}
	}
	a.Dedupe.ContentHash = contentHash(a)
	mine := claim{ArticleID: a.ID, Feed: a.Feed.ID, GUID: a.GUID, Seq: meta.Sequence.Stream, ContentHash: a.Dedupe.ContentHash}
	value, _ := json.Marshal(mine)

	keys := Keys(a)
	var sig near.Signature
	if s.window != nil {
		sig = near.SignLinked(a.Title, a.Summary, a.URL)
	}
	// Of two copies in this process's hands, the one NEWS_RAW stored first
	// claims first (pipeline.StoreOrder): they share an exact key or, for
	// near-duplicates, a band key.
	if err := s.order.Wait(ctx, mine.Seq, s.conflictKeys(keys, sig)); err != nil {
		return err
	}
	for _, k := range keys {
		owner, rev, err := s.claim(ctx, k.Name, value)
		if err != nil {
			return fmt.Errorf("dedupe: key %s: %w", k.Name, err)
		}
		switch {
		case owner == nil || owner.Seq == mine.Seq:
			continue // ours
		case k.Kind == "url" && owner.distinctItemOf(mine):
			continue // another item of the same feed at the same page
		case sameItem(k.Kind, owner, mine) && owner.ContentHash != "" && owner.ContentHash != mine.ContentHash && !s.opts.NoUpdates:
			return s.publishUpdate(ctx, a, k, owner, rev)
		}
		s.dropCopy(ctx, a, k.Kind, owner)
		return nil
	}
	if err := s.step("claimed"); err != nil {
		return err
	}
	if w := s.window; w != nil {
		a.Dedupe.MinHash = sig.Encode()
		first, err := w.publishUnlessCopy(ctx, a, sig, meta.NumDelivered > 1)
		if err != nil {
			return err
		}
		if first != nil {
			s.dropCopy(ctx, a, "near", &claim{ArticleID: first.ID})
			return nil
		}
	} else if err := pipeline.PublishJSON(ctx, s.js, pipeline.UniqueSubject(a.Feed.ID), a.ID, a, nil); err != nil {
		return err
	}
	s.metrics.AddPublished(StageName, 1)
	s.opts.Metrics.judge(a.Feed.ID, "unique", "")
	return s.step("published")
}

// conflictKeys are the values on which a's handling may conflict with
// another article's: its exact keys and, with a window, its band keys.
func (s *Stage) conflictKeys(keys []Key, sig near.Signature) []uint64 {
	out := make([]uint64, 0, len(keys)+32)
	for _, k := range keys {
		out = append(out, maphash.String(conflictSeed, k.Name))
	}
	if w := s.window; w != nil {
		for _, b := range w.idx.BandKeys(sig) {
			out = append(out, 1<<63|uint64(b))
		}
	}
	return out
}

// conflictSeed hashes exact keys for the StoreOrder, within this process.
var conflictSeed = maphash.MakeSeed()

// publishUpdate publishes a as the next revision of the story owner holds
// under k, then records the new text under k so the same version is not
// published again.
func (s *Stage) publishUpdate(ctx context.Context, a *feeds.Article, k Key, owner *claim, rev uint64) error {
	a.Revision = max(owner.Revision, 1) + 1
	a.UpdateOf = owner.ArticleID
	if err := pipeline.PublishJSON(ctx, s.js, pipeline.UniqueSubject(a.Feed.ID), pipeline.VersionMsgID(a.ID, a.Revision), a, nil); err != nil {
		return err
	}
	if err := s.step("update-published"); err != nil {
		return err
	}
	next := *owner
	next.ContentHash, next.Revision = a.Dedupe.ContentHash, a.Revision
	data, _ := json.Marshal(next)
	if _, err := s.kv.Update(ctx, k.Name, data, rev); err != nil && !isConflict(err) {
		return fmt.Errorf("dedupe: record update of %s: %w", k.Name, err)
	}
	s.metrics.AddPublished(StageName, 1)
	s.opts.Metrics.judge(a.Feed.ID, "update", "")
	s.log.Info().Str("article_id", a.ID).Str("feed_id", a.Feed.ID).Int("revision", a.Revision).Msg("story updated")
	return nil
}

// dropCopy counts a copy and records its feed with the first copy, so that
// `newswire status` and the metrics can say how often a feed only repeats
// others. Recording is best effort: a lost entry costs a statistic, not a
// story.
func (s *Stage) dropCopy(ctx context.Context, a *feeds.Article, kind string, owner *claim) {
	s.opts.Metrics.judge(a.Feed.ID, "duplicate", kind)
	// The link a user (and bench/eval) follows: this copy was merged into
	// story_id, itself possibly a copy of another (follow the chain).
	s.log.Info().Str("article_id", a.ID).Str("guid", a.GUID).Str("feed_id", a.Feed.ID).Str("key", kind).
		Str("story_id", owner.ArticleID).Str("story_feed", owner.Feed).Msg("duplicate dropped")
	if owner.ArticleID == "" || owner.ArticleID == a.ID || owner.Feed == a.Feed.ID {
		return
	}
	if err := s.recordAlsoIn(ctx, owner.ArticleID, a.Feed.ID); err != nil {
		s.log.Warn().Err(err).Str("first_id", owner.ArticleID).Msg("cannot record also_in")
	}
}

// AlsoIn is what the bucket records about the copies of a story.
type AlsoIn struct {
	Feeds  []string `json:"also_in"`
	Copies int      `json:"copies"`
}

func alsoInKey(articleID string) string { return "a." + articleID }

func (s *Stage) recordAlsoIn(ctx context.Context, articleID, feed string) error {
	key := alsoInKey(articleID)
	for attempt := 0; attempt < 4; attempt++ {
		var rec AlsoIn
		var rev uint64
		entry, err := s.kv.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return err
		default:
			rev = entry.Revision()
			_ = json.Unmarshal(entry.Value(), &rec)
		}
		rec.Copies++
		if !slices.Contains(rec.Feeds, feed) && len(rec.Feeds) < 100 {
			rec.Feeds = append(rec.Feeds, feed)
		}
		data, _ := json.Marshal(rec)
		if rev == 0 {
			_, err = s.kv.Create(ctx, key, data)
		} else {
			_, err = s.kv.Update(ctx, key, data, rev)
		}
		if err == nil || !isConflict(err) {
			return err
		}
	}
	return errors.New("dedupe: also_in kept changing")
}

// LoadAlsoIn returns the feeds that carried copies of a story.
func LoadAlsoIn(ctx context.Context, kv jetstream.KeyValue, articleID string) (AlsoIn, error) {
	var rec AlsoIn
	entry, err := kv.Get(ctx, alsoInKey(articleID))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return rec, nil
	}
	if err != nil {
		return rec, err
	}
	return rec, json.Unmarshal(entry.Value(), &rec)
}

func isConflict(err error) bool {
	if errors.Is(err, jetstream.ErrKeyExists) {
		return true
	}
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

// claim creates name with value. It returns nil when the key was free (now
// ours), or the claim already stored there with its revision.
func (s *Stage) claim(ctx context.Context, name string, value []byte) (*claim, uint64, error) {
	var entry jetstream.KeyValueEntry
	err := pipeline.Retry(ctx, func(ctx context.Context) error {
		// A retry after a lost answer finds the key taken by this same
		// input (its sequence is in the value), which Handle takes as ours.
		_, err := s.kv.Create(ctx, name, value)
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return err // nil: the key is ours
		}
		entry, err = s.kv.Get(ctx, name)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			// Expired between Create and Get: try again.
			return pipeline.ErrRetry
		}
		return err
	})
	if err != nil || entry == nil {
		return nil, 0, err
	}
	var c claim
	if err := json.Unmarshal(entry.Value(), &c); err != nil {
		// A value we cannot read still means someone was first.
		return &claim{}, entry.Revision(), nil
	}
	return &c, entry.Revision(), nil
}

func (s *Stage) step(name string) error {
	if s.fail == nil {
		return nil
	}
	return s.fail(name)
}
