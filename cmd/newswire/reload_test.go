package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunReloadsOnFileChange edits the config of a running daemon the way a
// user would: a feed added is polled without a restart, a broken file is
// logged and the running feeds keep polling, a feed removed stops.
func TestRunReloadsOnFileChange(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	srv := newFeedServer(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "newswire.yaml")
	head := `nats:
  embedded:
    listen: 127.0.0.1:0
    store_dir: store
http:
  listen: 127.0.0.1:0
poll:
  allow_private: true
feeds:
`
	world := fmt.Sprintf("  - id: world\n    url: %s/world.xml\n    interval: 1s\n", srv.URL)
	mirror := fmt.Sprintf("  - id: mirror\n    url: %s/mirror.xml\n    interval: 1s\n", srv.URL)
	writeFile(t, dir, "newswire.yaml", head+world)

	rd := startRun(t, path)
	polls := func(p string) int { n, _ := srv.counts(p); return n }
	waitFor(t, "world polled", 10*time.Second, func() bool { return polls("/world.xml") >= 1 })
	if n := polls("/mirror.xml"); n != 0 {
		t.Fatalf("mirror polled %d times before it was configured", n)
	}

	// Add a feed: it is polled without a restart.
	replaceFile(t, path, head+world+mirror)
	waitFor(t, "the added feed polled", 10*time.Second, func() bool { return polls("/mirror.xml") >= 1 })
	if got := strings.Count(rd.logs.String(), `"message":"configuration reloaded"`); got != 1 {
		t.Errorf("%d reloads logged after one edit, want 1", got)
	}

	// Break the file: the error is logged with its line and key, and both
	// feeds keep polling.
	writeFile(t, dir, "newswire.yaml", head+world+mirror+"pol:\n  interval: 1m\n")
	waitFor(t, "the failed reload logged", 10*time.Second, func() bool {
		return strings.Contains(rd.logs.String(), "reload failed")
	})
	if logs := rd.logs.String(); !strings.Contains(logs, "newswire.yaml:16: pol: unknown key") {
		t.Errorf("the failed reload does not name the line and key:\n%s", logs)
	}
	w, m := polls("/world.xml"), polls("/mirror.xml")
	waitFor(t, "both feeds polled twice more on the old configuration", 10*time.Second, func() bool {
		return polls("/world.xml") >= w+2 && polls("/mirror.xml") >= m+2
	})

	// Remove a feed (and fix the file): it stops being polled, the other
	// goes on.
	writeFile(t, dir, "newswire.yaml", head+world)
	waitFor(t, "the second reload", 10*time.Second, func() bool {
		return strings.Count(rd.logs.String(), `"message":"configuration reloaded"`) == 2
	})
	time.Sleep(500 * time.Millisecond) // a poll in flight at the reload may finish
	m, w = polls("/mirror.xml"), polls("/world.xml")
	time.Sleep(2500 * time.Millisecond)
	if got := polls("/mirror.xml"); got != m {
		t.Errorf("the removed feed was polled %d more times", got-m)
	}
	if got := polls("/world.xml"); got < w+2 {
		t.Errorf("world polled %d times in 2.5s after the reload, want at least 2", got-w)
	}
}

// replaceFile replaces path atomically, as `newswire feeds add` and many
// editors do.
func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}
