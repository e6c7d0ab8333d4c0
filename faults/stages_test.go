package faults

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// stageConfig writes a newswire config for stage processes against the
// broker at url, with no feeds and the HTTP endpoint on a free port, and
// returns its path.
func stageConfig(t *testing.T, url string, replicas int) string {
	t.Helper()
	return stageConfigHTTP(t, url, replicas, "127.0.0.1:0")
}

// stageConfigHTTP is stageConfig with /metrics and /readyz on listen.
func stageConfigHTTP(t *testing.T, url string, replicas int, listen string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "newswire.yaml")
	conf := fmt.Sprintf("nats:\n  url: %s\n  replicas: %d\nhttp:\n  listen: %s\n", url, replicas, listen)
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// embeddedConfig writes a config at path for a daemon with an embedded
// server on natsPort, its store in store and HTTP on httpPort, no feeds.
func embeddedConfig(t *testing.T, path string, natsPort int, store string, httpPort int) string {
	t.Helper()
	conf := fmt.Sprintf("nats:\n  embedded:\n    listen: 127.0.0.1:%d\n    store_dir: %s\nhttp:\n  listen: 127.0.0.1:%d\nfeeds: []\n",
		natsPort, store, httpPort)
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startStages starts n processes of `newswire run --only part` on config
// and waits until each says it is running.
func startStages(t *testing.T, config, part string, n int) []*proc {
	t.Helper()
	procs := make([]*proc, n)
	for i := range n {
		procs[i] = newProc(t, fmt.Sprintf("%s-%d", part, i+1), binaries.newswire,
			"run", "--config", config, "--only", part, "--log-format", "json", "--log-level", "info")
	}
	for _, p := range procs {
		p.waitLog("newswire running", 60*time.Second)
	}
	return procs
}
