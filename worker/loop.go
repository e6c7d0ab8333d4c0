package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/newswire/newswire/feeds"
)

// redirectsToAdopt is how many polls in a row must see the same permanent
// redirect before the feed is fetched from its target: one misconfigured
// deploy should not move a feed for good.
const redirectsToAdopt = 3

// feedLoop polls one feed until stopped.
type feedLoop struct {
	p      *Poller
	spec   FeedSpec
	log    zerolog.Logger
	quit   chan struct{} // closed by stop: no further polls
	closed chan struct{} // guards quit
}

func newFeedLoop(p *Poller, spec FeedSpec) *feedLoop {
	return &feedLoop{
		p:      p,
		spec:   spec,
		log:    p.opts.Log.With().Str("component", "poller").Str("feed_id", spec.ID).Logger(),
		quit:   make(chan struct{}),
		closed: make(chan struct{}, 1),
	}
}

// stop ends the loop's waiting; a poll in progress finishes. Safe to call
// more than once.
func (l *feedLoop) stop() {
	select {
	case l.closed <- struct{}{}:
		close(l.quit)
	default:
	}
}

// wait sleeps until t; false when the loop was stopped meanwhile.
func (l *feedLoop) wait(work context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		select {
		case <-l.quit:
			return false
		case <-work.Done():
			return false
		default:
			return true
		}
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-l.quit:
		return false
	case <-work.Done():
		return false
	case <-timer.C:
		return true
	}
}

// run is the feed's life: wait until due, claim the slot, poll, save.
// Every replica runs such a loop for every feed; the claim (a
// compare-and-set on the state's revision) lets exactly one of them poll.
func (l *feedLoop) run(work context.Context) {
	for {
		st, _, err := l.p.store.load(work, l.spec.ID)
		if err != nil {
			l.log.Error().Err(err).Msg("cannot load feed state; retrying in 5s")
			if !l.wait(work, time.Now().Add(5*time.Second)) {
				return
			}
			continue
		}
		if !l.wait(work, l.dueAt(st, time.Now())) {
			return
		}
		l.pollOnce(work)
	}
}

// interval is the feed's current interval: the pinned one, or what the
// scheduler adapted it to, or the default.
func (l *feedLoop) interval(st *FeedState) time.Duration {
	if l.spec.Interval > 0 {
		return l.spec.Interval
	}
	if iv := st.Interval(); iv > 0 {
		return min(max(iv, l.p.lim.min), l.p.lim.max)
	}
	return l.p.lim.def
}

// scheduledAt is when the feed's state says it is due: its NextDue, or
// earlier when a pinned interval was shortened in the config since.
func (l *feedLoop) scheduledAt(st *FeedState) time.Time {
	due := st.NextDue
	if st.Errors == 0 && !st.LastPoll.IsZero() {
		due = earliest(due, nextDue(st.LastPoll, l.spec.ID, l.interval(st)))
	}
	return due
}

// dueAt is when the loop should next wake up for the feed, as seen from now.
func (l *feedLoop) dueAt(st FeedState, now time.Time) time.Time {
	if st.URL != l.spec.URL || st.NextDue.IsZero() {
		return now // a new feed, or a new URL: poll right away
	}
	due := l.scheduledAt(&st)
	if st.ClaimedBy != "" && st.ClaimUntil.After(due) {
		due = st.ClaimUntil // another replica is polling; look again when its claim lapses
	}
	if due.Before(l.p.started) {
		// Overdue after downtime: spread the catch-up over up to a minute
		// by the feed's slot instead of polling every feed at once.
		due = now.Add(slotOffset(l.spec.ID, min(l.interval(&st), time.Minute)))
	}
	return due
}

