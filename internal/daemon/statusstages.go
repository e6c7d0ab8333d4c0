package daemon

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	dto "github.com/prometheus/client_model/go"

	"github.com/newswire/newswire/pipeline"
)

// Stage names as the metrics label them.
const (
	stagePoll  = "poll"
	stageStory = "dedupe" // the story stage (dedupe + tag in one hop)
)

// rateWindow is how far back the page's rates look.
const rateWindow = 5 * time.Minute

// rateSample is the published counters at one moment.
type rateSample struct {
	at        time.Time
	published map[string]float64 // by stage
}

// stagesView is the status page's stages section.
type stagesView struct {
	Rows     []stageRow
	RateOver string // the span the rates are measured over
	Dead     deadView
}

type stageRow struct {
	Name, Does string
	Here       bool   // runs in this process
	Published  int64  // articles published by this process
	PerMinute  string // over RateOver
	Lag        string // input messages not yet handled (consumer's pending + unacknowledged)
	Oldest     string // the oldest message in hand
	Dead       int64  // inputs this process dead-lettered
}

type deadView struct {
	Err   string
	Count uint64 // messages on NEWS_DEAD
	Last  []deadLetter
}

type deadLetter struct {
	Seq                    uint64
	Time                   string
	Stage, Subject, Reason string
}

// sample records the published counters for the rates, keeping the
// newest sample older than rateWindow as the baseline.
func (p *statusPage) sample(fams map[string]*dto.MetricFamily) (base rateSample, now rateSample) {
	now = rateSample{at: time.Now(), published: byLabel(fams, "newswire_articles_published_total", "stage")}
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.samples) > 1 && now.at.Sub(p.samples[1].at) >= rateWindow {
		p.samples = p.samples[1:]
	}
	if len(p.samples) == 0 || now.at.Sub(p.samples[len(p.samples)-1].at) >= 5*time.Second {
		p.samples = append(p.samples, now)
	}
	return p.samples[0], now
}

func (p *statusPage) stages(ctx context.Context, fams map[string]*dto.MetricFamily, now time.Time) stagesView {
	base, cur := p.sample(fams)
	span := cur.at.Sub(base.at)
	v := stagesView{RateOver: span.Round(time.Second).String()}
	oldest := byLabel(fams, "newswire_stage_oldest_inflight_seconds", "stage")
	dead := map[string]float64{}
	for _, m := range fams["newswire_stage_messages_total"].GetMetric() {
		if label(m, "result") == "dead" {
			dead[label(m, "stage")] += metricValue(m)
		}
	}
	perMinute := func(stage string) string {
		if span < time.Second {
			return "–"
		}
		return fmt.Sprintf("%.1f", (cur.published[stage]-base.published[stage])/span.Minutes())
	}
	poll := stageRow{Name: stagePoll, Does: "polls feeds, publishes raw articles to NEWS_RAW", Here: p.d.poller != nil}
	story := stageRow{Name: stageStory, Does: "dedupes and tags NEWS_RAW, publishes stories to NEWS_TAGGED", Here: p.d.stage != nil}
	for _, r := range []*stageRow{&poll, &story} {
		r.Published = int64(cur.published[r.Name])
		r.PerMinute = perMinute(r.Name)
		r.Dead = int64(dead[r.Name])
		if s, ok := oldest[r.Name]; ok && r.Here {
			r.Oldest = (time.Duration(s * float64(time.Second))).Round(time.Millisecond).String()
		}
	}
	poll.Lag = "–"
	story.Lag = p.storyLag(ctx)
	v.Rows = []stageRow{poll, story}
	v.Dead = p.deadLetters(ctx)
	return v
}

// storyLag reads the story stage's durable consumer: the raw articles not
// yet delivered plus those delivered and not yet acknowledged, whichever
// process runs the stage.
func (p *statusPage) storyLag(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, sectionTimeout)
	defer cancel()
	c, err := p.d.js.Consumer(ctx, pipeline.StreamRaw, pipeline.ConsumerDedupe)
	if err != nil {
		return "unknown: " + err.Error()
	}
	info, err := c.Info(ctx)
	if err != nil {
		return "unknown: " + err.Error()
	}
	return fmt.Sprintf("%d (%d waiting, %d in hand)", info.NumPending+uint64(info.NumAckPending), info.NumPending, info.NumAckPending)
}

// deadLetters counts NEWS_DEAD and reads the headers of its last 10
// messages.
func (p *statusPage) deadLetters(ctx context.Context) deadView {
	ctx, cancel := context.WithTimeout(ctx, sectionTimeout)
	defer cancel()
	var v deadView
	stream, err := p.d.js.Stream(ctx, pipeline.StreamDead)
	if err != nil {
		return deadView{Err: err.Error()}
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return deadView{Err: err.Error()}
	}
	v.Count = info.State.Msgs
	if v.Count == 0 {
		return v
	}
	const last = 10
	start := max(info.State.FirstSeq, info.State.LastSeq-min(info.State.LastSeq, last-1))
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   start,
		HeadersOnly:   true,
	})
	if err != nil {
		v.Err = err.Error()
		return v
	}
	batch, err := cons.Fetch(last, jetstream.FetchMaxWait(sectionTimeout/2))
	if err != nil {
		v.Err = err.Error()
		return v
	}
	for m := range batch.Messages() {
		d := deadLetter{Subject: m.Headers().Get(pipeline.HeaderDeadSubject), Reason: m.Headers().Get(pipeline.HeaderDeadReason),
			Stage: cmp.Or(m.Headers().Get(pipeline.HeaderDeadStage), m.Subject())}
		if md, err := m.Metadata(); err == nil {
			d.Seq, d.Time = md.Sequence.Stream, md.Timestamp.UTC().Format(time.DateTime)
		}
		v.Last = append(v.Last, d)
	}
	if err := batch.Error(); err != nil && !errors.Is(err, context.DeadlineExceeded) && len(v.Last) == 0 {
		v.Err = err.Error()
	}
	slices.Reverse(v.Last) // newest first
	return v
}
