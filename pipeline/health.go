package pipeline

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Health tracks the broker conditions that keep a running process from doing
// its work: a server out of JetStream storage, a stream without a leader.
// Each component (poll, dedupe, tag) reports the outcome of its writes; a
// component is blocked from its first failure of a blocking kind until its
// next success. /readyz answers 503 while any component is blocked, and the
// metrics say since when and why:
//
//	newswire_broker_errors_total{component,kind}  every broker error
//	newswire_blocked{component,kind}              1 while blocked
//
// A nil *Health records nothing.
type Health struct {
	mu      sync.Mutex
	blocked map[string]Condition
	stuck   map[string]Condition // stages with a message in flight past their timeout
	n       atomic.Int32         // len(blocked): OK, called per message, locks only when something is blocked
	errors  *prometheus.CounterVec
	gauge   *prometheus.GaugeVec
}

// Condition is why a component is blocked.
type Condition struct {
	Component string
	Kind      string // KindStorageFull, KindUnavailable or KindStuck
	Err       string
	Since     time.Time
}

func (c Condition) String() string {
	what := map[string]string{
		KindStorageFull: "NATS server out of JetStream storage",
		KindUnavailable: "NATS JetStream unavailable",
		KindStuck:       "stuck on a message",
	}[c.Kind]
	return fmt.Sprintf("%s: %s since %s: %s", c.Component, what, c.Since.UTC().Format(time.RFC3339), c.Err)
}

func newHealth(reg prometheus.Registerer) *Health {
	h := &Health{
		blocked: map[string]Condition{},
		stuck:   map[string]Condition{},
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newswire_broker_errors_total",
			Help: "Broker errors per component, by kind (storage_full, unavailable, timeout, too_large, other).",
		}, []string{"component", "kind"}),
		gauge: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "newswire_blocked",
			Help: "1 while a component cannot write because the broker is out of storage (storage_full) or unavailable.",
		}, []string{"component", "kind"}),
	}
	reg.MustRegister(h.errors, h.gauge)
	return h
}

// Start makes component's series exist at zero.
func (h *Health) Start(component string) {
	if h == nil {
		return
	}
	for _, kind := range []string{KindStorageFull, KindUnavailable, KindTimeout, KindTooLarge, KindOther} {
		h.errors.WithLabelValues(component, kind)
	}
	for _, kind := range []string{KindStorageFull, KindUnavailable} {
		h.gauge.WithLabelValues(component, kind)
	}
}

// Fail records a failed broker request of component. It reports whether the
// failure started a blocked condition (so the caller logs it once, loudly).
func (h *Health) Fail(component string, err error) bool {
	kind := Classify(err)
	if h == nil || kind == "" {
		return false
	}
	h.errors.WithLabelValues(component, kind).Inc()
	if kind != KindStorageFull && kind != KindUnavailable {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.blocked[component]
	if ok && c.Kind == kind {
		return false
	}
	if ok {
		h.gauge.WithLabelValues(component, c.Kind).Set(0)
	} else {
		h.n.Add(1)
	}
	h.blocked[component] = Condition{Component: component, Kind: kind, Err: err.Error(), Since: time.Now()}
	h.gauge.WithLabelValues(component, kind).Set(1)
	return true
}

// OK records a successful write of component, ending its blocked condition.
// It returns the condition that ended, if any.
func (h *Health) OK(component string) (Condition, bool) {
	if h == nil || h.n.Load() == 0 {
		return Condition{}, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	c, ok := h.blocked[component]
	if ok {
		delete(h.blocked, component)
		h.n.Add(-1)
		h.gauge.WithLabelValues(component, c.Kind).Set(0)
	}
	return c, ok
}

// Blocked lists the components' current conditions, sorted by component.
func (h *Health) Blocked() []Condition {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Condition, 0, len(h.blocked)+len(h.stuck))
	for _, c := range h.blocked {
		out = append(out, c)
	}
	for _, c := range h.stuck {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Condition) int { return strings.Compare(a.Component, b.Component) })
	return out
}

// brokerBlocked reports whether any component is blocked by the broker
// (stuck stages aside).
func (h *Health) brokerBlocked() bool { return h != nil && h.n.Load() > 0 }

// KindStuck is the condition of a stage whose oldest message in flight has
// been processed for longer than the stage's timeout.
const KindStuck = "stuck"

// setStuck records (detail non-empty) or clears the stuck condition of a
// stage; it reports whether the condition changed.
func (h *Health) setStuck(stage, detail string) bool {
	if h == nil {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	c, was := h.stuck[stage]
	switch {
	case detail == "" && was:
		delete(h.stuck, stage)
		return true
	case detail != "" && !was:
		h.stuck[stage] = Condition{Component: stage, Kind: KindStuck, Err: detail, Since: time.Now()}
		return true
	case detail != "":
		c.Err = detail
		h.stuck[stage] = c
	}
	return false
}