// dueTolerance is how early a wake-up may be and still poll: timers fire a
// little late or early, but a feed polled a moment ago by another replica is
// a whole interval away from due.
func dueTolerance(interval time.Duration) time.Duration {
	return min(interval/10, time.Second)
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// pollOnce claims the feed's slot and polls it. It does nothing when the
// feed is not due any more or another replica claimed it first.
func (l *feedLoop) pollOnce(work context.Context) {
	now := time.Now()
	st, rev, err := l.p.store.load(work, l.spec.ID)
	if err != nil {
		return
	}
	if st.URL == l.spec.URL && !st.NextDue.IsZero() && l.scheduledAt(&st).After(now.Add(dueTolerance(l.interval(&st)))) {
		return // not due: polled meanwhile by another replica
	}
	if st.ClaimedBy != "" && st.ClaimedBy != l.p.opts.ReplicaID && st.ClaimUntil.After(now) {
		return
	}
	if st.URL != l.spec.URL {
		// A new URL: validators, redirects and seen ids of the old one do not apply.
		st = FeedState{URL: l.spec.URL, Polls: st.Polls, NotModified: st.NotModified, Published: st.Published, History: st.History}
	}
	st.ClaimedBy, st.ClaimUntil = l.p.opts.ReplicaID, now.Add(l.p.opts.ClaimTTL)
	rev, err = l.p.store.save(work, l.spec.ID, st, rev)
	if errors.Is(err, errConflict) {
		return // another replica claimed it first
	}
	if err != nil {
		l.log.Error().Err(err).Msg("cannot claim feed")
		return
	}

	if !l.poll(work, &st) {
		return // shutdown cut the poll short; the claim lapses by itself
	}
	st.ClaimedBy, st.ClaimUntil = "", time.Time{}
	if _, err := l.p.store.save(work, l.spec.ID, st, rev); err != nil {
		l.log.Warn().Err(err).Msg("cannot save feed state")
	}
}

// poll fetches the feed once and updates st with the outcome and the next
// due time. It returns false when the poll was cancelled by shutdown.
func (l *feedLoop) poll(ctx context.Context, st *FeedState) bool {
	fetchURL := st.URL
	if st.AdoptedURL != "" {
		fetchURL = st.AdoptedURL
	}
	release, err := l.p.hosts.acquire(ctx, fetchURL)
	if err != nil {
		return false
	}
	select {
	case l.p.sem <- struct{}{}:
	case <-ctx.Done():
		release()
		return false
	}
	start := time.Now()
	o, n, err := l.fetchAndPublish(ctx, st, fetchURL)
	<-l.p.sem
	release()
	if feeds.ClassOf(err) == feeds.ClassCanceled {
		return false
	}

	now := time.Now().UTC()
	host := hostOf(fetchURL)
	o.outage = l.p.outage.observe(host, err != nil && networkClass(o.class), now)
	l.schedule(st, o, err, now)
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
	l.p.opts.Metrics.poll(string(result), time.Since(start).Seconds())
	l.p.opts.Metrics.feed(l.spec.ID, st, n)
	if err != nil {
		l.log.Warn().Err(err).Str("result", string(result)).Int("consecutive_errors", st.Errors).
			Str("state", st.State).Time("next_due", st.NextDue).Msg("poll failed")
	} else {
		l.log.Debug().Str("result", string(result)).Int("published", n).
			Dur("interval", st.Interval()).Time("next_due", st.NextDue).Msg("polled")
	}
	return true
}

// schedule records the outcome of a poll in st and sets its next due time.
func (l *feedLoop) schedule(st *FeedState, o outcome, err error, now time.Time) {
	iv := l.interval(st)
	pinned := l.spec.Interval > 0
	var next time.Time
	switch {
	case err == nil:
		st.State, st.Errors, st.LastError = StateOK, 0, ""
		st.LastSuccess = now
		if o.fresh > 0 {
			st.LastNew = now
		}
		iv = adapt(iv, pinned, l.p.lim, o, st.LastNew, now)
		next = nextDue(now, l.spec.ID, iv)
	case o.outage:
		// Every host fails: the network is down, not the feed. Keep the
		// feed's record clean and try again at its normal interval.
		st.LastError = err.Error() + " (network down: not counted against the feed)"
		next = nextDue(now, l.spec.ID, iv)
	default:
		st.Errors++
		st.LastError = err.Error()
		st.State = StateFailing
		delay := backoff(iv, st.Errors, o.class, l.p.lim.max)
		var fe *feeds.FetchError
		if errors.As(err, &fe) && fe.StatusCode == 410 {
			st.State = StateGone
			delay = max(l.p.lim.max, iv)
		}
		next = now.Add(delay + jitter(delay))
		if o.retryAfter > 0 {
			until := now.Add(min(o.retryAfter, maxRetryAfter))
			l.p.hosts.pause(st.URL, until)
			st.State = StatePaused
			if until.After(next) {
				next = until
			}
		}
	}
	if paused := l.p.hosts.pausedUntil(st.URL); paused.After(next) {
		next = paused
	}
	st.IntervalSeconds = iv.Seconds()
	st.NextDue = skipHours(next, st.Hints)
}

// fetchAndPublish does the work of one poll and updates st's fetch state
// (validators, hints, redirects, seen ids) on success. It returns what the
// scheduler needs to know and the number of articles published.
func (l *feedLoop) fetchAndPublish(ctx context.Context, st *FeedState, fetchURL string) (outcome, int, error) {
	req := feeds.FetchRequest{URL: fetchURL, ETag: st.ETag, LastModified: st.LastModified}
	if unconditional() {
		req.ETag, req.LastModified = "", ""
	}
	res, err := l.p.opts.Fetcher.Fetch(ctx, req)
	if err != nil {
		o := outcome{class: feeds.ClassOf(err)}
		var fe *feeds.FetchError
		if errors.As(err, &fe) {
			o.retryAfter = fe.RetryAfter
			st.LastStatus = fe.StatusCode
		}
		return o, 0, err
	}
	st.LastStatus = res.StatusCode
	l.noteRedirect(st, fetchURL, res.PermanentURL)
	o := outcome{maxAge: res.CacheMaxAge, expires: res.Expires, hints: st.Hints}
	if res.NotModified {
		st.NotModified++
		o.notChanged = true
		return o, 0, nil
	}
	sum := sha256.Sum256(res.Body)
	bodyHash := hex.EncodeToString(sum[:])
	if bodyHash == st.BodyHash {
		st.NotModified++
		st.ETag, st.LastModified = res.ETag, res.LastModified
		o.notChanged = true
		return o, 0, nil
	}
	parsed, err := feeds.ParseBody(res.Body, res.ContentType)
	if err != nil {
		return outcome{class: feeds.ClassOf(err)}, 0, err
	}
	st.Hints = feeds.FeedHints(res.Body)
	o.hints = st.Hints
	articles := feeds.Normalise(feeds.FeedRef{ID: l.spec.ID, Title: l.spec.Title, URL: l.spec.URL}, parsed, time.Now())

	seen := make(map[string]bool, len(st.Seen))
	for _, id := range st.Seen {
		seen[id] = true
	}
	ids := make([]string, 0, len(articles))
	inDoc := make(map[string]bool, len(articles))
	var fresh []feeds.Article
	for _, a := range articles {
		if inDoc[a.ID] {
			continue // the same item twice in one document
		}
		inDoc[a.ID] = true
		ids = append(ids, a.ID)
		if !seen[a.ID] {
			fresh = append(fresh, a)
		}
	}
	if len(fresh) > 0 {
		if err := l.p.opts.Publisher.Publish(ctx, fresh); err != nil {
			// State is not advanced: the next poll fetches and publishes again.
			return outcome{class: "publish_error"}, 0, fmt.Errorf("worker: publish: %w", err)
		}
		for _, a := range fresh {
			l.log.Debug().Str("article_id", a.ID).Str("title", a.Title).Msg("published")
		}
	}
	st.ETag, st.LastModified, st.BodyHash = res.ETag, res.LastModified, bodyHash
	st.Seen = ids
	st.Published += int64(len(fresh))
	o.items, o.fresh = len(ids), len(fresh)
	return o, len(fresh), nil
}

// noteRedirect tracks permanent redirects and adopts the target once it
// has been seen redirectsToAdopt polls in a row.
func (l *feedLoop) noteRedirect(st *FeedState, fetchURL, permanent string) {
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
		l.log.Info().Str("from", fetchURL).Str("to", permanent).Msg("adopting permanent redirect")
		st.AdoptedURL = permanent
		st.RedirectURL, st.RedirectSeen = "", 0
	}
}
