package faults

import (
	"context"
	"math/rand/v2"
	"sync"
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

	k := startKiller(seed, dedupes, taggers)
	if err := <-injected; err != nil {
		t.Fatalf("injecting: %v (%d of %d acknowledged)", err, in.acked.Load(), len(c.msgs))
	}
	kills := k.stop()
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

// killer kills one stage process with SIGKILL every 1–3 s, taking the
// groups in turn and a replica at random, and starts it again within half
// a second, until stopped.
type killer struct {
	stopc chan struct{}
	wg    sync.WaitGroup
	kills int
}

func startKiller(seed uint64, groups ...[]*proc) *killer {
	k := &killer{stopc: make(chan struct{})}
	rng := rand.New(rand.NewPCG(seed, 1))
	k.wg.Go(func() {
		for {
			select {
			case <-k.stopc:
				return
			case <-time.After(time.Second + time.Duration(rng.Int64N(int64(2*time.Second)))):
			}
			group := groups[k.kills%len(groups)]
			p := group[rng.IntN(len(group))]
			p.kill()
			k.kills++
			time.Sleep(time.Duration(rng.Int64N(int64(500 * time.Millisecond))))
			p.start()
		}
	})
	return k
}

// stop ends the killing (every process is running again) and returns how
// many kills there were.
func (k *killer) stop() int {
	close(k.stopc)
	k.wg.Wait()
	return k.kills
}
