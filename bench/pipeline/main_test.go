package main

import (
	"context"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TestMain lets the test binary stand in for the command: -daemon inproc
// re-executes the command for its daemon, and in a test that is this
// binary, marked by childEnv.
func TestMain(m *testing.M) {
	if os.Getenv(strings.Split(childEnv, "=")[0]) != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
			os.Stderr.WriteString("pipeline child: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRun runs the benchmark at a toy size, both sides once at both sync
// settings: the table must come out, and every new story exactly once
// (run fails otherwise).
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts daemons with embedded NATS servers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errs strings.Builder
	articles := "2000"
	if raceEnabled {
		articles = "600"
	}
	dir := t.TempDir()
	profiles := []string{filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "mutex.prof"), filepath.Join(dir, "heap.prof")}
	args := []string{"-articles", articles, "-repeat", "1", "-sync", "default,always", "-daemon", "inproc", "-floor",
		"-cpuprofile", profiles[0], "-mutexprofile", profiles[1], "-memprofile", profiles[2]}
	if err := run(ctx, args, &out, &errs); err != nil {
		t.Fatalf("run: %v\n%s", err, errs.String())
	}
	for _, p := range profiles {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("profile %s: %v, want a file the daemon wrote", p, err)
		}
	}
	for _, want := range []string{
		"| 2m (default) | one hop: async publish, pull, ack (ceiling) |",
		"| 2m (default) | pipeline: dedupe + tag |",
		"| always | pipeline: dedupe + tag |",
		"| 2m (default) | broker floor: the story stage's broker calls alone (in the bench client) |",
		"| sync_interval | side | side / one-hop ceiling (medians) |",
		"| 2m (default) | floor |",
		"What `sync_interval: always` costs",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	t.Logf("\n%s\n%s", errs.String(), out.String())
}

// The workload has the promised mix, sizes and ids, from generated text
// as much as from the corpus.
func TestWorkload(t *testing.T) {
	n := 3000
	if raceEnabled {
		n = 1000
	}
	at := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	w, err := makeWorkload(generatedPools(), "generated", n, 7, at)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(w.msgs); got != n {
		t.Fatalf("got %d messages, want %d", got, n)
	}
	copies := w.counts[kindURL] + w.counts[kindContent] + w.counts[kindNear]
	if got, want := copies, (n-copyDistance)*3/10; got < want-3 || got > want+3 {
		t.Errorf("got %d copies, want %d: 30%% of the articles after the first %d, which have no original yet", got, want, copyDistance)
	}
	if got, want := len(w.uniqueIDs), w.counts[kindNew]; got != want {
		t.Errorf("got %d unique ids, want %d (one per new story)", got, want)
	}
	if mean := w.bodyBytes / n; w.minBody < 1000 || w.maxBody > 2700 || mean < 1800 || mean > 2200 {
		t.Errorf("bodies %d–%d bytes, mean %d; want about 1.5–2.5 KB, mean 2 KB", w.minBody, w.maxBody, mean)
	}
	for _, m := range w.msgs {
		if !strings.HasPrefix(m.Subject, "news.raw.feed") || m.Header.Get(jetstream.MsgIDHeader) == "" {
			t.Fatalf("message on %q with id %q", m.Subject, m.Header.Get(jetstream.MsgIDHeader))
		}
	}
	again, err := makeWorkload(generatedPools(), "generated", n, 7, at)
	if err != nil {
		t.Fatal(err)
	}
	for i := range w.msgs {
		if string(w.msgs[i].Data) != string(again.msgs[i].Data) {
			t.Fatalf("message %d differs between two workloads of one seed", i)
		}
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-articles", "0"},
		{"-sync", "sometimes"},
		{"-sync", "default,-1s"},
		{"-daemon", "docker"},
		{"-cpuprofile", "x.prof"},
		{"extra"},
	} {
		var out, errs strings.Builder
		if err := run(context.Background(), args, &out, &errs); err == nil {
			t.Errorf("run %q: got no error, want one", args)
		}
	}
}
