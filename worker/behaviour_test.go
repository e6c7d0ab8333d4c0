package worker_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/natstest"
	"github.com/newswire/newswire/worker"
)

// fastPoller polls with intervals in milliseconds so behaviour over many
// polls shows within a test.
func fastPoller(t *testing.T, specs ...worker.FeedSpec) (*worker.Poller, *pipeline.Resources) {
	t.Helper()
	srv := natstest.Start(t)
	res, err := pipeline.EnsureTopology(context.Background(), srv.JS, pipeline.Topology{})
	if err != nil {
		t.Fatal(err)
	}
	p := worker.MustNew(worker.WithTestDefaults(worker.Options{
		Interval:    100 * time.Millisecond,
		MinInterval: 50 * time.Millisecond,
		MaxInterval: 400 * time.Millisecond,
		PerHost:     4,
		Fetcher:     worker.NewTestFetcher(2 * time.Second),
		Publisher:   pipeline.NewRawPublisher(srv.JS),
		State:       res.FeedState,
		Log:         zerolog.Nop(),
	}))
	p.Sync(specs)
	runPoller(t, p)
	return p, res
}

func TestGoneFeedIsKeptAndRetriedAtTheCap(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "gone", http.StatusGone)
	}))
	defer srv.Close()
	_, res := fastPoller(t, worker.FeedSpec{ID: "gone", URL: srv.URL + "/feed"})
	eventually(t, "the feed marked gone", func() bool { return states(t, res.FeedState)["gone"].State == worker.StateGone })
	st := states(t, res.FeedState)["gone"]
	if !strings.Contains(st.LastError, "410") {
		t.Errorf("last error %q does not say 410", st.LastError)
	}
	if d := st.NextDue.Sub(st.LastPoll); d < 300*time.Millisecond {
		t.Errorf("gone feed due again %v after its poll, want the 400ms cap", d)
	}
	eventually(t, "a retry of the gone feed", func() bool { return hits.Load() >= 2 })
}

func TestRetryAfterPausesTheHost(t *testing.T) {
	t.Parallel()
	var pausedAt atomic.Int64 // unix nanos of the 429
	var duringPause atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/limited" && pausedAt.CompareAndSwap(0, time.Now().UnixNano()) {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		// A fetch that arrives well inside the pause (not one that was
		// already on its way when the 429 went out). The pause is the
		// Retry-After's 1s capped at MaxInterval, 400ms here.
		if p := pausedAt.Load(); p != 0 {
			if since := time.Since(time.Unix(0, p)); since > 100*time.Millisecond && since < 350*time.Millisecond {
				duringPause.Add(1)
			}
		}
		fmt.Fprint(w, rss("a"))
	}))
	defer srv.Close()
	_, res := fastPoller(t,
		worker.FeedSpec{ID: "limited", URL: srv.URL + "/limited"},
		worker.FeedSpec{ID: "sibling", URL: srv.URL + "/sibling"},
	)
	eventually(t, "the feed paused", func() bool { return states(t, res.FeedState)["limited"].State == worker.StatePaused })
	time.Sleep(1500 * time.Millisecond)
	if n := duringPause.Load(); n > 0 {
		t.Errorf("%d fetches hit the host during its Retry-After pause", n)
	}
	eventually(t, "the feed back to ok", func() bool { return states(t, res.FeedState)["limited"].State == worker.StateOK })
}

func TestPermanentRedirectAdoptedAfterThreePolls(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
			return
		}
		fmt.Fprint(w, rss("a", "b"))
	}))
	defer srv.Close()
	_, res := fastPoller(t, worker.FeedSpec{ID: "moved", URL: srv.URL + "/old", Interval: 50 * time.Millisecond})
	eventually(t, "the redirect adopted", func() bool { return states(t, res.FeedState)["moved"].AdoptedURL == srv.URL+"/new" })
	if st := states(t, res.FeedState)["moved"]; st.URL != srv.URL+"/old" || st.Polls < 3 {
		t.Errorf("url %q after %d polls; want the configured URL kept and at least 3 polls", st.URL, st.Polls)
	}
}

