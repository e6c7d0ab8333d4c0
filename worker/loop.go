package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/rs/zerolog"

	"github.com/newswire/newswire/feeds"
)

// feedLoop polls one feed until stopped.
type feedLoop struct {
	p    *Poller
	spec FeedSpec
	log  zerolog.Logger
	quit chan struct{} // closed by stop: no further polls
	once chan struct{} // guards quit
}

func newFeedLoop(p *Poller, spec FeedSpec) *feedLoop {
	return &feedLoop{
		p:    p,
		spec: spec,
		log:  p.opts.Log.With().Str("component", "poller").Str("feed_id", spec.ID).Logger(),
		quit: make(chan struct{}),
		once: make(chan struct{}, 1),
	}
}

// stop ends the loop's waiting; a poll in progress finishes. Safe to call
// more than once.
func (l *feedLoop) stop() {
	select {
	case l.once <- struct{}{}:
		close(l.quit)
	default:
	}
}

// run polls right away, then once per interval with a little jitter, until
// stop is called or work is cancelled.
func (l *feedLoop) run(work context.Context) {
	for {
		select {
		case <-l.quit:
			return
		case <-work.Done():
			return
		case l.p.sem <- struct{}{}:
		}
		l.poll(work)
		<-l.p.sem

		t := time.NewTimer(jitter(l.spec.Interval))
		select {
		case <-l.quit:
			t.Stop()
			return
		case <-work.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// jitter spreads polls of feeds with the same interval by up to ±5%.
func jitter(d time.Duration) time.Duration {
	span := int64(d / 10)
	if span <= 0 {
		return d
	}
	return d - time.Duration(span/2) + time.Duration(rand.Int64N(span))
}

// poll fetches the feed once and records the outcome in its state.
func (l *feedLoop) poll(ctx context.Context) {
	start := time.Now()
	st, err := l.p.store.load(ctx, l.spec.ID)
	if err != nil {
		l.log.Error().Err(err).Msg("cannot load feed state; skipping this poll")
		l.p.opts.Metrics.poll("state_error", time.Since(start).Seconds())
		return
	}
	if st.URL != l.spec.URL {
		// A new URL: validators and seen ids of the old one do not apply.
		st = FeedState{URL: l.spec.URL, Polls: st.Polls, NotModified: st.NotModified, Published: st.Published}
	}
	result, n, err := l.fetchAndPublish(ctx, &st)
	if feeds.ClassOf(err) == feeds.ClassCanceled {
		return // shutdown cut the poll short: not the feed's fault, nothing to record
	}
	now := time.Now().UTC()
	st.Polls++
	st.LastPoll = now
	st.LastResult = result
	st.NextDue = now.Add(l.spec.Interval)
	if err != nil {
		st.Errors++
		st.LastError = err.Error()
		l.log.Warn().Err(err).Str("result", result).Int("consecutive_errors", st.Errors).Msg("poll failed")
	} else {
		st.Errors = 0
		st.LastError = ""
		st.LastSuccess = now
		l.log.Debug().Str("result", result).Int("published", n).Msg("polled")
	}
	if err := l.p.store.save(ctx, l.spec.ID, st); err != nil {
		l.log.Error().Err(err).Msg("cannot save feed state")
	}
	l.p.opts.Metrics.poll(result, time.Since(start).Seconds())
}

// fetchAndPublish does the work of one poll and updates st for success. It
// returns the poll's result label and the number of articles published.
func (l *feedLoop) fetchAndPublish(ctx context.Context, st *FeedState) (string, int, error) {
	res, err := l.p.opts.Fetcher.Fetch(ctx, feeds.FetchRequest{URL: l.spec.URL, ETag: st.ETag, LastModified: st.LastModified})
	if err != nil {
		return string(feeds.ClassOf(err)), 0, err
	}
	st.LastStatus = res.StatusCode
	if res.NotModified {
		st.NotModified++
		return "not_modified", 0, nil
	}
	sum := sha256.Sum256(res.Body)
	bodyHash := hex.EncodeToString(sum[:])
	if bodyHash == st.BodyHash {
		st.ETag, st.LastModified = res.ETag, res.LastModified
		return "unchanged", 0, nil
	}
	parsed, err := feeds.ParseBody(res.Body, res.ContentType)
	if err != nil {
		return string(feeds.ClassOf(err)), 0, err
	}
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
			return "publish_error", 0, fmt.Errorf("worker: publish: %w", err)
		}
		l.p.opts.Metrics.published(len(fresh))
		for _, a := range fresh {
			l.log.Debug().Str("article_id", a.ID).Str("title", a.Title).Msg("published")
		}
	}
	st.ETag, st.LastModified, st.BodyHash = res.ETag, res.LastModified, bodyHash
	st.Seen = ids
	st.Published += int64(len(fresh))
	return "ok", len(fresh), nil
}
