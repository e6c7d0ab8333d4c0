package faults

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSecondDaemonOnOneStore starts `newswire run` twice on one store_dir
// with other ports, as real processes: the second must refuse at once,
// naming the first's pid, and leave the first running; once the first
// has stopped, the store opens again.
func TestSecondDaemonOnOneStore(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	config := func(name string) string {
		return embeddedConfig(t, filepath.Join(dir, name+".yaml"), freePort(t), store, freePort(t))
	}
	first := newProc(t, "first", binaries.newswire, "run", "--config", config("first"), "--log-format", "json")
	first.waitLog("newswire running", 60*time.Second)

	second := newProc(t, "second", binaries.newswire, "run", "--config", config("second"), "--log-format", "json")
	select {
	case <-second.exited:
	case <-time.After(15 * time.Second):
		t.Fatalf("second daemon on the same store still running after 15s; log:\n%s", second.log())
	}
	if code := second.cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("second daemon exit code %d, want 1", code)
	}
	want := "is held by pid " + strconv.Itoa(first.cmd.Process.Pid)
	if log := second.log(); !strings.Contains(log, want) {
		t.Errorf("second daemon's output does not name the holder (%q):\n%s", want, log)
	}
	if !first.running() {
		t.Fatalf("first daemon exited after the second tried its store; log:\n%s", tail(first.logPath, 40))
	}

	if err := first.stop(15 * time.Second); err != nil {
		t.Fatal(err)
	}
	second.start()
	second.waitLog("newswire running", 60*time.Second)
	if err := second.stop(15 * time.Second); err != nil {
		t.Error(err)
	}
}
