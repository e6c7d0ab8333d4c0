package worker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/natstest"
	"github.com/newswire/newswire/worker"
)

// PollNow polls a feed whose next poll is an hour away, once, and leaves
// the other feeds alone.
func TestPollNow(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	res, err := pipeline.EnsureTopology(context.Background(), srv.JS, pipeline.Topology{})
	if err != nil {
		t.Fatal(err)
	}
	feedSrv, h := feedServer(t)
	p := newPoller(t, srv, res.FeedState) // interval: an hour
	p.Sync([]worker.FeedSpec{{ID: "good", URL: feedSrv.URL + "/good"}, {ID: "other", URL: feedSrv.URL + "/other"}})
	runPoller(t, p)
	eventually(t, "first polls", func() bool {
		st := states(t, res.FeedState)
		return st["good"].Polls == 1 && st["other"].Polls == 1
	})
	time.Sleep(200 * time.Millisecond) // nothing else is due for an hour
	if n := h.get("/good"); n != 1 {
		t.Fatalf("/good fetched %d times before PollNow, want 1", n)
	}

	if err := p.PollNow("good"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the asked-for poll", func() bool { return states(t, res.FeedState)["good"].Polls == 2 })
	time.Sleep(200 * time.Millisecond)
	if n, m := h.get("/good"), h.get("/other"); n != 2 || m != 1 {
		t.Errorf("fetches after PollNow: /good %d, /other %d; want 2 and 1", n, m)
	}
	// The schedule goes on from that poll: the next one is in a slot of
	// the feed's interval, which the poll may adapt (never below the
	// 2-minute floor of these tests) and whose slot may lie anywhere in it
	// — so not "an hour away", but never at once again.
	if st := states(t, res.FeedState)["good"]; st.LastResult != "not_modified" || time.Until(st.NextDue) < 2*time.Minute-5*time.Second {
		t.Errorf("after PollNow: result %q, next due in %s; want not_modified and the next poll at least the minimum interval away", st.LastResult, time.Until(st.NextDue).Round(time.Second))
	}

	if err := p.PollNow("nope"); !errors.Is(err, worker.ErrUnknownFeed) {
		t.Errorf("PollNow(nope) = %v, want ErrUnknownFeed", err)
	}
}
