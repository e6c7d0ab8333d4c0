// Package check tests deploy/: the Prometheus rules and the Grafana
// dashboard parse with Prometheus' own parsers and name only metrics a
// running daemon serves; the Kubernetes manifests decode strictly into
// their API types; the configs they ship pass `newswire check`; the systemd
// unit keeps its hardening score.
//
// It is a module of its own (deploy/check/go.mod) so that Prometheus' and
// Kubernetes' modules stay out of newswire's go.mod: run it with
// `cd deploy/check && go test ./...`.
package check

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/newswire/newswire/internal/harness"
)

// repoRoot is the newswire repository: two folders up from this module.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !bytes.HasPrefix(mod, []byte("module github.com/newswire/newswire\n")) {
		t.Fatalf("%s is not the newswire repository (go.mod: %v)", root, err)
	}
	return root
}

var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// newswireBinary builds ./cmd/newswire once for every test of the package.
func newswireBinary(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "newswire-deploy-check-")
		if built.err == nil {
			built.bin, built.err = harness.Build(root, built.dir)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// newswireCheck runs `newswire check --config cfg` and fails with its output.
func newswireCheck(t *testing.T, cfg string) {
	t.Helper()
	out, err := exec.Command(newswireBinary(t), "check", "--config", cfg).CombinedOutput()
	if err != nil {
		t.Errorf("newswire check %s: %v\n%s", cfg, err, out)
	}
}
