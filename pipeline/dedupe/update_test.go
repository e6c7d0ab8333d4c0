package dedupe_test

import (
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/dedupe"
	"github.com/newswire/newswire/pipeline/natstest"
)

// runStage runs a dedupe stage with opts and an optional fail hook, one
// message at a time.
func runStage(t *testing.T, srv *natstest.Server, opts dedupe.Options, fail func(string) error) *dedupe.Stage {
	t.Helper()
	stage, _ := runDedupe(t, srv, opts, pipeline.RunnerOptions{Concurrency: 1, RetryDelay: 10 * time.Millisecond}, fail)
	return stage
}

func uniqueArticles(t *testing.T, srv *natstest.Server, want int) []feeds.Article {
	t.Helper()
	var out []feeds.Article
	for _, m := range natstest.Collect(t, srv.JS, pipeline.StreamTagged, want, 10*time.Second) {
		var a feeds.Article
		if err := json.Unmarshal(m.Data(), &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// A corrected headline of a known item is published as revision 2 of the
// story; the same correction seen again is not.
func TestDedupePublishesUpdates(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	runStage(t, srv, dedupe.Options{}, nil)
	first := art("wire", "story", "g-1", "https://news.example/1", "Ceasefire talks colapse", "Negotiators left Cairo.")
	fixed := first
	fixed.Title = "Ceasefire talks collapse in Cairo"
	publish(t, srv.JS, first)
	publish(t, srv.JS, fixed)
	publish(t, srv.JS, fixed) // seen again on the next poll
	got := uniqueArticles(t, srv, 2)
	if len(got) != 2 {
		t.Fatalf("got %d unique messages, want the story and one update", len(got))
	}
	if got[0].Revision != 0 || got[1].Revision != 2 || got[1].UpdateOf != "story" || got[1].Title != fixed.Title {
		t.Errorf("revisions %d, %d; update_of %q; title %q", got[0].Revision, got[1].Revision, got[1].UpdateOf, got[1].Title)
	}
}

func TestDedupeUpdatesCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	runStage(t, srv, dedupe.Options{NoUpdates: true}, nil)
	first := art("wire", "story", "g-1", "https://news.example/1", "Headline", "Text.")
	fixed := first
	fixed.Title = "Better headline"
	publish(t, srv.JS, first)
	publish(t, srv.JS, fixed)
	if got := uniqueArticles(t, srv, 1); len(got) != 1 {
		t.Fatalf("got %d unique messages, want 1 with updates off", len(got))
	}
}

// Copies from other feeds are listed with the first copy.
func TestDedupeRecordsAlsoIn(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	stage := runStage(t, srv, dedupe.Options{}, nil)
	publish(t, srv.JS, art("wire", "first", "g-1", "https://news.example/1", "Story", "Text of the story."))
	publish(t, srv.JS, art("mirror", "m", "m-1", "https://www.news.example/1/", "Story", "Other text."))
	publish(t, srv.JS, art("paper", "p", "p-1", "https://paper.example/x", "Story", "Text of the story."))
	uniqueArticles(t, srv, 1)
	var rec dedupe.AlsoIn
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && rec.Copies < 2 {
		rec = stage.AlsoIn("first")
		time.Sleep(50 * time.Millisecond)
	}
	if rec.Copies != 2 || len(rec.Feeds) != 2 || rec.Feeds[0] != "mirror" || rec.Feeds[1] != "paper" {
		t.Errorf("also_in = %+v, want copies 2 from mirror and paper", rec)
	}
}

// A crash after each step of the stage (simulated: the handler fails there,
// the input is redelivered) still yields exactly one output per story and
// one update.
func TestDedupeSurvivesACrashAfterEachStep(t *testing.T) {
	t.Parallel()
	for _, step := range []string{"claimed", "published", "update-published"} {
		t.Run(step, func(t *testing.T) {
			srv := natstest.Start(t)
			var mu sync.Mutex
			crashed := false
			runStage(t, srv, dedupe.Options{}, func(s string) error {
				mu.Lock()
				defer mu.Unlock()
				if s == step && !crashed {
					crashed = true
					return errors.New("crash after " + s)
				}
				return nil
			})
			a := art("wire", "story", "g-1", "https://news.example/1", "Headline", "Text.")
			b := a
			b.Title = "Corrected headline"
			publish(t, srv.JS, a)
			publish(t, srv.JS, b)
			// After a crash before the first version is published, the update
			// may be handled first; each version still comes out exactly once.
			var revs []int
			for _, g := range uniqueArticles(t, srv, 2) {
				revs = append(revs, g.Revision)
			}
			slices.Sort(revs)
			if !slices.Equal(revs, []int{0, 2}) {
				t.Fatalf("got revisions %v, want each of [0 2] once", revs)
			}
			mu.Lock()
			defer mu.Unlock()
			if !crashed {
				t.Fatalf("the crash after %s never happened", step)
			}
		})
	}
}
