package main

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// watching runs a fast fileWatcher over the paths paths returns and counts
// the changes it reports. It stops when the test ends.
type watching struct {
	changed chan struct{}
	n       atomic.Int32
}

func startWatching(t *testing.T, paths func() []string) *watching {
	t.Helper()
	w := &watching{changed: make(chan struct{}, 100)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	relay := make(chan struct{}, 1)
	wg.Go(func() {
		_ = fileWatcher{Interval: 20 * time.Millisecond, Settle: 150 * time.Millisecond}.Run(ctx, paths, relay)
	})
	wg.Go(func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-relay:
				w.n.Add(1)
				w.changed <- struct{}{}
			}
		}
	})
	t.Cleanup(func() { cancel(); wg.Wait() })
	time.Sleep(50 * time.Millisecond) // let the first poll record the files
	return w
}

// expect waits for want more changes within a second, then makes sure no
// further one follows for a while.
func (w *watching) expect(t *testing.T, want int, what string) {
	t.Helper()
	for i := 0; i < want; i++ {
		select {
		case <-w.changed:
		case <-time.After(2 * time.Second):
			t.Fatalf("%s: got %d change(s), want %d", what, i, want)
		}
	}
	select {
	case <-w.changed:
		t.Fatalf("%s: got more than %d change(s)", what, want)
	case <-time.After(400 * time.Millisecond):
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFileWatcher(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg, feeds := filepath.Join(dir, "newswire.yaml"), filepath.Join(dir, "feeds.yaml")
	write(t, cfg, "feeds: []\n")
	var paths atomic.Pointer[[]string]
	paths.Store(&[]string{cfg})
	w := startWatching(t, func() []string { return *paths.Load() })

	w.expect(t, 0, "no edit")

	// An editor writing in steps, each within the settle time of the last,
	// gives one change, reported on the finished file.
	write(t, cfg, "")
	time.Sleep(60 * time.Millisecond)
	write(t, cfg, "feeds:\n")
	time.Sleep(60 * time.Millisecond)
	write(t, cfg, "feeds:\n  - url: https://a.example/rss\n")
	w.expect(t, 1, "an edit in three writes")

	// Touching the file changes its mtime, not its content.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(cfg, later, later); err != nil {
		t.Fatal(err)
	}
	w.expect(t, 0, "touch")

	// Same size, new content (a one-character fix).
	write(t, cfg, "feeds:\n  - url: https://b.example/rss\n")
	w.expect(t, 1, "same-size edit")

	// Write a temporary file and rename it over the config (writeFileAtomic,
	// vim, Kubernetes ConfigMaps).
	tmp := filepath.Join(dir, ".newswire.yaml.tmp")
	write(t, tmp, "feeds: []\nfeeds_file: feeds.yaml\n")
	if err := os.Rename(tmp, cfg); err != nil {
		t.Fatal(err)
	}
	w.expect(t, 1, "rename over the file")

	// The set of files follows the configuration: once feeds.yaml is
	// watched, its creation and edits count.
	paths.Store(&[]string{cfg, feeds})
	write(t, cfg, "feeds_file: feeds.yaml\n") // the change after which paths is asked again
	w.expect(t, 1, "config edit")
	write(t, feeds, "- url: https://c.example/rss\n")
	w.expect(t, 1, "feeds file created")

	// Removing a file is a change too (the reload then says it is missing).
	if err := os.Remove(feeds); err != nil {
		t.Fatal(err)
	}
	w.expect(t, 1, "feeds file removed")
	if got := w.n.Load(); got != 6 {
		t.Errorf("%d changes in all, want 6", got)
	}
}

func TestFileWatcherStops(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	missing := filepath.Join(t.TempDir(), "none")
	go func() {
		done <- fileWatcher{}.Run(ctx, func() []string { return []string{missing} }, make(chan struct{}))
	}()
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Run did not return after cancel")
	}
}
