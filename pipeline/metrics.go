package pipeline

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the series every stage shares: messages handled, articles
// published, the broker's health and the oldest message in hand. Create
// one per process with NewMetrics and pass it to every stage; a nil
// *Metrics records nothing. A stage's own series (dedupe's copies, tag's
// topics) are the stage package's.
type Metrics struct {
	Messages  *prometheus.CounterVec // newswire_stage_messages_total{stage,result}
	Published *prometheus.CounterVec // newswire_articles_published_total{stage}

	health   *Health
	inflight *prometheus.GaugeVec
	pending  *prometheus.GaugeVec
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
			Help: "Articles published per stage (poll: raw, dedupe: tagged stories).",
		}, []string{"stage"}),
	}
	m.pending = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "newswire_stage_pending_messages",
		Help: "Messages waiting for a stage: not yet delivered or delivered and not yet acked on its durable consumer (its lag), read every 10 s.",
	}, []string{"stage"})
	reg.MustRegister(m.Messages, m.Published, m.pending)
	m.health = newHealth(reg)
	m.inflight = newInflightGauge(reg)
	return m
}

// StartStage makes stage's series exist at zero before its first message,
// so that rates and alerts see a stage that has done nothing yet.
func (m *Metrics) StartStage(stage string) {
	if m == nil {
		return
	}
	for _, result := range []string{"ok", "retry", "dead"} {
		m.Messages.WithLabelValues(stage, result)
	}
	m.Published.WithLabelValues(stage)
	m.inflight.WithLabelValues(stage)
	m.pending.WithLabelValues(stage)
	m.health.Start(stage)
}

func (m *Metrics) setPending(stage string, n uint64) {
	if m != nil {
		m.pending.WithLabelValues(stage).Set(float64(n))
	}
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
