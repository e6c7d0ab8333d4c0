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
	path := filepath.Join(t.TempDir(), "newswire.yaml")
	conf := fmt.Sprintf("nats:\n  url: %s\n  replicas: %d\nhttp:\n  listen: 127.0.0.1:0\n", url, replicas)
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startStages starts n processes of `newswire run --only part` on config
// and waits until each says it is running. The first is started alone: on
// a fresh cluster, processes creating the streams at the same moment hang
// in EnsureTopology (nats-server does not answer the update that
// CreateOrUpdateStream sends while the stream's creation is in flight);
// once the streams exist, any number may start together.
func startStages(t *testing.T, config, part string, n int) []*proc {
	t.Helper()
	procs := make([]*proc, n)
	for i := range n {
		procs[i] = newProc(t, fmt.Sprintf("%s-%d", part, i+1), binaries.newswire,
			"run", "--config", config, "--only", part, "--log-format", "json", "--log-level", "info")
		if i == 0 {
			procs[0].waitLog("newswire running", 60*time.Second)
		}
	}
	for _, p := range procs[1:] {
		p.waitLog("newswire running", 60*time.Second)
	}
	return procs
}