// When every host fails the same way at once, the machine is offline: the
// feeds' error counts do not grow.
func TestNetworkOutageIsNotHeldAgainstFeeds(t *testing.T) {
	t.Parallel()
	var specs []worker.FeedSpec
	for i := 0; i < 4; i++ {
		// Nothing listens on these ports: every fetch is refused.
		specs = append(specs, worker.FeedSpec{ID: fmt.Sprintf("f%d", i), URL: fmt.Sprintf("http://127.0.0.1:%d/feed", 1+i)})
	}
	_, res := fastPoller(t, specs...)
	eventually(t, "several rounds of failures", func() bool {
		all := states(t, res.FeedState)
		for _, st := range all {
			if st.Polls < 4 {
				return false
			}
		}
		return len(all) == 4
	})
	for id, st := range states(t, res.FeedState) {
		if st.Errors > 2 {
			t.Errorf("%s: %d consecutive errors counted during an outage (last error %q)", id, st.Errors, st.LastError)
		}
		if !strings.HasPrefix(st.LastError, "network down") || st.State != worker.StateOffline {
			t.Errorf("%s: state %q, last error %q; want offline, the error starting with the network being down (status cuts it at 80 characters); polls %d history %+v", id, st.State, st.LastError, st.Polls, st.History)
		}
	}
}

// A quiet feed's interval lengthens towards the ceiling; a busy one stays
// short. Both start from the default.
func TestIntervalAdapts(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/busy" {
			i := n.Add(1)
			fmt.Fprint(w, rss(fmt.Sprintf("a%d", i), fmt.Sprintf("b%d", i))) // every poll: all new
			return
		}
		w.Header().Set("ETag", `"q"`)
		if r.Header.Get("If-None-Match") == `"q"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, rss("q"))
	}))
	defer srv.Close()
	_, res := fastPoller(t, worker.FeedSpec{ID: "busy", URL: srv.URL + "/busy"}, worker.FeedSpec{ID: "quiet", URL: srv.URL + "/quiet"})
	eventually(t, "the quiet feed at the ceiling", func() bool {
		st := states(t, res.FeedState)["quiet"]
		return st.Interval() == 400*time.Millisecond
	})
	busy := states(t, res.FeedState)["busy"]
	if iv := busy.Interval(); iv > 100*time.Millisecond {
		t.Errorf("busy feed interval %v, want it at or near the 50ms floor", iv)
	}
}

// TestRetryAfterIsCapped: a server asking for a day's pause is waited for
// no longer than MaxInterval (400ms here), and while the pause lasts the
// host's other feed shows as paused with its resume time, not as ok with a
// due time in the past.
func TestRetryAfterIsCapped(t *testing.T) {
	t.Parallel()
	var limited atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/limited" && limited.CompareAndSwap(false, true) {
			w.Header().Set("Retry-After", "86400")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		fmt.Fprint(w, rss("a"))
	}))
	defer srv.Close()
	_, res := fastPoller(t,
		worker.FeedSpec{ID: "limited", URL: srv.URL + "/limited"},
		worker.FeedSpec{ID: "sibling", URL: srv.URL + "/sibling"},
	)
	eventually(t, "the sibling shown paused until the host resumes", func() bool {
		st := states(t, res.FeedState)["sibling"]
		return st.State == worker.StatePaused && st.NextDue.After(time.Now())
	})
	if st := states(t, res.FeedState)["limited"]; st.State == worker.StatePaused && st.NextDue.After(time.Now().Add(time.Second)) {
		t.Errorf("the limited feed is paused until %s, want at most MaxInterval (400ms) from its 429", st.NextDue)
	}
	eventually(t, "the limited feed polled again and ok", func() bool { return states(t, res.FeedState)["limited"].State == worker.StateOK })
	eventually(t, "the sibling ok again", func() bool { return states(t, res.FeedState)["sibling"].State == worker.StateOK })
}
