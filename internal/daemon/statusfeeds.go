package daemon

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/worker"
)

// feedsView is the status page's feeds section.
type feedsView struct {
	Err     string // why the states could not be read
	Rows    []feedRow
	Total   int    // feeds known, before the query's filter
	Offline string // the banner when many feeds fail with network errors
}

// feedRow is one feed's line.
type feedRow struct {
	ID, Title, URL     string
	State, Result, Err string
	Failing            bool
	Interval, NextDue  string
	Unchanged          string // share of polls answered 304 or with unchanged bytes
	Published          int64
	Search             string // what the client-side filter matches, lower case
}

// feeds reads every feed's state (one watch of the bucket, not a read per
// feed) and lists the feeds matching q, failing feeds first.
func (p *statusPage) feeds(ctx context.Context, q string) feedsView {
	ctx, cancel := context.WithTimeout(ctx, 2*sectionTimeout)
	defer cancel()
	states, err := worker.LoadStates(ctx, p.d.res.FeedState)
	if err != nil {
		return feedsView{Err: err.Error()}
	}
	titles := map[string]string{}
	for _, f := range p.d.cfg.Feeds {
		titles[f.ID] = f.Title
		if _, ok := states[f.ID]; !ok {
			states[f.ID] = worker.FeedState{URL: f.URL, State: "new"}
		}
	}
	return feedRows(states, titles, q, time.Now())
}

// feedRows builds the feeds section from the states: the rows matching q
// (case-insensitive, any column), failing first, then by id.
func feedRows(states map[string]worker.FeedState, titles map[string]string, q string, now time.Time) feedsView {
	v := feedsView{Total: len(states)}
	q = strings.ToLower(strings.TrimSpace(q))
	offline := 0
	for id, st := range states {
		r := feedRow{
			ID: id, Title: titles[id], URL: cmp.Or(st.AdoptedURL, st.URL),
			State: cmp.Or(st.State, worker.StateOK), Result: st.LastResult, Err: st.LastError,
			Failing: st.State == worker.StateFailing || st.State == worker.StateGone || st.State == worker.StateOffline, Published: st.Published,
		}
		if st.State == worker.StateOffline || r.Failing && (st.LastResult == string(feeds.ClassDNS) || st.LastResult == string(feeds.ClassNetwork)) {
			offline++
		}
		if st.IntervalSeconds > 0 {
			r.Interval = st.Interval().Round(time.Second).String()
		}
		if !st.NextDue.IsZero() {
			if d := st.NextDue.Sub(now).Round(time.Second); d >= 0 {
				r.NextDue = "in " + d.String()
			} else {
				r.NextDue = "due " + (-d).String() + " ago"
			}
		}
		if st.Polls > 0 {
			r.Unchanged = fmt.Sprintf("%.0f%%", 100*float64(st.NotModified)/float64(st.Polls))
		}
		r.Search = strings.ToLower(strings.Join([]string{r.ID, r.Title, r.URL, r.State, r.Result, r.Err}, " "))
		if q == "" || strings.Contains(r.Search, q) {
			v.Rows = append(v.Rows, r)
		}
	}
	slices.SortFunc(v.Rows, func(a, b feedRow) int {
		if a.Failing != b.Failing {
			if a.Failing {
				return -1
			}
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	// One feed's network error is that feed's; many at once are usually
	// this machine's network.
	if offline >= 2 && 2*offline >= len(states) {
		v.Offline = fmt.Sprintf("%d of %d feeds failed with dns/network errors: the machine may be offline or its DNS broken.", offline, len(states))
	}
	return v
}
