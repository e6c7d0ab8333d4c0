package faults

import (
	"context"
	"testing"
	"time"
)

// TestBrokerRestart runs two dedupe and two tag processes against one
// nats-server and restarts the server twice while articles are injected:
// once stopped with SIGTERM, once killed with SIGKILL, each time started
// again on the same store and port after two seconds; all along, stage
// processes are killed with SIGKILL at random and restarted (as in
// TestKillStagesUnderLoad). The stages must reconnect and finish; the
// injector retries each publish with the same Nats-Msg-Id until it is
// acknowledged. Every story must come out once.
func TestBrokerRestart(t *testing.T) {
	skipShort(t)
	const articles, rate = 10000, 400 // 25 s of injection
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	c := newCorpus(t, seed, articles, 0.3)

	start := time.Now()
	b := startBroker(t, 1)
	config := stageConfig(t, b.URL(), 1)
	dedupes, taggers := startStages(t, config, "dedupe", 2), startStages(t, config, "tag", 2)
	stages := append(dedupes, taggers...)
	_, js := b.connect()

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Second)
	defer cancel()
	in := &injector{js: js, workers: 16, rate: rate, timeout: 3 * time.Second}
	injected := make(chan error, 1)
	go func() { injected <- in.run(ctx, c.msgs) }()

	k := startKiller(seed, dedupes, taggers)
	server := b.nodes[0]
	for _, how := range []string{"SIGTERM", "SIGKILL"} {
		time.Sleep(7 * time.Second)
		before := in.acked.Load()
		down := time.Now()
		if how == "SIGTERM" {
			if err := server.stop(30 * time.Second); err != nil {
				t.Error(err)
			}
		} else {
			server.kill()
		}
		time.Sleep(2 * time.Second)
		server.start()
		server.waitLog("Server is ready", 60*time.Second)
		t.Logf("server stopped with %s after %d acknowledged articles, ready again after %s",
			how, before, time.Since(down).Round(time.Millisecond))
	}
	if err := <-injected; err != nil {
		t.Fatalf("injecting: %v (%d of %d acknowledged)", err, in.acked.Load(), len(c.msgs))
	}
	kills := k.stop()
	t.Logf("injected %d articles in %s (%d publish retries), %d stage kills", len(c.msgs), time.Since(start).Round(time.Millisecond), in.retries.Load(), kills)

	waitDrained(t, js, 100*time.Second)
	t.Logf("drained after %s", time.Since(start).Round(time.Millisecond))
	o := check(t, js, c)
	if o.dead != 0 {
		t.Errorf("%d messages dead-lettered; want none", o.dead)
	}
	for _, p := range stages {
		if !p.running() {
			t.Errorf("%s exited", p.name)
		}
	}
}
