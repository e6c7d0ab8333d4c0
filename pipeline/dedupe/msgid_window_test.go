package dedupe_test

import (
	"context"
	"testing"
	"time"

	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/natstest"
)

// TestCopyAfterMsgIDWindowAndRestart: NEWS_RAW's msg-id window drops a
// re-poll of an item only for a while. An item polled again after that
// window, and after the broker and the stage restarted, reaches the stage
// a second time and must still be dropped there — by its exact keys, and a
// syndicated copy of it by the near-duplicate window rebuilt from the
// stream.
func TestCopyAfterMsgIDWindowAndRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := natstest.StartIn(t, dir)
	stop := runWindowed(t, srv, 4)
	// A short msg-id window, so the test need not wait out the real one.
	ctx := context.Background()
	s, err := srv.JS.Stream(ctx, pipeline.StreamRaw)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	cfg.Duplicates = 100 * time.Millisecond
	if _, err := srv.JS.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	original := art("wire", "orig", "g-1", "https://wire.example/brunson", "Doyle Brunson dies at 89", wireSummary)
	publish(t, srv.JS, original)
	if got := uniqueIDs(t, srv.JS, 1); len(got) != 1 || got[0] != "orig" {
		t.Fatalf("first poll: unique %v, want [orig]", got)
	}
	time.Sleep(300 * time.Millisecond) // past the msg-id window
	stop()
	srv.Stop()

	srv = natstest.StartIn(t, dir)
	runWindowed(t, srv, 4)
	seq := publish(t, srv.JS, original) // the same item, the same msg id: stored again
	if seq < 2 {
		t.Fatalf("the re-poll was stored at sequence %d: the msg-id window still held it", seq)
	}
	publish(t, srv.JS, art("paper", "copy", "p-1", "https://paper.example/obits/brunson-dies",
		"Poker legend Doyle Brunson dead at 89", wireSummary[:len(wireSummary)-20]))
	publish(t, srv.JS, art("paper", "other", "p-2", "https://paper.example/city/council",
		"Council approves bike lanes", "The city council voted 7-2 for protected lanes along the river on Tuesday night."))
	got := uniqueIDs(t, srv.JS, 2)
	if len(got) != 2 || got[0] != "orig" || got[1] != "other" {
		t.Fatalf("after the window and a restart: unique %v, want [orig other]", got)
	}
}
