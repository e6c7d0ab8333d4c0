package faults

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestKillStagesUnderLoad runs four story stage processes (two started as
// `--only dedupe`, two as `--only tag`) against one
// nats-server and, while articles are injected, kills one of them with
// SIGKILL every 1–3 s (a dedupe and a tag process in turn, the replica at random) and
// starts it again. Every story must come out once.
//
// Pollers are not part of it: articles are injected on news.raw.<feed>
// directly, which is what a poller publishes (see TestPoisonMessage for
// the same path with bad input).
func TestKillStagesUnderLoad(t *testing.T) {
	// Beside the other load tests: each has its own servers, ports and stores.
	t.Parallel()
	l := startLoad(t, 1, 10000, 500, 5*time.Second, 90*time.Second) // 20 s of injection
	k := startKiller(l.seed, l.dedupes, l.taggers)
	l.waitInjected(t)
	t.Logf("%d kills", k.stop())
	l.verify(t)
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
