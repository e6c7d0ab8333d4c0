package faults

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// TestKillStagesUnderLoad runs two dedupe and two tag processes against one
// nats-server and, while articles are injected, kills one of them with
// SIGKILL every 1–3 s (dedupe and tag in turn, the replica at random) and
// starts it again. Every story must come out once.
//
// Pollers are not part of it: articles are injected on news.raw.<feed>
// directly, which is what a poller publishes (see TestPoisonMessage for
// the same path with bad input).
func TestKillStagesUnderLoad(t *testing.T) {
	skipShort(t)
	const articles, rate = 10000, 500 // 20 s of injection
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	c := newCorpus(t, seed, articles, 0.3)

	start := time.Now()
	b := startBroker(t, 1)
	config := stageConfig(t, b.URL(), 1)
	dedupes := startStages(t, config, "dedupe", 2)
	taggers := startStages(t, config, "tag", 2)
	_, js := b.connect()
	t.Logf("broker and 4 stages up in %s", time.Since(start).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	in := &injector{js: js, workers: 16, rate: rate, timeout: 5 * time.Second}
	injected := make(chan error, 1)
	go func() { injected <- in.run(ctx, c.msgs) }()

	rng := rand.New(rand.NewPCG(seed, 1))
	kills := 0
	for running := true; running; {
		select {
		case err := <-injected:
			if err != nil {
				t.Fatalf("injecting: %v (%d of %d acknowledged)", err, in.acked.Load(), len(c.msgs))
			}
			running = false
		case <-time.After(time.Second + time.Duration(rng.Int64N(int64(2*time.Second)))):
			group := dedupes
			if kills%2 == 1 {
				group = taggers
			}
			p := group[rng.IntN(len(group))]
			p.kill()
			kills++
			time.Sleep(time.Duration(rng.Int64N(int64(500 * time.Millisecond))))
			p.start()
		}
	}
	t.Logf("injected %d articles in %s (%d publish retries), %d kills", len(c.msgs), time.Since(start).Round(time.Millisecond), in.retries.Load(), kills)

	waitDrained(t, js, 100*time.Second)
	t.Logf("drained after %s", time.Since(start).Round(time.Millisecond))
	o := check(t, js, c)
	if o.dead != 0 {
		t.Errorf("%d messages dead-lettered; want none", o.dead)
	}
	for _, p := range append(dedupes, taggers...) {
		if !p.running() {
			t.Errorf("%s exited by itself", p.name)
		}
	}
}
