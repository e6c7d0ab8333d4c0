// Package dedupe is the stage between NEWS_RAW and NEWS_UNIQUE: it lets the
// first copy of an article through and drops later copies.
//
// An article is a copy when one of its keys was claimed before by another
// input message:
//
//	g.<hash>  feed id + GUID          (the same item of the same feed)
//	u.<hash>  canonical URL           (the same link in any feed; within one
//	                                   feed, items with different GUIDs stay
//	                                   apart: links that differ only by a
//	                                   #fragment share a canonical URL)
//	c.<hash>  normalised title+summary (the same text under any link)
//
// Keys live in the JetStream KV bucket newswire_dedupe, which expires them
// after the configured TTL (30 days by default), so state survives restarts
// and is shared by every dedupe replica.
//
// Order of work for one input, and why it is safe:
//
//  1. claim each key with KV Create (atomic: of two replicas racing on the
//     same key exactly one wins); the value names the input's stream
//     sequence. A key held by another input → duplicate: ack and stop.
//     A key held by this same input (a redelivery after a crash) → ours.
//  2. publish the article on news.unique.<feed> with Nats-Msg-Id = article
//     id and wait for the broker's ack.
//  3. return nil: the runner acks the input.
//
// A crash between 1 and 2 leaves keys claimed by the input's sequence; the
// redelivery finds them its own and publishes. A crash between 2 and 3
// republishes into the stream's duplicate window, which drops it.
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
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
)

// StageName names the stage in logs, metrics and news.dead.dedupe.
const StageName = "dedupe"

// Stage is the dedupe handler. It is safe for concurrent use.
type Stage struct {
	js      jetstream.JetStream
	kv      jetstream.KeyValue
	metrics *pipeline.Metrics
	log     zerolog.Logger
}

// New returns a dedupe stage that keeps its keys in kv.
func New(js jetstream.JetStream, kv jetstream.KeyValue, m *pipeline.Metrics, log zerolog.Logger) *Stage {
	return &Stage{js: js, kv: kv, metrics: m, log: log.With().Str("component", StageName).Logger()}
}

// claim is the value stored under a key: who claimed it.
type claim struct {
	ArticleID string `json:"id"`
	Feed      string `json:"feed"`
	GUID      string `json:"guid,omitempty"` // the claimer's GUID, if it had one
	Seq       uint64 `json:"seq"`            // stream sequence of the claiming input
}

// distinctItemOf reports whether two claims are distinct items of one feed:
// within a feed, different GUIDs mean different items even when their links
// differ only by a fragment (newsletters, live blogs with anchors).
func (c *claim) distinctItemOf(other claim) bool {
	return c.Feed == other.Feed && c.GUID != "" && other.GUID != "" && c.GUID != other.GUID
}

// Key is one identity of an article.
type Key struct {
	Kind string // guid, url or content
	Name string // the KV key
}

// Keys lists the dedupe keys of an article, most specific first. An article
// with no summary has no content key: a bare headline ("Live updates") is
// too weak to call two items the same text.
func Keys(a *feeds.Article) []Key {
	var keys []Key
	if a.GUID != "" {
		keys = append(keys, Key{"guid", "g." + shortHash(a.Feed.ID+"\x00"+a.GUID)})
	}
	if a.URL != "" {
		keys = append(keys, Key{"url", "u." + shortHash(a.URL)})
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
	mine := claim{ArticleID: a.ID, Feed: a.Feed.ID, GUID: a.GUID, Seq: meta.Sequence.Stream}
	value, _ := json.Marshal(mine)

	for _, k := range Keys(a) {
		owner, err := s.claim(ctx, k.Name, value)
		if err != nil {
			return fmt.Errorf("dedupe: key %s: %w", k.Name, err)
		}
		if owner != nil && owner.Seq != mine.Seq && !(k.Kind == "url" && owner.distinctItemOf(mine)) {
			s.metrics.AddDuplicate(k.Kind)
			s.log.Debug().Str("article_id", a.ID).Str("feed_id", a.Feed.ID).
				Str("key", k.Kind).Str("first_id", owner.ArticleID).Str("first_feed", owner.Feed).
				Msg("duplicate dropped")
			return nil
		}
	}

	if a.Dedupe == nil {
		a.Dedupe = &feeds.DedupeInfo{}
	}
	if a.Dedupe.ContentHash == "" {
		a.Dedupe.ContentHash = feeds.ContentHash(a.Title, a.Summary)
	}
	if err := pipeline.PublishJSON(ctx, s.js, pipeline.UniqueSubject(a.Feed.ID), a.ID, a, nil); err != nil {
		return err
	}
	s.metrics.AddPublished(StageName, 1)
	return nil
}

// claim creates name with value. It returns nil when the key was free (now
// ours), or the claim already stored there.
func (s *Stage) claim(ctx context.Context, name string, value []byte) (*claim, error) {
	_, err := s.kv.Create(ctx, name, value)
	if err == nil {
		return nil, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return nil, err
	}
	entry, err := s.kv.Get(ctx, name)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		// Expired between Create and Get: try once more.
		if _, err := s.kv.Create(ctx, name, value); err == nil {
			return nil, nil
		}
		entry, err = s.kv.Get(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	var c claim
	if err := json.Unmarshal(entry.Value(), &c); err != nil {
		// A value we cannot read still means someone was first.
		return &claim{}, nil
	}
	return &c, nil
}
