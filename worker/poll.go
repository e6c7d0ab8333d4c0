package worker

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/rs/zerolog"

	"github.com/newswire/newswire/feeds"
)

// redirectsToAdopt is how many polls in a row must see the same permanent
// redirect before the feed is fetched from its target: one misconfigured
// deploy should not move a feed for good.
const redirectsToAdopt = 3

// fetchURL is where the feed is fetched: its URL, or a redirect it adopted.
func (t *feedTask) fetchURL() string {
	if t.st.AdoptedURL != "" {
		return t.st.AdoptedURL
	}
	return t.st.URL
}

// fetchHost is the host of fetchURL.
func (t *feedTask) fetchHost() string {
	if u := t.fetchURL(); u != t.spec.URL {
		return hostOf(u)
	}
	return t.host
}

// poll fetches the feed once and updates st with the outcome and the next
// due time. It returns false when the poll was cancelled by shutdown.
func (t *feedTask) poll(work, waits context.Context) bool {
	st := &t.st
	fetchURL := t.fetchURL()
	// Wait for the host, then for a global slot: a slow host holds only
	// its own feeds back. Shutdown ends the waiting at once.
	host := t.fetchHost()
	// Waiting for the host does not count against the dispatch bound: a
	// busy or paused host holds up only its own feeds.
	t.p.addRunning(-1)
	release, err := t.p.hosts.acquire(waits, host)
	t.p.addRunning(+1)
	if err != nil {
		return false
	}
	select {
	case t.p.sem <- struct{}{}:
	case <-waits.Done():
		release()
		return false
	}
	if !sleepCtx(waits, t.p.hosts.begin(host, time.Now())) {
		<-t.p.sem
		release()
		return false
	}
	start := time.Now()
	o, n, err := t.fetchAndPublish(work, fetchURL)
	<-t.p.sem
	release()
	if feeds.ClassOf(err) == feeds.ClassCanceled {
		return false
	}

	now := time.Now().UTC()
	o.outage = t.p.outage.observe(host, err != nil && networkClass(o.class), now)
	t.schedule(st, o, err, now)
	result := o.class
	switch {
	case err != nil:
	case o.notChanged:
		result = "not_modified"
		if st.LastStatus == 200 {
			result = "unchanged"
		}
	default:
		result = "ok"
	}
	st.Polls++
	st.LastPoll = now
	st.LastResult = string(result)
	st.record(PollRecord{At: now, Result: string(result), New: n, Status: st.LastStatus})
	t.p.opts.Metrics.poll(string(result), time.Since(start).Seconds())
	t.p.opts.Metrics.feed(t.spec.ID, st, n)
	if err != nil {
		t.log(zerolog.WarnLevel).Err(err).Str("result", string(result)).Int("consecutive_errors", st.Errors).
			Str("state", st.State).Time("next_due", st.NextDue).Msg("poll failed")
	} else {
		t.log(zerolog.DebugLevel).Str("result", string(result)).Int("published", n).
			Dur("interval", st.Interval()).Time("next_due", st.NextDue).Msg("polled")
	}
	return true
}

// schedule records the outcome of a poll in st and sets its next due time.
func (t *feedTask) schedule(st *FeedState, o outcome, err error, now time.Time) {
	iv := t.interval()
	pinned := t.spec.Interval > 0
	var next time.Time
	switch {
	case err == nil:
		st.State, st.Errors, st.LastError = StateOK, 0, ""
		st.LastSuccess = now
		if o.fresh > 0 {
			st.LastNew = now
		}
		iv = adapt(iv, pinned, t.p.lim, o, st.LastNew, now)
		next = nextDue(now, t.phase.Load(), iv, t.p.gap)
	case o.outage:
		// Every host fails: the network is down, not the feed. Keep the
		// feed's record clean and try again at its normal interval.
		st.State = StateOffline
		st.LastError = "network down (every feed fails; not counted against this one): " + err.Error()
		next = nextDue(now, t.phase.Load(), iv, t.p.gap)
	case o.class == classPublish:
		// The broker refused the articles (out of storage, unavailable):
		// nothing was recorded as seen, so the next poll fetches them
		// again. Not the feed's fault; retry soon, without backing off.
		st.LastError = err.Error() + " (broker: not counted against the feed)"
		retry := min(iv, publishRetry)
		next = now.Add(retry + jitter(retry))
	default:
		st.Errors++
		st.LastError = err.Error()
		st.State = StateFailing
		delay := backoff(iv, st.Errors, o.class, t.p.lim.max)
		var fe *feeds.FetchError
		if errors.As(err, &fe) && fe.StatusCode == 410 {
			st.State = StateGone
			delay = max(t.p.lim.max, iv)
		}
		next = now.Add(delay + jitter(delay))
		if o.retryAfter > 0 {
			// A server may ask for a day; the pause ends at the
			// poller's longest interval, as a backoff does.
			until := now.Add(min(o.retryAfter, t.p.lim.max))
			t.p.hosts.pause(t.host, until)
			st.State = StatePaused
			if until.After(next) {
				next = until
			}
		}
	}
	if paused := t.p.hosts.pausedUntil(t.host); paused.After(next) {
		next = paused
	}
	st.IntervalSeconds = iv.Seconds()
	st.NextDue = skipHours(next, st.Hints)
}

