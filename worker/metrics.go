package worker

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the poller's Prometheus series; a nil *Metrics records nothing.
type Metrics struct {
	Polls     *prometheus.CounterVec // newswire_polls_total{result}
	Duration  prometheus.Histogram   // newswire_poll_duration_seconds
	Published prometheus.Counter     // articles published on news.raw.*
}

// NewMetrics registers the poll series with reg. published is the counter
// the poller adds its raw articles to (shared with the other stages' vector).
func NewMetrics(reg prometheus.Registerer, published prometheus.Counter) *Metrics {
	m := &Metrics{
		Polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newswire_polls_total",
			Help: "Feed polls by result: ok, not_modified, unchanged, or an error class (network, timeout, http_4xx, parse, ...).",
		}, []string{"result"}),
		Duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "newswire_poll_duration_seconds",
			Help:    "Time from the start of a fetch to the saved state.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 10),
		}),
		Published: published,
	}
	reg.MustRegister(m.Polls, m.Duration)
	return m
}

func (m *Metrics) poll(result string, seconds float64) {
	if m == nil {
		return
	}
	m.Polls.WithLabelValues(result).Inc()
	m.Duration.Observe(seconds)
}

func (m *Metrics) published(n int) {
	if m != nil && m.Published != nil {
		m.Published.Add(float64(n))
	}
}
