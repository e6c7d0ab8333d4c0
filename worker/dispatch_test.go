package worker

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/natstest"
)

// When feeds fall due far faster than they can be fetched, every feed still
// gets its turn, the backlog waits in the queue (dispatch stops at
// maxInflight running polls), and one host's fetches still start a spacing apart, as the host sees
// them: fetches let go by their host one spacing apart may wait for a global
// slot and be given one together.
func TestHostSpacingHoldsUnderLoad(t *testing.T) {
	t.Parallel()
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

	p, stop := runOnOneSlot(t, Options{PerHost: 2, HostSpacing: spacing}, specs)

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
	stop()

	mu.Lock()
	defer mu.Unlock()
	if len(polled) != len(specs) || len(starts) < want {
		t.Errorf("%d of %d feeds polled, %d fetches in 20 s (want %d)", len(polled), len(specs), len(starts), want)
	}
	// 24 feeds due every 100 ms against one slot: the bound is reached.
	// Polls that waited for their host come back over it, at most the
	// hosts' slots (4 hosts × 2); without the bound all 24 run.
	if limit := p.maxInflight() + 4*2; most > limit || most < 2 {
		t.Errorf("at most %d polls ran at once, want 2 to %d", most, limit)
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

// Feeds waiting for their host do not count against the bound on running
// polls: a host paused by Retry-After, with more feeds than the bound, holds
// up only its own feeds, and another host's feed keeps being polled.
func TestPausedHostDoesNotStallOthers(t *testing.T) {
	t.Parallel()
	var limitedHits, otherHits atomic.Int32
	limited := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limitedHits.Add(1)
		w.Header().Set("Retry-After", "30")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	}))
	t.Cleanup(limited.Close)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		w.WriteHeader(http.StatusNotModified)
	}))
	t.Cleanup(other.Close)

	var specs []FeedSpec
	for i := range 12 { // three times the bound of 4 running polls
		specs = append(specs, FeedSpec{ID: fmt.Sprintf("limited-%d", i), URL: fmt.Sprintf("%s/%d", limited.URL, i), Interval: 100 * time.Millisecond})
	}
	specs = append(specs, FeedSpec{ID: "other", URL: other.URL + "/feed", Interval: 100 * time.Millisecond})

	_, stop := runOnOneSlot(t, Options{}, specs)
	defer stop()

	deadline := time.Now().Add(5 * time.Second)
	for limitedHits.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(time.Second) // the other feeds of the paused host fall due and wait
	before := otherHits.Load()
	time.Sleep(2 * time.Second)
	if n := otherHits.Load() - before; n < 5 {
		t.Errorf("the other host's feed was polled %d times in 2 s at a 100 ms interval while a paused host's feeds waited", n)
	}
	if n := limitedHits.Load(); n > 2 {
		t.Errorf("the paused host was fetched %d times, want its first fetches only (two slots)", n)
	}
}

// runOnOneSlot runs a Poller with opts, one fetch slot (Concurrency 1), the
// feeds specs and a real embedded server, until stop.
func runOnOneSlot(t *testing.T, opts Options, specs []FeedSpec) (p *Poller, stop func()) {
	t.Helper()
	ns := natstest.Start(t)
	res, err := pipeline.EnsureTopology(context.Background(), ns.JS, pipeline.Topology{})
	if err != nil {
		t.Fatal(err)
	}
	opts.Concurrency = 1
	opts.Fetcher = NewTestFetcher(2 * time.Second)
	opts.Publisher = pipeline.NewRawPublisher(ns.JS)
	opts.State = res.FeedState
	opts.Log = zerolog.Nop()
	p = MustNew(WithTestDefaults(opts))
	p.Sync(specs)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = p.Run(ctx); close(done) }()
	return p, func() { cancel(); <-done }
}
