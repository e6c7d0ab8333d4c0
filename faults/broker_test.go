package faults

import (
	"testing"
	"time"
)

// TestBrokerRestart runs four story stage processes against one
// nats-server and restarts the server twice while articles are injected:
// once stopped with SIGTERM, once killed with SIGKILL, each time started
// again on the same store and port after two seconds; all along, stage
// processes are killed with SIGKILL at random and restarted (as in
// TestKillStagesUnderLoad). The stages must reconnect and finish; the
// injector retries each publish with the same Nats-Msg-Id until it is
// acknowledged. Every story must come out once.
func TestBrokerRestart(t *testing.T) {
	// Beside the other load tests: each has its own servers, ports and stores.
	t.Parallel()
	l := startLoad(t, 1, 10000, 400, 3*time.Second, 100*time.Second) // 25 s of injection
	k := startKiller(l.seed, l.dedupes, l.taggers)
	server := l.b.nodes[0]
	for _, how := range []string{"SIGTERM", "SIGKILL"} {
		time.Sleep(7 * time.Second)
		before := l.in.acked.Load()
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
	l.waitInjected(t)
	t.Logf("%d stage kills", k.stop())
	l.verify(t)
}
