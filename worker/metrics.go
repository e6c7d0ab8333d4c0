package worker

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the poller's Prometheus series; a nil *Metrics records nothing.
// Per-feed series carry the label feed and are deleted when the feed is
// removed from the configuration.
type Metrics struct {
	Polls     *prometheus.CounterVec // newswire_polls_total{result}
	Duration  prometheus.Histogram   // newswire_poll_duration_seconds
	Published prometheus.Counter     // articles published on news.raw.*

	FeedUp        *prometheus.GaugeVec   // newswire_feed_up{feed}
	FeedErrors    *prometheus.GaugeVec   // newswire_feed_consecutive_errors{feed}
	FeedInterval  *prometheus.GaugeVec   // newswire_feed_interval_seconds{feed}
	FeedLastPoll  *prometheus.GaugeVec   // newswire_feed_last_poll_timestamp_seconds{feed}
	FeedPublished *prometheus.CounterVec // newswire_feed_articles_published_total{feed}
}

// NewMetrics registers the poll series with reg. published is the counter
// the poller adds its raw articles to (shared with the other stages' vector).
func NewMetrics(reg prometheus.Registerer, published prometheus.Counter) *Metrics {
	gauge := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{"feed"})
	}
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
		Published:    published,
		FeedUp:       gauge("newswire_feed_up", "1 when the feed's last poll succeeded, 0 when it failed."),
		FeedErrors:   gauge("newswire_feed_consecutive_errors", "Polls in a row that failed."),
		FeedInterval: gauge("newswire_feed_interval_seconds", "The feed's current polling interval."),
		FeedLastPoll: gauge("newswire_feed_last_poll_timestamp_seconds", "Unix time of the feed's last poll."),
		FeedPublished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newswire_feed_articles_published_total",
			Help: "Articles this process published from the feed.",
		}, []string{"feed"}),
	}
	reg.MustRegister(m.Polls, m.Duration, m.FeedUp, m.FeedErrors, m.FeedInterval, m.FeedLastPoll, m.FeedPublished)
	return m
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
	up := 0.0
	if st.Errors == 0 {
		up = 1
	}
	m.FeedUp.WithLabelValues(id).Set(up)
	m.FeedErrors.WithLabelValues(id).Set(float64(st.Errors))
	m.FeedInterval.WithLabelValues(id).Set(st.IntervalSeconds)
	m.FeedLastPoll.WithLabelValues(id).Set(float64(st.LastPoll.UnixMilli()) / 1000)
	m.FeedPublished.WithLabelValues(id).Add(float64(n))
	if m.Published != nil {
		m.Published.Add(float64(n))
	}
}

// forget deletes the per-feed series of a removed feed.
func (m *Metrics) forget(id string) {
	if m == nil {
		return
	}
	for _, v := range []*prometheus.GaugeVec{m.FeedUp, m.FeedErrors, m.FeedInterval, m.FeedLastPoll} {
		v.DeleteLabelValues(id)
	}
	m.FeedPublished.DeleteLabelValues(id)
}
