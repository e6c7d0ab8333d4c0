package pipeline

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// inflight tracks when each message in a Runner's hands started, so that a
// stage stuck on one message shows: the age of the oldest is a metric
// (newswire_stage_oldest_inflight_seconds{stage}), and past the stage's
// timeout it is logged and makes /readyz fail (Health, KindStuck) until
// that message is done.
type inflight struct {
	mu      sync.Mutex
	started map[uint64]time.Time // by stream sequence
	next    uint64               // key for messages without metadata
}

func newInflight() *inflight { return &inflight{started: map[uint64]time.Time{}} }

// add records a message's start and returns its key for done.
func (f *inflight) add(seq uint64) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if seq == 0 {
		f.next++
		seq = 1<<63 | f.next
	}
	f.started[seq] = time.Now()
	return seq
}

func (f *inflight) done(key uint64) {
	f.mu.Lock()
	delete(f.started, key)
	f.mu.Unlock()
}

// oldest returns the sequence and age of the message in flight longest.
func (f *inflight) oldest() (seq uint64, age time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	for s, t := range f.started {
		if a := now.Sub(t); a > age {
			seq, age = s, a
		}
	}
	return seq, age
}

// newInflightGauge registers the gauge; one per Metrics.
func newInflightGauge(reg prometheus.Registerer) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "newswire_stage_oldest_inflight_seconds",
		Help: "Age of the oldest message a stage is processing; past the stage's timeout the stage is reported stuck in /readyz.",
	}, []string{"stage"})
	reg.MustRegister(g)
	return g
}

// watch reports the oldest message in flight every interval until ctx ends.
func (r *Runner) watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	defer r.metrics.Health().setStuck(r.opts.Stage, "")
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		seq, age := r.inflight.oldest()
		r.metrics.setOldestInflight(r.opts.Stage, age)
		detail := ""
		if age > r.opts.Timeout {
			detail = fmt.Sprintf("message %d in flight for %s, over the stage's timeout of %s", seq&^(1<<63), age.Round(time.Second), r.opts.Timeout)
		}
		if r.metrics.Health().setStuck(r.opts.Stage, detail) {
			if detail != "" {
				r.log.Error().Uint64("seq", seq).Dur("in_flight", age).Dur("timeout", r.opts.Timeout).Msg("stage stuck: a message is taking longer than the timeout (see /readyz)")
			} else {
				r.log.Info().Msg("stage no longer stuck")
			}
		}
	}
}
