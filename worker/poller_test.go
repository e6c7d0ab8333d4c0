package worker_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/natstest"
	"github.com/newswire/newswire/worker"
)

// hits counts requests per path on a test feed server.
type hits struct {
	mu sync.Mutex
	n  map[string]int
}

func (h *hits) inc(p string) { h.mu.Lock(); h.n[p]++; h.mu.Unlock() }
func (h *hits) get(p string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[p]
}

func rss(items ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://t.example/</link>`)
	for _, it := range items {
		fmt.Fprintf(&b, `<item><guid>%[1]s</guid><title>Story %[1]s</title><link>https://t.example/%[1]s</link><description>Text of %[1]s.</description></item>`, it)
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// feedServer serves /good (ETag-aware), /broken (500) and /garbage (not a feed).
func feedServer(t *testing.T) (*httptest.Server, *hits) {
	h := &hits{n: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.inc(r.URL.Path)
		switch r.URL.Path {
		case "/good", "/other":
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", `"v1"`)
			fmt.Fprint(w, rss("a", "b", "c"))
		case "/broken":
			http.Error(w, "boom", http.StatusInternalServerError)
		default:
			fmt.Fprint(w, "<html><body>not a feed</body></html>")
		}
	}))
	t.Cleanup(srv.Close)
	return srv, h
}

func newPoller(t *testing.T, srv *natstest.Server, kv jetstream.KeyValue) *worker.Poller {
	return worker.MustNew(worker.WithTestDefaults(worker.Options{
		Interval:  time.Hour,
		Fetcher:   worker.NewTestFetcher(5 * time.Second),
		Publisher: pipeline.NewRawPublisher(srv.JS),
		State:     kv,
		Log:       zerolog.Nop(),
	}))
}

