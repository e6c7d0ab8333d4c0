package tag

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the tag stage's own series; a nil *Metrics records nothing.
type Metrics struct {
	topics *prometheus.CounterVec // newswire_topic_articles_total{topic}
}

// NewMetrics creates the stage's series and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{topics: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "newswire_topic_articles_total",
		Help: "Articles published per topic.",
	}, []string{"topic"})}
	reg.MustRegister(m.topics)
	return m
}

func (m *Metrics) topic(name string) {
	if m != nil {
		m.topics.WithLabelValues(name).Inc()
	}
}

func (m *Metrics) start(name string) {
	if m != nil {
		m.topics.WithLabelValues(name)
	}
}
