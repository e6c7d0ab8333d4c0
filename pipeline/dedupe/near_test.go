package dedupe_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/dedupe"
	"github.com/newswire/newswire/pipeline/dedupe/near"
	"github.com/newswire/newswire/pipeline/natstest"
)

// runWindowed runs a dedupe replica with a near-duplicate window.
func runWindowed(t *testing.T, srv *natstest.Server, concurrency int) (stop func()) {
	t.Helper()
	_, stop = runDedupe(t, srv, dedupe.Options{Near: true}, pipeline.RunnerOptions{Concurrency: concurrency}, nil)
	return stop
}

const wireSummary = "Doyle Brunson, one of the most famous poker players of all time and a two-time world champion, died on Sunday in Las Vegas, his agent said. He was 89."

// A wire story carried by several outlets, each with its own headline and
// link and a trimmed summary, handled by two replicas at once, comes out
// once; an independent report of the same event is kept.
func TestNearDuplicatesAcrossReplicas(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	runWindowed(t, srv, 8)
	runWindowed(t, srv, 8)
	headlines := []string{
		"Doyle Brunson, the Godfather of Poker, dies at 89",
		"2-time world champion Doyle Brunson, called the Godfather of Poker, dies at 89",
		"Poker legend Doyle Brunson dies at 89",
		"Doyle Brunson, poker's Godfather, dead at 89",
	}
	for i, h := range headlines {
		summary := wireSummary
		if i%2 == 1 {
			summary = wireSummary[:len(wireSummary)-34] // a trimmed copy
		}
		publish(t, srv.JS, art(fmt.Sprintf("outlet%d", i), fmt.Sprintf("copy-%d", i), fmt.Sprintf("g-%d", i),
			fmt.Sprintf("https://outlet%d.example/news/brunson-%d", i, i), h, summary))
	}
	publish(t, srv.JS, art("sports", "own-report", "s-1", "https://sports.example/brunson-obituary",
		"Remembering Doyle Brunson", "Our columnist looks back at fifty years of Texas Dolly at the table, from the back rooms of Fort Worth to the Horseshoe."))
	got := uniqueIDs(t, srv.JS, 2)
	if len(got) != 2 {
		t.Fatalf("unique = %v, want one wire copy and the independent report", got)
	}
	wire := 0
	for _, id := range got {
		if len(id) > 5 && id[:5] == "copy-" {
			wire++
		}
	}
	if wire != 1 {
		t.Errorf("unique = %v: want exactly one of the wire copies", got)
	}
}

// The window is rebuilt from NEWS_TAGGED: after a restart a copy of a story
// seen before is still recognised.
func TestNearWindowSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := natstest.StartIn(t, dir)
	stop := runWindowed(t, srv, 4)
	publish(t, srv.JS, art("wire", "first", "g-1", "https://wire.example/brunson", "Doyle Brunson dies at 89", wireSummary))
	if got := uniqueIDs(t, srv.JS, 1); len(got) != 1 {
		t.Fatalf("before restart: %v", got)
	}
	stop()
	srv.Stop()

	srv = natstest.StartIn(t, dir)
	runWindowed(t, srv, 4)
	publish(t, srv.JS, art("paper", "copy", "p-1", "https://paper.example/obits/brunson", "Poker's Godfather Doyle Brunson dead at 89", wireSummary[:len(wireSummary)-20]))
	publish(t, srv.JS, art("paper", "other", "p-2", "https://paper.example/city/council", "Council approves bike lanes", "The city council voted 7-2 for protected lanes along the river on Tuesday night."))
	got := uniqueIDs(t, srv.JS, 2)
	if len(got) != 2 || got[0] != "first" || got[1] != "other" {
		t.Fatalf("after restart unique = %v, want [first other]", got)
	}
}

// TestWindowFollowerLeavesNoConsumer: a window follows NEWS_TAGGED with one
// consumer for as long as it runs (not a new one per read), and deletes it
// when it stops: restarts of dedupe processes leave no consumers behind.
func TestWindowFollowerLeavesNoConsumer(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := pipeline.EnsureTopology(ctx, srv.JS, pipeline.Topology{}); err != nil {
		t.Fatal(err)
	}
	consumers := func() []string {
		s, err := srv.JS.Stream(context.Background(), pipeline.StreamTagged)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for name := range s.ConsumerNames(context.Background()).Name() {
			names = append(names, name)
		}
		return names
	}
	for run := range 3 {
		runCtx, stop := context.WithCancel(ctx)
		w := dedupe.NewWindow(srv.JS, near.IndexConfig{Window: time.Hour}, true, zerolog.Nop())
		done := make(chan struct{})
		go func() { _ = w.Run(runCtx); close(done) }()
		var first []string
		for deadline := time.Now().Add(5 * time.Second); len(first) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			first = consumers()
		}
		time.Sleep(2500 * time.Millisecond) // idle reads, each of which made a consumer before
		if got := consumers(); len(got) != 1 || len(first) != 1 || got[0] != first[0] {
			t.Errorf("run %d: consumers %v after 2.5s, %v at start; want the same one", run, got, first)
		}
		stop()
		<-done
		if got := consumers(); len(got) != 0 {
			t.Errorf("run %d: %d consumers left on %s after the window stopped: %v", run, len(got), pipeline.StreamTagged, got)
		}
	}
}
