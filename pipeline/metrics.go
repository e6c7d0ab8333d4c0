package pipeline

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the pipeline's Prometheus series. Create one per process with
// NewMetrics and pass it to every stage; a nil *Metrics records nothing.
type Metrics struct {
	Messages   *prometheus.CounterVec // newswire_stage_messages_total{stage,result}
	Published  *prometheus.CounterVec // newswire_articles_published_total{stage}
	Duplicates *prometheus.CounterVec // newswire_duplicates_total{key}
	Topics     *prometheus.CounterVec // newswire_topic_articles_total{topic}
	Dedupe     *prometheus.CounterVec // newswire_dedupe_articles_total{feed,result}

	health   *Health
	inflight *prometheus.GaugeVec
}

// NewMetrics creates the series and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newswire_stage_messages_total",
			Help: "Input messages handled per stage, by result (ok, retry, dead).",
		}, []string{"stage", "result"}),
		Published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newswire_articles_published_total",
			Help: "Articles published per stage (poll: raw, dedupe: unique, tag: tagged).",
		}, []string{"stage"}),
		Duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newswire_duplicates_total",
			Help: "Articles dropped as duplicates, by the first key that matched (url, guid, content).",
		}, []string{"key"}),
		Topics: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newswire_topic_articles_total",
			Help: "Articles published per topic.",
		}, []string{"topic"}),
		Dedupe: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newswire_dedupe_articles_total",
			Help: "Articles the dedupe stage judged, per feed, by result (unique, duplicate, update): how often a feed only repeats others.",
		}, []string{"feed", "result"}),
	}
	reg.MustRegister(m.Messages, m.Published, m.Duplicates, m.Topics, m.Dedupe)
	m.health = newHealth(reg)
	m.inflight = newInflightGauge(reg)
	return m
}

func (m *Metrics) setOldestInflight(stage string, age time.Duration) {
	if m != nil {
		m.inflight.WithLabelValues(stage).Set(age.Seconds())
	}
}

// Health is the process's broker health, reported by every stage and the
// poller's publisher; nil for a nil *Metrics.
func (m *Metrics) Health() *Health {
	if m == nil {
		return nil
	}
	return m.health
}

func (m *Metrics) stageResult(stage, result string) {
	if m != nil {
		m.Messages.WithLabelValues(stage, result).Inc()
	}
}

// AddPublished counts n articles published by stage.
func (m *Metrics) AddPublished(stage string, n int) {
	if m != nil {
		m.Published.WithLabelValues(stage).Add(float64(n))
	}
}

// AddDuplicate counts one article dropped because key matched.
func (m *Metrics) AddDuplicate(key string) {
	if m != nil {
		m.Duplicates.WithLabelValues(key).Inc()
	}
}

// AddTopic counts one article published on topic.
func (m *Metrics) AddTopic(topic string) {
	if m != nil {
		m.Topics.WithLabelValues(topic).Inc()
	}
}

// AddDedupe counts one article of feed judged result by the dedupe stage.
func (m *Metrics) AddDedupe(feed, result string) {
	if m != nil {
		m.Dedupe.WithLabelValues(feed, result).Inc()
	}
}
