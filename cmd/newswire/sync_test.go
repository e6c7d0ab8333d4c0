package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunAppliesSyncInterval: nats.embedded.sync_interval reaches the
// embedded server, which says which policy it applies.
func TestRunAppliesSyncInterval(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ conf, want string }{
		{"", `"sync_interval":"2m0s"`},
		{"    sync_interval: always\n", `"sync_interval":"always"`},
		{"    sync_interval: 10s\n", `"sync_interval":"10s"`},
	} {
		dir := t.TempDir()
		cfg := "nats:\n  embedded:\n    listen: 127.0.0.1:0\n    store_dir: store\n" + c.conf + "http:\n  listen: 127.0.0.1:0\n"
		path := filepath.Join(dir, "newswire.yaml")
		if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		rd := startRun(t, path)
		logs := rd.logs.String()
		rd.stop(t)
		if !strings.Contains(logs, c.want) {
			t.Errorf("with %q the server did not log %s:\n%s", strings.TrimSpace(c.conf), c.want, logs)
		}
	}
}
