package dedupe_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/dedupe"
	"github.com/newswire/newswire/pipeline/natstest"
)

func art(feed, id, guid, url, title, summary string) feeds.Article {
	return feeds.Article{
		Schema: feeds.SchemaV1, ID: id, GUID: guid, URL: url, Title: title, Summary: summary,
		Feed:      feeds.FeedRef{ID: feed, URL: "https://" + feed + ".example/rss"},
		FetchedAt: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
	}
}

// publish puts a on its raw subject and returns its stream sequence.
func publish(t *testing.T, js jetstream.JetStream, a feeds.Article) uint64 {
	t.Helper()
	data, _ := json.Marshal(a)
	msg := nats.NewMsg(pipeline.RawSubject(a.Feed.ID))
	msg.Data = data
	ack, err := js.PublishMsg(context.Background(), msg, jetstream.WithMsgID(pipeline.RawMsgID(&a)))
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence
}

// runDedupe ensures the topology on srv and runs a dedupe stage with opts
// and tuning (and fail as its fail hook, when set) until the test ends or
// stop is called.
func runDedupe(t *testing.T, srv *natstest.Server, opts dedupe.Options, tuning pipeline.RunnerOptions, fail func(string) error) (_ *dedupe.Stage, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if _, err := pipeline.EnsureTopology(ctx, srv.JS, pipeline.Topology{}); err != nil {
		t.Fatal(err)
	}
	if opts.Memory.Window == 0 {
		opts.Memory.Window = time.Hour
	}
	stage := dedupe.New(srv.JS, opts, nil, zerolog.Nop())
	if fail != nil {
		stage.SetFailHook(fail)
	}
	done := make(chan struct{})
	go func() { _ = stage.Run(ctx, tuning); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stage, stop
}

// startStage runs a dedupe stage without near-duplicates, handling
// concurrency messages at once.
func startStage(t *testing.T, srv *natstest.Server, concurrency int) (*dedupe.Stage, func()) {
	t.Helper()
	return runDedupe(t, srv, dedupe.Options{}, pipeline.RunnerOptions{Concurrency: concurrency}, nil)
}

func uniqueIDs(t *testing.T, js jetstream.JetStream, want int) []string {
	t.Helper()
	var ids []string
	for _, m := range natstest.Collect(t, js, pipeline.StreamTagged, want, 10*time.Second) {
		var a feeds.Article
		if err := json.Unmarshal(m.Data(), &a); err != nil {
			t.Fatal(err)
		}
		if a.Dedupe == nil || a.Dedupe.ContentHash == "" {
			t.Errorf("article %s has no content hash", a.ID)
		}
		ids = append(ids, a.ID)
	}
	return ids
}

func TestDedupeDropsCopiesByEachKey(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	startStage(t, srv, 1) // one at a time: "first" is first

	const text = "The European Union imposed new sanctions on the country's oil exports on Tuesday."
	for _, a := range []feeds.Article{
		art("wire", "first", "g-1", "https://news.example/story-1", "EU imposes new sanctions", text),
		art("mirror", "same-url", "m-9", "https://news.example/story-1", "Different headline", "Other words entirely."),
		// The same item again, with the same text, under a new link.
		art("wire", "same-guid", "g-1", "https://news.example/story-1-updated", "EU imposes new sanctions", text),
		art("copycat", "same-text", "c-3", "https://copycat.example/x", "EU Imposes New Sanctions!", "The European Union imposed new SANCTIONS on the country’s oil exports on Tuesday"),
		art("wire", "other", "g-2", "https://news.example/story-2", "Council approves bike lanes", "The city council voted for new bike lanes."),
		// Same headline, no summary: too weak to call it the same text.
		art("blog", "bare-title", "b-1", "https://blog.example/live", "Live updates", ""),
		art("blog2", "bare-title-2", "b-2", "https://blog2.example/live", "Live updates", ""),
		// One feed, two GUIDs, links that differ only by #fragment: two items.
		art("letter", "issue-110", "l-110", "https://letter.example/entries.php", "Issue 110", "First."),
		art("letter", "issue-111", "l-111", "https://letter.example/entries.php", "Issue 111", "Second."),
	} {
		publish(t, srv.JS, a)
	}
	got := uniqueIDs(t, srv.JS, 6)
	want := []string{"first", "other", "bare-title", "bare-title-2", "issue-110", "issue-111"}
	if len(got) != len(want) {
		t.Fatalf("unique = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("unique[%d] = %s, want %s", i, got[i], want[i])
		}
	}
}

// A redelivered input whose story its own earlier attempt published (a
// crash between publishing and the ack) is not taken for a copy of itself
// nor published twice, while a copy of it from another feed is dropped.
func TestDedupeRedeliveryAfterCrash(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	var mu sync.Mutex
	crashes := 0
	runDedupe(t, srv, dedupe.Options{}, pipeline.RunnerOptions{Concurrency: 8, RetryDelay: 10 * time.Millisecond}, func(step string) error {
		mu.Lock()
		defer mu.Unlock()
		if step == "published" && crashes == 0 {
			crashes++
			return errors.New("crash after publishing")
		}
		return nil
	})
	crashed := art("wire", "crashed", "g-7", "https://news.example/7", "Talks collapse", "Negotiators left without an agreement.")
	publish(t, srv.JS, crashed)
	publish(t, srv.JS, art("mirror", "copy", "m-7", "https://news.example/7", "Talks collapse (copy)", "x"))
	got := uniqueIDs(t, srv.JS, 1)
	time.Sleep(300 * time.Millisecond) // a second publication would come now
	if more := natstest.Collect(t, srv.JS, pipeline.StreamTagged, 0, 200*time.Millisecond); len(got) != 1 || got[0] != "crashed" || len(more) != 1 {
		t.Fatalf("stories = %v (then %d messages), want [crashed] once", got, len(more))
	}
	mu.Lock()
	defer mu.Unlock()
	if crashes != 1 {
		t.Fatal("the crash never happened")
	}
}

// Memory is rebuilt from NEWS_TAGGED, so a restart of the server and the
// stage does not forget what was seen.
func TestDedupeRemembersAcrossRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := natstest.StartIn(t, dir)
	_, stop := startStage(t, srv, 8)
	publish(t, srv.JS, art("wire", "a", "g-1", "https://news.example/a", "Ceasefire holds", "Guns fell silent overnight."))
	if got := uniqueIDs(t, srv.JS, 1); len(got) != 1 {
		t.Fatalf("before restart: unique = %v, want [a]", got)
	}
	stop()
	srv.Stop()

	srv = natstest.StartIn(t, dir)
	startStage(t, srv, 8)
	publish(t, srv.JS, art("mirror", "b", "m-1", "https://news.example/a?utm_source=x", "Ceasefire holds", "Guns fell silent overnight."))
	publish(t, srv.JS, art("wire", "c", "g-3", "https://news.example/c", "New story", "Fresh."))
	got := uniqueIDs(t, srv.JS, 2)
	if len(got) != 2 || got[0] != "a" || got[1] != "c" {
		t.Fatalf("after restart: unique = %v, want [a c]", got)
	}
}

// Copies handled at the same moment, by concurrent workers of one stage or
// by two stage replicas on the shared consumer, still yield one output.
func TestDedupeConcurrentCopiesYieldOne(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	startStage(t, srv, 16)
	startStage(t, srv, 16) // a second replica
	const stories, copies = 20, 10
	for s := 0; s < stories; s++ {
		for c := 0; c < copies; c++ {
			id := fmt.Sprintf("s%02d-c%02d", s, c)
			publish(t, srv.JS, art(fmt.Sprintf("feed%d", c), id, "g-"+id,
				fmt.Sprintf("https://news.example/story/%d", s),
				fmt.Sprintf("Story %d headline from feed %d", s, c), "Body."))
		}
	}
	got := uniqueIDs(t, srv.JS, stories)
	if len(got) != stories {
		t.Fatalf("got %d unique articles, want %d (one per story): %v", len(got), stories, got)
	}
	per := map[string]int{}
	for _, id := range got {
		per[id[:3]]++
	}
	for s, n := range per {
		if n != 1 {
			t.Errorf("story %s published %d times", s, n)
		}
	}
}
