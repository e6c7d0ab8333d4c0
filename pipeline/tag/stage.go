package tag

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/newswire/newswire/pipeline"
)

// StageName names the stage in logs, metrics and news.dead.tag.
const StageName = "tag"

// HeaderRulesVersion carries Rules.Version on every tagged message, as the
// article's rules_version does in its body.
const HeaderRulesVersion = "Newswire-Rules-Version"

// Stage is the tag handler between NEWS_UNIQUE and NEWS_TAGGED. Every
// article goes to news.tagged.<feed> with its topics (possibly none), and one
// copy to news.topic.<topic> per matched topic. It is safe for concurrent
// use; SetRules swaps the rules atomically while messages are in flight.
type Stage struct {
	js      jetstream.JetStream
	rules   atomic.Pointer[Rules]
	metrics *pipeline.Metrics
	counts  *Metrics
	log     zerolog.Logger
}

// NewStage returns a tag stage using rules, counting in m (what every
// stage counts) and counts (articles per topic); either may be nil.
func NewStage(js jetstream.JetStream, rules *Rules, m *pipeline.Metrics, counts *Metrics, log zerolog.Logger) *Stage {
	s := &Stage{js: js, metrics: m, counts: counts, log: log.With().Str("component", StageName).Logger()}
	s.rules.Store(rules)
	return s
}

// Run handles NEWS_UNIQUE until ctx is done. What the stage reads it sets
// itself; tuning gives the rest of the runner's options (MaxDeliver,
// Concurrency, RetryDelay, Timeout).
func (s *Stage) Run(ctx context.Context, tuning pipeline.RunnerOptions) error {
	in := tuning
	in.Stage, in.Stream, in.Consumer = StageName, pipeline.StreamUnique, pipeline.ConsumerTag
	return pipeline.NewRunner(s.js, in, s.Handle, s.metrics, s.log).Run(ctx)
}

// SetRules replaces the rules for messages handled from now on.
func (s *Stage) SetRules(r *Rules) { s.rules.Store(r) }

// Rules returns the rules in use.
func (s *Stage) Rules() *Rules { return s.rules.Load() }

// Handle implements pipeline.Handler. The tagged copy and the topic copies
// are published together and awaited together; all carry Nats-Msg-Id
// derived from the article id, so a redelivery republishes nothing new.
func (s *Stage) Handle(ctx context.Context, msg jetstream.Msg) error {
	a, err := pipeline.DecodeArticle(msg.Data())
	if err != nil {
		return err
	}
	rules := s.rules.Load()
	a.Topics = rules.Match(Document{Title: a.Title, Summary: a.Summary, Language: a.Language})
	a.RulesVersion = rules.Version()

	names := make([]string, len(a.Topics))
	for i, t := range a.Topics {
		names[i] = t.Name
	}
	header := nats.Header{}
	header.Set(pipeline.HeaderTopics, strings.Join(names, ","))
	header.Set(HeaderRulesVersion, a.RulesVersion)

	data, err := pipeline.EncodeArticle(a)
	if err != nil {
		return pipeline.Permanent(err)
	}
	msgs := make([]*nats.Msg, 0, 1+len(names))
	msgs = append(msgs, pipeline.JSONMsg(pipeline.TaggedSubject(a.Feed.ID), pipeline.VersionMsgID(a.ID, a.Revision), data, header))
	for _, name := range names {
		msgs = append(msgs, pipeline.JSONMsg(pipeline.TopicSubject(name), pipeline.VersionMsgID(pipeline.TopicMsgID(a.ID, name), a.Revision), data, header))
	}
	if err := pipeline.PublishAll(ctx, s.js, msgs); err != nil {
		return err
	}
	for _, name := range names {
		s.counts.topic(name)
	}
	s.metrics.AddPublished(StageName, 1)
	if len(names) > 0 {
		s.log.Debug().Str("article_id", a.ID).Str("feed_id", a.Feed.ID).Strs("topics", names).Msg("tagged")
	}
	return nil
}
