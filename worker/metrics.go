package worker

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newswire/newswire/feeds"
)

// Metrics are the poller's Prometheus series; a nil *Metrics records nothing.
//
// The per-feed series (label feed) are not kept as Prometheus vectors: with
// 10,000 feeds five vectors hold 50,000 children with their label pairs
// (about 20 MB) and every poll would hash its labels five times. Metrics
// keeps one small record per feed instead and turns the records into
// series when /metrics is scraped. A removed feed's record, and with it its
// series, is deleted.
type Metrics struct {
	Polls     *prometheus.CounterVec // newswire_polls_total{result}
	Duration  prometheus.Histogram   // newswire_poll_duration_seconds
	Published prometheus.Counter     // articles published on news.raw.*

	// perFeed: the per-feed series are exported (metrics.per_feed); the
	// aggregate newswire_feeds{state} always is.
	perFeed bool

	mu    sync.Mutex
	feeds map[string]*feedSeries
}

// feedSeries is what the per-feed series report for one feed.
type feedSeries struct {
	polled    bool // polled by this process since it started
	errors    int
	interval  float64 // seconds
	lastPoll  float64 // Unix seconds
	published float64 // by this process
}

var (
	descFeedUp = prometheus.NewDesc("newswire_feed_up",
		"1 when the feed's last poll succeeded, 0 when it failed.", []string{"feed"}, nil)
	descFeedErrors = prometheus.NewDesc("newswire_feed_consecutive_errors",
		"Polls in a row that failed.", []string{"feed"}, nil)
	descFeedInterval = prometheus.NewDesc("newswire_feed_interval_seconds",
		"The feed's current polling interval.", []string{"feed"}, nil)
	descFeedLastPoll = prometheus.NewDesc("newswire_feed_last_poll_timestamp_seconds",
		"Unix time of the feed's last poll.", []string{"feed"}, nil)
	descFeedPublished = prometheus.NewDesc("newswire_feed_articles_published_total",
		"Articles this process published from the feed.", []string{"feed"}, nil)
	descFeeds = prometheus.NewDesc("newswire_feeds",
		"Feeds this process polls, by state: ok (last poll succeeded), failing, never (not polled since it started).", []string{"state"}, nil)
)

// pollResults are the results newswire_polls_total starts with at zero:
// the successes and every error class.
var pollResults = []string{"ok", "not_modified", "unchanged",
	string(feeds.ClassNetwork), string(feeds.ClassTimeout), string(feeds.ClassDNS), string(feeds.ClassTLS),
	string(feeds.ClassHTTP4xx), string(feeds.ClassHTTP5xx), string(feeds.ClassHTTP429), string(feeds.ClassRedirect),
	string(feeds.ClassTooLarge), string(feeds.ClassBlocked), string(feeds.ClassBadURL), string(feeds.ClassParse),
	string(feeds.ClassNotFeed), string(feeds.ClassUnknown)}

// NewMetrics registers the poll series with reg. published is the counter
// the poller adds its raw articles to (shared with the other stages' vector).
// perFeed exports the per-feed series (newswire_feed_*); without it only
// their aggregate newswire_feeds{state} is, for very long feed lists.
func NewMetrics(reg prometheus.Registerer, published prometheus.Counter, perFeed bool) *Metrics {
	m := &Metrics{
		Polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newswire_polls_total",
			Help: "Feed polls by result: ok, not_modified, unchanged, or an error class (network, timeout, http_4xx, parse, ...).",
		}, []string{"result"}),
		Duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newswire_poll_duration_seconds",
			Help:    "Time from the start of a fetch to the end of publishing, without waiting for host slots.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 10),
		}),
		Published: published,
		perFeed:   perFeed,
		feeds:     map[string]*feedSeries{},
	}
	for _, r := range pollResults {
		m.Polls.WithLabelValues(r)
	}
	reg.MustRegister(m.Polls, m.Duration, (*feedCollector)(m))
	return m
}

// known records a feed the poller now schedules: state never until polled.
func (m *Metrics) known(id string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.feeds[id] == nil {
		m.feeds[id] = &feedSeries{}
	}
}

func (m *Metrics) poll(result string, seconds float64) {
	if m == nil {
		return
	}
	m.Polls.WithLabelValues(result).Inc()
	m.Duration.Observe(seconds)
}

// feed updates the per-feed series after a poll that published n articles.
func (m *Metrics) feed(id string, st *FeedState, n int) {
	if m == nil {
		return
	}
	if m.Published != nil && n > 0 {
		m.Published.Add(float64(n))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.feeds[id]
	if s == nil {
		s = &feedSeries{}
		m.feeds[id] = s
	}
	s.polled = true
	s.errors = st.Errors
	s.interval = st.IntervalSeconds
	s.lastPoll = float64(st.LastPoll.UnixMilli()) / 1000
	s.published += float64(n)
}

// forget deletes the per-feed series of a removed feed.
func (m *Metrics) forget(id string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.feeds, id)
}

// feedCollector is Metrics seen as the prometheus.Collector of the
// per-feed series.
type feedCollector Metrics

func (c *feedCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descFeedUp, descFeedErrors, descFeedInterval, descFeedLastPoll, descFeedPublished, descFeeds} {
		ch <- d
	}
}

func (c *feedCollector) Collect(ch chan<- prometheus.Metric) {
	type row struct {
		id string
		s  feedSeries
	}
	c.mu.Lock()
	rows := make([]row, 0, len(c.feeds))
	for id, s := range c.feeds {
		rows = append(rows, row{id, *s})
	}
	c.mu.Unlock()
	gauge := prometheus.GaugeValue
	var ok, failing, never float64
	for _, r := range rows {
		switch {
		case !r.s.polled:
			never++
		case r.s.errors == 0:
			ok++
		default:
			failing++
		}
	}
	ch <- prometheus.MustNewConstMetric(descFeeds, gauge, ok, "ok")
	ch <- prometheus.MustNewConstMetric(descFeeds, gauge, failing, "failing")
	ch <- prometheus.MustNewConstMetric(descFeeds, gauge, never, "never")
	if !c.perFeed {
		return
	}
	for _, r := range rows {
		if !r.s.polled {
			continue
		}
		up := 0.0
		if r.s.errors == 0 {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(descFeedUp, gauge, up, r.id)
		ch <- prometheus.MustNewConstMetric(descFeedErrors, gauge, float64(r.s.errors), r.id)
		ch <- prometheus.MustNewConstMetric(descFeedInterval, gauge, r.s.interval, r.id)
		ch <- prometheus.MustNewConstMetric(descFeedLastPoll, gauge, r.s.lastPoll, r.id)
		ch <- prometheus.MustNewConstMetric(descFeedPublished, prometheus.CounterValue, r.s.published, r.id)
	}
}
