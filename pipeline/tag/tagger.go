package tag

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
)

// HeaderRulesVersion carries Rules.Version on every tagged message, as the
// article's rules_version does in its body.
const HeaderRulesVersion = "Newswire-Rules-Version"

// Tagger gives a story its topics before the story stage (pipeline/dedupe)
// publishes it: every story goes to news.tagged.<feed> with its topics
// (possibly none), and one copy to news.topic.<topic> per matched topic. It
// is safe for concurrent use; SetRules swaps the rules atomically while
// stories are in flight.
type Tagger struct {
	rules  atomic.Pointer[Rules]
	counts *Metrics
	hourly atomic.Pointer[HourlyCounts]
}

// NewTagger returns a tagger using rules, counting published stories per
// topic in counts (nil: not counted).
func NewTagger(rules *Rules, counts *Metrics) *Tagger {
	t := &Tagger{counts: counts}
	t.SetRules(rules)
	return t
}

// SetRules replaces the rules for stories tagged from now on; their
// topics' series exist from now on, at zero until a story matches.
func (t *Tagger) SetRules(r *Rules) {
	t.rules.Store(r)
	for _, name := range r.Topics() {
		t.counts.start(name)
	}
}

// Rules returns the rules in use.
func (t *Tagger) Rules() *Rules { return t.rules.Load() }

// Tag sets a's topics (never nil: "topics": [] means tagged, nothing
// matched) and the version of the rules that chose them. A nil Tagger has
// no rules: nothing matches.
func (t *Tagger) Tag(a *feeds.Article) {
	if t == nil {
		a.Topics, a.RulesVersion = []feeds.TopicMatch{}, ""
		return
	}
	rules := t.rules.Load()
	a.Topics = rules.Match(Document{Title: a.Title, Summary: a.Summary, Language: a.Language})
	a.RulesVersion = rules.Version()
}

// CountHourly makes Published also count each topic per hour in h (nil:
// stop).
func (t *Tagger) CountHourly(h *HourlyCounts) { t.hourly.Store(h) }

// Published counts a's topics once its messages are stored.
func (t *Tagger) Published(a *feeds.Article) {
	if t == nil {
		return
	}
	hourly, now := t.hourly.Load(), time.Now()
	for _, m := range a.Topics {
		t.counts.topic(m.Name)
		hourly.Add(m.Name, now, 1)
	}
}

// Messages are a tagged story's messages: news.tagged.<feed> first, then
// one copy per topic on news.topic.<topic>, all with the same body and
// headers (its topics, its rules version and header). Their Nats-Msg-Ids
// derive from the article id and revision (pipeline.VersionMsgID), with
// idSuffix appended: a republication under ids of its own (replay) adds
// one.
func Messages(a *feeds.Article, idSuffix string, header nats.Header) ([]*nats.Msg, error) {
	names := make([]string, len(a.Topics))
	for i, t := range a.Topics {
		names[i] = t.Name
	}
	h := nats.Header{}
	for k, v := range header {
		h[k] = v
	}
	h.Set(pipeline.HeaderTopics, strings.Join(names, ","))
	h.Set(HeaderRulesVersion, a.RulesVersion)
	data, err := pipeline.EncodeArticle(a)
	if err != nil {
		return nil, pipeline.Permanent(err)
	}
	msgs := make([]*nats.Msg, 0, 1+len(names))
	msgs = append(msgs, pipeline.JSONMsg(pipeline.TaggedSubject(a.Feed.ID), pipeline.VersionMsgID(a.ID, a.Revision)+idSuffix, data, h))
	for _, name := range names {
		msgs = append(msgs, pipeline.JSONMsg(pipeline.TopicSubject(name), pipeline.VersionMsgID(pipeline.TopicMsgID(a.ID, name), a.Revision)+idSuffix, data, h))
	}
	return msgs, nil
}
