package dedupe_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/dedupe"
	"github.com/newswire/newswire/pipeline/natstest"
)

// A restarted stage reads its memory from the last snapshot and the tail
// of NEWS_TAGGED after it: with the stream purged up to the snapshot, a
// copy of a story from before the snapshot (a near copy) and of one from
// after it (the same page) are still dropped.
func TestRestartFromSnapshotAndTail(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	ctx := context.Background()
	res, err := pipeline.EnsureTopology(ctx, srv.JS, pipeline.Topology{})
	if err != nil {
		t.Fatal(err)
	}
	opts := dedupe.Options{Near: true, Snapshots: res.Memory}
	stage, stop := runDedupe(t, srv, opts, pipeline.RunnerOptions{Concurrency: 4}, nil)
	publish(t, srv.JS, art("wire", "before", "g-1", "https://wire.example/brunson", "Doyle Brunson dies at 89", wireSummary))
	if got := uniqueIDs(t, srv.JS, 1); len(got) != 1 {
		t.Fatalf("before the snapshot: %v", got)
	}
	seq, err := stage.Snapshot(ctx)
	if err != nil || seq == 0 {
		t.Fatalf("snapshot at %d: %v", seq, err)
	}
	publish(t, srv.JS, art("wire", "after", "g-2", "https://wire.example/council", "Council approves bike lanes",
		"The city council voted 7-2 for protected lanes along the river on Tuesday night."))
	if got := uniqueIDs(t, srv.JS, 2); len(got) != 2 {
		t.Fatalf("after the snapshot: %v", got)
	}
	stop()
	s, err := srv.JS.Stream(ctx, pipeline.StreamTagged)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Purge(ctx, jetstream.WithPurgeSequence(seq+1)); err != nil {
		t.Fatal(err)
	}

	runDedupe(t, srv, opts, pipeline.RunnerOptions{Concurrency: 4}, nil)
	publish(t, srv.JS, art("paper", "copy-before", "p-1", "https://paper.example/obits/brunson", "Poker's Godfather Doyle Brunson dead at 89", wireSummary[:len(wireSummary)-20]))
	publish(t, srv.JS, art("mirror", "copy-after", "m-1", "https://www.wire.example/council/", "Bike lanes approved", "Other words."))
	publish(t, srv.JS, art("paper", "new", "p-2", "https://paper.example/weather", "Storm warning for the coast", "Forecasters expect gusts of 120 km/h on Thursday."))
	time.Sleep(500 * time.Millisecond)
	got := uniqueIDs(t, srv.JS, 2) // "after" (kept by the purge) and "new"
	if len(got) != 2 || got[0] != "after" || got[1] != "new" {
		t.Fatalf("after a restart from the snapshot: NEWS_TAGGED holds %v, want [after new]", got)
	}
}
