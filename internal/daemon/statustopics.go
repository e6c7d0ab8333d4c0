package daemon

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/tag"
)

// maxBackfill bounds how many news.topic.> messages a start reads to
// refill the hourly topic counts: past it the plot's older hours are
// short, and the page says so.
const maxBackfill = 200_000

// backfill is how far the start's refill of the hourly counts got.
type backfill struct {
	mu     sync.Mutex
	done   bool
	read   int
	capped bool
	err    error
}

// topicsView is the status page's topics section.
type topicsView struct {
	Note   string // why there is nothing, or how the counts were filled
	Series []tag.TopicSeries
	Names  []string // the topics a live tail can follow
}

func (p *statusPage) topics(now time.Time) topicsView {
	var v topicsView
	if p.d.tagger != nil {
		v.Names = p.d.tagger.Rules().Topics()
	}
	if p.hourly == nil {
		v.Note = "The story stage does not run in this process (run --only): no topic counts here."
		return v
	}
	v.Series = p.hourly.Series(now)
	p.fill.mu.Lock()
	defer p.fill.mu.Unlock()
	switch {
	case !p.fill.done:
		v.Note = fmt.Sprintf("Reading the last 24 h of news.topic.> to fill the plots (%d messages so far).", p.fill.read)
	case p.fill.err != nil:
		v.Note = fmt.Sprintf("Counting since this process started; refilling from NEWS_TAGGED failed after %d messages: %v", p.fill.read, p.fill.err)
	case p.fill.capped:
		v.Note = fmt.Sprintf("Refilled from the newest %d messages of news.topic.> (the limit): older hours are undercounted.", p.fill.read)
	}
	return v
}

// fillHourly counts the news.topic.> messages stored in the last 24 hours
// before until (the stage counts what it publishes from then on), reading
// headers only with an ordered consumer, at most maxBackfill of them.
func (p *statusPage) fillHourly(ctx context.Context, until time.Time) {
	read, capped, err := readTopicHours(ctx, p.d.js, until, p.hourly, func(n int) {
		p.fill.mu.Lock()
		p.fill.read = n
		p.fill.mu.Unlock()
	})
	p.fill.mu.Lock()
	defer p.fill.mu.Unlock()
	p.fill.done, p.fill.read, p.fill.capped, p.fill.err = true, read, capped, err
	if err != nil && ctx.Err() == nil {
		p.d.log.Warn().Err(err).Msg("status page: cannot refill the hourly topic counts")
	}
}

func readTopicHours(ctx context.Context, js jetstream.JetStream, until time.Time, into *tag.HourlyCounts, progress func(int)) (read int, capped bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	stream, err := js.Stream(ctx, pipeline.StreamTagged)
	if err != nil {
		return 0, false, err
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return 0, false, err
	}
	since := until.Add(-tag.HourlyHours * time.Hour)
	cfg := jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{pipeline.TopicSubject(">")},
		DeliverPolicy:  jetstream.DeliverByStartTimePolicy,
		OptStartTime:   &since,
		HeadersOnly:    true,
	}
	// The newest maxBackfill count most: start there when the stream
	// holds more (a few topic copies per story, so this is a bound).
	if info.State.Msgs > maxBackfill {
		if seq := info.State.LastSeq - maxBackfill; seq > 0 {
			m, err := stream.GetMsg(ctx, seq)
			if err == nil && m.Time.After(since) {
				cfg.DeliverPolicy, cfg.OptStartTime, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, nil, seq
				capped = true
			}
		}
	}
	cons, err := stream.OrderedConsumer(ctx, cfg)
	if err != nil {
		return 0, false, err
	}
	for read < maxBackfill {
		batch, err := cons.FetchNoWait(1000)
		if err != nil {
			return read, capped, err
		}
		n, last := 0, false
		for m := range batch.Messages() {
			n++
			md, err := m.Metadata()
			if err != nil {
				continue
			}
			if !md.Timestamp.Before(until) || md.NumPending == 0 || md.Sequence.Stream >= info.State.LastSeq {
				last = true
			}
			if md.Timestamp.Before(until) {
				into.Add(strings.TrimPrefix(m.Subject(), "news.topic."), md.Timestamp, 1)
				read++
			}
		}
		if err := batch.Error(); err != nil {
			return read, capped, err
		}
		progress(read)
		if last || n == 0 {
			return read, capped, nil
		}
	}
	return read, true, nil
}

// topicBars draws a topic's articles per hour as a small SVG bar plot,
// oldest hour left; each bar's title says its hour and count.
func topicBars(s tag.TopicSeries, now time.Time) template.HTML {
	const barW, gap, height = 6, 1, 32
	peak := 1
	for _, c := range s.Counts {
		peak = max(peak, c)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="bars" width="%d" height="%d" viewBox="0 0 %[1]d %[2]d" role="img" aria-label="%s: %d articles in 24 h">`,
		tag.HourlyHours*(barW+gap), height, template.HTMLEscapeString(s.Topic), s.Total)
	first := now.Truncate(time.Hour).Add(-(tag.HourlyHours - 1) * time.Hour)
	for i, c := range s.Counts {
		h := 0
		if c > 0 {
			h = max(1, c*height/peak)
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d"><title>%s: %d</title></rect>`,
			i*(barW+gap), height-h, barW, h, first.Add(time.Duration(i)*time.Hour).UTC().Format("15:04 UTC"), c)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // numbers and an escaped topic name
}