// fetchAndPublish does the work of one poll and updates st's fetch state
// (validators, hints, redirects, seen ids) on success. It returns what the
// scheduler needs to know and the number of articles published.
func (t *feedTask) fetchAndPublish(ctx context.Context, fetchURL string) (outcome, int, error) {
	st := &t.st
	req := feeds.FetchRequest{URL: fetchURL, ETag: st.ETag, LastModified: st.LastModified}
	if unconditional() {
		req.ETag, req.LastModified = "", ""
	}
	res, err := t.p.opts.Fetcher.Fetch(ctx, req)
	if err != nil {
		o := outcome{class: feeds.ClassOf(err)}
		var fe *feeds.FetchError
		if errors.As(err, &fe) {
			o.retryAfter = fe.RetryAfter
			st.LastStatus = fe.StatusCode
		}
		return o, 0, err
	}
	// Nothing below keeps a reference into the body: the parser, the hints
	// and the hashes copy what they keep.
	defer res.Release()
	st.LastStatus = res.StatusCode
	t.noteRedirect(st, fetchURL, res.PermanentURL)
	o := outcome{maxAge: res.CacheMaxAge, expires: res.Expires, hints: st.Hints}
	if res.NotModified {
		st.NotModified++
		o.notChanged = true
		return o, 0, nil
	}
	bodyHash := strconv.FormatUint(xxhash.Sum64(res.Body), 16)
	if bodyHash == st.BodyHash {
		st.NotModified++
		st.ETag, st.LastModified = res.ETag, res.LastModified
		o.notChanged = true
		return o, 0, nil
	}
	fresh, hashes, err := t.parseNew(ctx, res)
	if err != nil {
		return outcome{class: feeds.ClassOf(err)}, 0, err
	}
	st.Hints = feeds.FeedHints(res.Body)
	o.hints = st.Hints
	if len(fresh) > 0 {
		if err := t.p.opts.Publisher.Publish(ctx, fresh); err != nil {
			// State is not advanced: the next poll fetches and publishes again.
			return outcome{class: classPublish}, 0, fmt.Errorf("worker: publish: %w", err)
		}
		for _, a := range fresh {
			t.log(zerolog.DebugLevel).Str("article_id", a.ID).Str("title", a.Title).Msg("published")
		}
	}
	if !slices.Equal(hashes, t.seen) {
		if err := t.p.store.saveSeen(ctx, t.spec.ID, hashes); err != nil {
			return outcome{class: classPublish}, 0, err
		}
		t.seen = hashes
	}
	st.ETag, st.LastModified, st.BodyHash = res.ETag, res.LastModified, bodyHash
	st.Published += int64(len(fresh))
	o.items, o.fresh = len(hashes), len(fresh)
	return o, len(fresh), nil
}

// parseNew returns the articles of res's document that were not in the
// last one, and the hashes of all its items (see feeds.ParseNew). Parsing is
// CPU work and allocates several times the document: poll.concurrency
// fetches may wait on the network together, but only as many documents as
// there are CPUs are parsed at once.
func (t *feedTask) parseNew(ctx context.Context, res *feeds.FetchResult) ([]feeds.Article, []feeds.ItemHash, error) {
	known := make(map[feeds.ItemHash]bool, len(t.seen))
	for _, h := range t.seen {
		known[h] = true
	}
	select {
	case t.p.parses <- struct{}{}:
		defer func() { <-t.p.parses }()
	case <-ctx.Done():
		return nil, nil, &feeds.FetchError{Class: feeds.ClassCanceled, Err: ctx.Err()}
	}
	parsed, hashes, err := feeds.ParseNew(res.Body, res.ContentType, func(h feeds.ItemHash) bool { return known[h] })
	if err != nil || parsed == nil {
		return nil, hashes, err
	}
	var fresh []feeds.Article
	inDoc := map[string]bool{}
	for _, a := range feeds.Normalise(feeds.FeedRef{ID: t.spec.ID, Title: t.spec.Title, URL: t.spec.URL}, parsed, time.Now()) {
		if !inDoc[a.ID] { // the same item twice in one document
			inDoc[a.ID] = true
			fresh = append(fresh, a)
		}
	}
	return fresh, hashes, nil
}

// noteRedirect tracks permanent redirects and adopts the target once it
// has been seen redirectsToAdopt polls in a row.
func (t *feedTask) noteRedirect(st *FeedState, fetchURL, permanent string) {
	if permanent == "" || permanent == fetchURL {
		st.RedirectURL, st.RedirectSeen = "", 0
		return
	}
	if permanent == st.RedirectURL {
		st.RedirectSeen++
	} else {
		st.RedirectURL, st.RedirectSeen = permanent, 1
	}
	if st.RedirectSeen >= redirectsToAdopt {
		t.log(zerolog.InfoLevel).Str("from", fetchURL).Str("to", permanent).Msg("adopting permanent redirect")
		st.AdoptedURL = permanent
		st.RedirectURL, st.RedirectSeen = "", 0
	}
}
