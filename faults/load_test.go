package faults

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// load is what the fault tests under load share: a corpus (30% copies), a
// broker of one or more nodes, four story stage processes (two started as
// dedupe, two as tag), and an
// injector publishing the corpus in the background.
type load struct {
	seed             uint64
	c                *corpus
	b                *broker
	dedupes, taggers []*proc
	js               jetstream.JetStream
	in               *injector
	injected         chan error
	start            time.Time
}

// startLoad sets it all up on a broker of nodes (replicas = nodes) and
// starts injecting articles at rate, each publish attempt bounded by
// attempt, the whole injection by limit.
func startLoad(t *testing.T, nodes, articles, rate int, attempt, limit time.Duration) *load {
	t.Helper()
	skipShort(t)
	l := &load{seed: uint64(time.Now().UnixNano()), start: time.Now(), injected: make(chan error, 1)}
	t.Logf("seed %d", l.seed)
	l.c = newCorpus(t, l.seed, articles, 0.3)
	l.b = startBroker(t, nodes)
	config := stageConfig(t, l.b.URL(), nodes)
	l.dedupes, l.taggers = startStages(t, config, "dedupe", 2), startStages(t, config, "tag", 2)
	_, l.js = l.b.connect()
	t.Logf("%d broker node(s) and 4 stages up in %s", nodes, time.Since(l.start).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	l.in = &injector{js: l.js, workers: 16, rate: rate, timeout: attempt}
	go func() { l.injected <- l.in.run(ctx, l.c.msgs) }()
	return l
}

// waitInjected waits until every article is acknowledged by the broker.
func (l *load) waitInjected(t *testing.T) {
	t.Helper()
	if err := <-l.injected; err != nil {
		t.Fatalf("injecting: %v (%d of %d acknowledged)", err, l.in.acked.Load(), len(l.c.msgs))
	}
	t.Logf("injected %d articles in %s (%d publish retries)", len(l.c.msgs), time.Since(l.start).Round(time.Millisecond), l.in.retries.Load())
}

// verify waits for the pipeline to drain and checks that every story came
// out exactly once with its topics, nothing was dead-lettered and every
// stage process is still running.
func (l *load) verify(t *testing.T) {
	t.Helper()
	waitDrained(t, l.js, 100*time.Second)
	t.Logf("drained after %s", time.Since(l.start).Round(time.Millisecond))
	o := check(t, l.js, l.c)
	if o.dead != 0 {
		t.Errorf("%d messages dead-lettered; want none", o.dead)
	}
	for _, p := range append(l.dedupes, l.taggers...) {
		if !p.running() {
			t.Errorf("%s exited by itself", p.name)
		}
	}
}
