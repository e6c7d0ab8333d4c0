package faults

import (
	"fmt"
	"syscall"
	"testing"
	"time"
)

// TestStopWhileWaitingForBroker: `newswire run` pointed at a NATS URL
// where nothing answers waits for it, and a SIGTERM during that wait ends
// the process within 2 s with exit 0 (systemd's stop would otherwise end
// in SIGKILL).
func TestStopWhileWaitingForBroker(t *testing.T) {
	skipShort(t)
	cfg := stageConfigHTTP(t, fmt.Sprintf("nats://127.0.0.1:%d", freePort(t)), 1, "127.0.0.1:0")
	p := newProc(t, "newswire", binaries.newswire, "run", "--config", cfg, "--log-format", "json")
	p.waitLog("NATS not reachable yet", 30*time.Second)
	start := time.Now()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(2 * time.Second):
		t.Fatalf("still running 2s after SIGTERM; log:\n%s", tail(p.logPath, 20))
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after SIGTERM while waiting, want 0; log:\n%s", code, tail(p.logPath, 20))
	}
	t.Logf("stopped %s after SIGTERM", time.Since(start).Round(time.Millisecond))
}