func runPoller(t *testing.T, p *worker.Poller) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = p.Run(ctx); close(done) }()
	stop = func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("poller did not stop within 10s")
		}
	}
	t.Cleanup(stop)
	return stop
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func states(t *testing.T, kv jetstream.KeyValue) map[string]worker.FeedState {
	t.Helper()
	st, err := worker.LoadStates(context.Background(), kv)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A broken feed and a page that is not a feed record their errors in their
// own state; the good feed is published and unaffected.
func TestPollerIsolatesBadFeeds(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	res, err := pipeline.EnsureTopology(context.Background(), srv.JS, pipeline.Topology{})
	if err != nil {
		t.Fatal(err)
	}
	feedSrv, _ := feedServer(t)
	p := newPoller(t, srv, res.FeedState)
	p.Sync([]worker.FeedSpec{
		{ID: "good", URL: feedSrv.URL + "/good"},
		{ID: "broken", URL: feedSrv.URL + "/broken"},
		{ID: "garbage", URL: feedSrv.URL + "/garbage"},
	})
	runPoller(t, p)
	eventually(t, "three polled feeds", func() bool { return len(states(t, res.FeedState)) == 3 })
	eventually(t, "good feed published", func() bool { return states(t, res.FeedState)["good"].Published == 3 })

	st := states(t, res.FeedState)
	if got := st["good"]; got.LastResult != "ok" || got.ETag != `"v1"` || got.Published != 3 {
		t.Errorf("good: result %q etag %q published %d; want ok, \"v1\", 3", got.LastResult, got.ETag, got.Published)
	}
	if e, err := res.FeedState.Get(context.Background(), "good.seen"); err != nil || strings.Count(string(e.Value()), ",") != 2 {
		t.Errorf("good.seen: %v, want the three article ids", err)
	}
	if got := st["broken"]; got.LastResult != "http_5xx" || got.Errors != 1 || !strings.Contains(got.LastError, "500") {
		t.Errorf("broken: result %q errors %d last error %q", got.LastResult, got.Errors, got.LastError)
	}
	if got := st["garbage"]; got.LastResult != "not_feed" || got.LastError == "" {
		t.Errorf("garbage: result %q last error %q", got.LastResult, got.LastError)
	}
	msgs := natstest.Collect(t, srv.JS, pipeline.StreamRaw, 3, 5*time.Second)
	if len(msgs) != 3 {
		t.Fatalf("raw stream holds %d articles, want 3", len(msgs))
	}
	for _, m := range msgs {
		if m.Subject() != "news.raw.good" || m.Headers().Get(jetstream.MsgIDHeader) == "" {
			t.Errorf("raw message on %s with Nats-Msg-Id %q", m.Subject(), m.Headers().Get(jetstream.MsgIDHeader))
		}
	}
}

// When the broker refuses the articles, the feed's state does not advance:
// the next poll fetches unconditionally and publishes them.
func TestPollerRetriesUnpublishedArticles(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	ctx := context.Background()
	kv, err := srv.JS.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: pipeline.BucketFeeds})
	if err != nil {
		t.Fatal(err)
	}
	feedSrv, h := feedServer(t)
	p := worker.MustNew(worker.WithTestDefaults(worker.Options{
		Interval:  200 * time.Millisecond,
		Fetcher:   worker.NewTestFetcher(5 * time.Second),
		Publisher: pipeline.NewRawPublisher(srv.JS),
		State:     kv,
		Log:       zerolog.Nop(),
	}))
	p.Sync([]worker.FeedSpec{{ID: "good", URL: feedSrv.URL + "/good", Interval: 200 * time.Millisecond}})
	runPoller(t, p)
	// No NEWS_RAW stream yet: publishing fails.
	eventually(t, "a failed publish", func() bool { return states(t, kv)["good"].LastResult == "publish_error" })
	if st := states(t, kv)["good"]; st.ETag != "" || st.Published != 0 {
		t.Fatalf("state advanced despite the failed publish: etag %q published %d", st.ETag, st.Published)
	}
	if _, err := pipeline.EnsureTopology(ctx, srv.JS, pipeline.Topology{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the articles published", func() bool { return states(t, kv)["good"].Published == 3 })
	n := h.get("/good")
	eventually(t, "a 304 afterwards", func() bool { return states(t, kv)["good"].NotModified > 0 })
	if got := len(natstest.Collect(t, srv.JS, pipeline.StreamRaw, 3, 3*time.Second)); got != 3 {
		t.Errorf("raw stream holds %d, want 3", got)
	}
	if h.get("/good") <= n {
		t.Errorf("no poll after the successful one")
	}
}

// Sync keeps unchanged feeds running without an extra poll, stops removed
// ones and starts new ones at once.
func TestPollerSyncDiffs(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	res, err := pipeline.EnsureTopology(context.Background(), srv.JS, pipeline.Topology{})
	if err != nil {
		t.Fatal(err)
	}
	feedSrv, h := feedServer(t)
	p := newPoller(t, srv, res.FeedState) // interval 1h: one poll each
	p.Sync([]worker.FeedSpec{{ID: "good", URL: feedSrv.URL + "/good"}, {ID: "broken", URL: feedSrv.URL + "/broken"}})
	runPoller(t, p)
	eventually(t, "first polls", func() bool { return h.get("/good") == 1 && h.get("/broken") == 1 })

	p.Sync([]worker.FeedSpec{{ID: "good", URL: feedSrv.URL + "/good"}, {ID: "other", URL: feedSrv.URL + "/other"}})
	eventually(t, "the new feed polled", func() bool { return h.get("/other") == 1 })
	time.Sleep(300 * time.Millisecond)
	if got := h.get("/good"); got != 1 {
		t.Errorf("unchanged feed polled %d times, want 1 (Sync must not restart it)", got)
	}
	// Changing a feed's URL restarts its loop with a poll right away.
	p.Sync([]worker.FeedSpec{{ID: "good", URL: feedSrv.URL + "/good?v=2"}, {ID: "other", URL: feedSrv.URL + "/other"}})
	eventually(t, "the changed feed polled", func() bool { return h.get("/good") == 2 })
	if got := h.get("/broken"); got != 1 {
		t.Errorf("removed feed polled %d times, want 1", got)
	}
}

// Three pollers (replicas) share one state bucket: every feed is fetched
// once per slot, never by two replicas for the same slot.
func TestReplicasNeverPollTheSameSlot(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	res, err := pipeline.EnsureTopology(context.Background(), srv.JS, pipeline.Topology{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	times := map[string][]time.Time{}
	feedSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times[r.URL.Path] = append(times[r.URL.Path], time.Now())
		mu.Unlock()
		fmt.Fprint(w, rss("x-"+r.URL.Path[1:]))
	}))
	t.Cleanup(feedSrv.Close)

	const nFeeds, interval = 12, time.Second
	var specs []worker.FeedSpec
	for i := 0; i < nFeeds; i++ {
		specs = append(specs, worker.FeedSpec{ID: fmt.Sprintf("f%d", i), URL: fmt.Sprintf("%s/f%d", feedSrv.URL, i), Interval: interval})
	}
	var stops []func()
	for r := 0; r < 3; r++ {
		p := worker.MustNew(worker.WithTestDefaults(worker.Options{
			Fetcher:     worker.NewTestFetcher(5 * time.Second),
			Publisher:   pipeline.NewRawPublisher(srv.JS),
			State:       res.FeedState,
			PerHost:     16,
			Concurrency: 16,
			ReplicaID:   fmt.Sprintf("replica-%d", r),
			Log:         zerolog.Nop(),
		}))
		p.Sync(specs)
		stops = append(stops, runPoller(t, p))
	}
	const run = 5 * time.Second
	time.Sleep(run)
	for _, stop := range stops {
		stop()
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 0; i < nFeeds; i++ {
		ts := times[fmt.Sprintf("/f%d", i)]
		if n := len(ts); n < 3 || n > 7 {
			t.Errorf("feed f%d fetched %d times in %v at a %v interval, want about 5", i, n, run, interval)
		}
		for j := 1; j < len(ts); j++ {
			// Two replicas polling one slot fetch within milliseconds of each
			// other; a poll that ran late may legitimately be followed by the
			// next slot sooner than a whole interval.
			if gap := ts[j].Sub(ts[j-1]); gap < interval/4 {
				t.Errorf("feed f%d fetched twice %v apart: two replicas polled one slot", i, gap)
			}
		}
	}
	// The articles were published once, whoever polled.
	if got := len(natstest.Collect(t, srv.JS, pipeline.StreamRaw, nFeeds, 3*time.Second)); got != nFeeds {
		t.Errorf("raw stream holds %d articles, want %d (one per feed)", got, nFeeds)
	}
}
