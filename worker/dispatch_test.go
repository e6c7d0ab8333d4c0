package worker

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/natstest"
)

// When feeds fall due far faster than they can be fetched, every feed still
// gets its turn, the backlog waits in the queue (at most maxInflight polls
// run), and one host's fetches still start a spacing apart, as the host sees
// them: fetches let go by their host one spacing apart may wait for a global
// slot and be given one together.
func TestHostSpacingHoldsUnderLoad(t *testing.T) {
	const spacing = 30 * time.Millisecond
	type start struct {
		host string
		at   time.Time
	}
	var mu sync.Mutex
	var starts []start
	polled := map[string]int{}
	var specs []FeedSpec
	// One slow host and three fast ones; with one global slot, the fast
	// hosts' fetches queue behind each slow one and are let go together.
	for h, delay := range []time.Duration{300 * time.Millisecond, 0, 0, 0} {
		var srv *httptest.Server
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			starts = append(starts, start{srv.URL, time.Now()})
			polled[r.URL.Path]++
			mu.Unlock()
			time.Sleep(delay)
			w.WriteHeader(http.StatusNotModified)
		}))
		t.Cleanup(srv.Close)
		for f := range 6 {
			id := fmt.Sprintf("h%d-f%d", h, f)
			specs = append(specs, FeedSpec{ID: id, URL: srv.URL + "/" + id, Interval: 100 * time.Millisecond})
		}
	}

	ns := natstest.Start(t)
	res, err := pipeline.EnsureTopology(context.Background(), ns.JS, pipeline.Topology{})
	if err != nil {
		t.Fatal(err)
	}
	p := New(Options{
		Concurrency: 1,
		PerHost:     2,
		HostSpacing: spacing,
		Fetcher:     feeds.NewFetcher(feeds.FetcherOptions{Timeout: 2 * time.Second, AllowPrivate: true}),
		Publisher:   pipeline.NewRawPublisher(ns.JS),
		State:       res.FeedState,
		Log:         zerolog.Nop(),
	})
	p.Sync(specs)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = p.Run(ctx); close(done) }()

	const want = 80
	most := 0
	deadline := time.Now().Add(20 * time.Second)
	for {
		p.mu.Lock()
		most = max(most, p.inflight)
		p.mu.Unlock()
		mu.Lock()
		enough := len(polled) == len(specs) && len(starts) >= want
		mu.Unlock()
		if enough || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	cancel()
	<-done

	mu.Lock()
	defer mu.Unlock()
	if len(polled) != len(specs) || len(starts) < want {
		t.Errorf("%d of %d feeds polled, %d fetches in 20 s (want %d)", len(polled), len(specs), len(starts), want)
	}
	// 24 feeds due every 100 ms against one slot: the bound is reached.
	if most > p.maxInflight() || most < 2 {
		t.Errorf("at most %d polls ran at once, want 2 to %d", most, p.maxInflight())
	}
	last := map[string]time.Time{}
	for _, s := range starts {
		// The server sees a request a little after the poller starts it;
		// a few milliseconds of that jitter are not a violation.
		if prev, ok := last[s.host]; ok && s.at.Sub(prev) < spacing-5*time.Millisecond {
			t.Errorf("host %s: fetches started %v apart, want at least %v", s.host, s.at.Sub(prev), spacing)
		}
		last[s.host] = s.at
	}
}
