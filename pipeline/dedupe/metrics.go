package dedupe

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the dedupe stage's own series; a nil *Metrics records
// nothing.
type Metrics struct {
	duplicates *prometheus.CounterVec // newswire_duplicates_total{key}
	judged     *prometheus.CounterVec // newswire_dedupe_articles_total{feed,result}; nil without per-feed series
}

// NewMetrics creates the stage's series and registers them with reg;
// perFeed adds the per-feed newswire_dedupe_articles_total.
func NewMetrics(reg prometheus.Registerer, perFeed bool) *Metrics {
	m := &Metrics{
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newswire_duplicates_total",
			Help: "Articles dropped as duplicates, by the first key that matched (guid, url, content, near).",
		}, []string{"key"}),
		judged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newswire_dedupe_articles_total",
			Help: "Articles the dedupe stage judged, per feed, by result (unique, duplicate, update): how often a feed only repeats others.",
		}, []string{"feed", "result"}),
	}
	for _, key := range []string{"guid", "url", "content", "near"} {
		m.duplicates.WithLabelValues(key)
	}
	reg.MustRegister(m.duplicates)
	if perFeed {
		reg.MustRegister(m.judged)
	} else {
		m.judged = nil
	}
	return m
}

// judge counts one article of feed judged result (unique, update,
// duplicate); a duplicate also counts under the key that matched.
func (m *Metrics) judge(feed, result, key string) {
	if m == nil {
		return
	}
	if m.judged != nil {
		m.judged.WithLabelValues(feed, result).Inc()
	}
	if result == "duplicate" {
		m.duplicates.WithLabelValues(key).Inc()
	}
}
