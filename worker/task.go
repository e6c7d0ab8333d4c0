package worker

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/newswire/newswire/feeds"
	"github.com/rs/zerolog"
)

// errNotDue means a feed is not to be polled now: polled meanwhile by
// another replica, or leased by one.
var errNotDue = errors.New("worker: not due")

// feedTask is one feed in the poller: its spec, its place in the queue and
// the state it last read or wrote. The poller runs a task on one goroutine at
// a time (a task is either queued or running), so the state fields need no
// lock; the scheduling fields are guarded by Poller.mu.
type feedTask struct {
	p    *Poller
	spec FeedSpec
	host string // hostOf(spec.URL); a changed URL makes a new task

	// Guarded by p.mu.
	wake    time.Time
	index   int // in p.queue, -1 when not queued
	removed bool
	spread  time.Duration // first polls of feeds added together are spread over this
	pollNow bool          // PollNow asked for a poll: dispatch at once, poll even if not due

	phase atomic.Uint64 // place of the feed's slots in any interval (feedPhases); set by Sync

	// Touched only by the goroutine running the task.
	st         FeedState
	rev        uint64 // revision of st in the bucket; 0: none stored
	loaded     bool   // st and rev reflect the bucket as last seen
	seen       []feeds.ItemHash
	seenLoaded bool
}

func newFeedTask(p *Poller, spec FeedSpec) *feedTask {
	return &feedTask{
		p:     p,
		spec:  spec,
		host:  hostOf(spec.URL),
		index: -1,
	}
}

// log starts a log line about the feed at level: nil, which logs nothing,
// when the level is off. (A logger per feed with these fields built in
// would cost 10,000 feeds 6 MB for lines most feeds never write.)
func (t *feedTask) log(level zerolog.Level) *zerolog.Event {
	return t.p.opts.Log.WithLevel(level).Str("component", "poller").Str("feed_id", t.spec.ID)
}

// run does what is due for the feed now — load its state, take its lease,
// poll it, save — and puts it back in the queue for its next due time.
// With force (PollNow), a feed not due yet is polled all the same.
func (t *feedTask) run(work, waits context.Context, force bool) {
	now := time.Now()
	if !t.loaded {
		st, rev, err := t.p.store.load(work, t.spec.ID)
		if err != nil {
			t.log(zerolog.ErrorLevel).Err(err).Msg("cannot load feed state; retrying in 5s")
			t.p.requeue(t, now.Add(5*time.Second))
			return
		}
		t.st, t.rev, t.loaded = st, rev, true
		if due := t.dueAt(now); !force && due.After(now.Add(dueTolerance(t.interval()))) {
			t.p.requeue(t, due)
			return
		}
	}
	if !t.owns(now) {
		if err := t.acquire(work, now, force); err != nil {
			if !errors.Is(err, errNotDue) {
				t.log(zerolog.WarnLevel).Err(err).Msg("cannot take the feed's lease")
			}
			t.p.requeue(t, latest(t.dueAt(time.Now()), time.Now().Add(time.Second)))
			return
		}
	}
	if until := t.p.hosts.pausedUntil(t.fetchHost()); until.After(now) {
		// The host asked for a pause (Retry-After on another of its
		// feeds): say so in the feed's state, and come back then.
		t.st.State, t.st.NextDue = StatePaused, until
		t.save(work)
		return
	}
	if !t.poll(work, waits) {
		return // shutdown: the lease is released or lapses
	}
	t.save(work)
}

// save stores the feed's state with its lease renewed to its next due
// time, and puts the feed back in the queue for then.
func (t *feedTask) save(work context.Context) {
	t.st.ClaimedBy, t.st.ClaimUntil = t.p.opts.ReplicaID, t.st.NextDue.Add(t.p.opts.ClaimTTL)
	rev, err := t.p.store.save(work, t.spec.ID, t.st, t.rev)
	switch {
	case errors.Is(err, errConflict):
		t.log(zerolog.WarnLevel).Msg("another replica took the feed over while it was being polled")
		t.loaded, t.seenLoaded = false, false
	case err != nil:
		t.log(zerolog.ErrorLevel).Err(err).Msg("cannot save feed state")
		t.loaded = false
	default:
		t.rev = rev
	}
	t.p.requeue(t, t.dueAt(time.Now()))
}

// owns reports whether this replica holds the feed's lease.
func (t *feedTask) owns(now time.Time) bool {
	return t.st.ClaimedBy == t.p.opts.ReplicaID && now.Before(t.st.ClaimUntil) && t.st.URL == t.spec.URL
}

// acquire takes the feed's lease with a compare-and-set on the revision
// last seen. It returns errNotDue when the feed is not due (polled by another
// replica meanwhile; unless force) or another replica's lease is still valid.
func (t *feedTask) acquire(ctx context.Context, now time.Time, force bool) error {
	for attempt := 0; attempt < 2; attempt++ {
		if t.st.ClaimedBy != "" && t.st.ClaimedBy != t.p.opts.ReplicaID && t.st.ClaimUntil.After(now) && t.st.URL == t.spec.URL {
			return errNotDue
		}
		if !force && t.st.URL == t.spec.URL && !t.st.NextDue.IsZero() && t.scheduledAt().After(now.Add(dueTolerance(t.interval()))) {
			return errNotDue
		}
		st := t.st
		if st.URL != t.spec.URL {
			// A new URL: validators, redirects and seen ids of the old one do not apply.
			st = FeedState{URL: t.spec.URL, Polls: st.Polls, NotModified: st.NotModified, Published: st.Published, History: st.History}
			t.seen, t.seenLoaded = nil, true
		}
		st.ClaimedBy, st.ClaimUntil = t.p.opts.ReplicaID, now.Add(t.p.opts.ClaimTTL)
		rev, err := t.p.store.save(ctx, t.spec.ID, st, t.rev)
		if err == nil {
			t.st, t.rev = st, rev
			if !t.seenLoaded {
				t.seen, err = t.p.store.loadSeen(ctx, t.spec.ID)
				if err != nil {
					return err
				}
				t.seenLoaded = true
			}
			return nil
		}
		if !errors.Is(err, errConflict) {
			return err
		}
		// Someone wrote the state since we read it: look again.
		t.st, t.rev, err = t.p.store.load(ctx, t.spec.ID)
		t.seenLoaded = false
		if err != nil {
			t.loaded = false
			return err
		}
	}
	return errNotDue
}

// interval is the feed's current interval: the pinned one, or what the
// scheduler adapted it to, or the default.
func (t *feedTask) interval() time.Duration {
	if t.spec.Interval > 0 {
		return t.spec.Interval
	}
	if iv := t.st.Interval(); iv > 0 {
		return min(max(iv, t.p.lim.min), t.p.lim.max)
	}
	return t.p.lim.def
}

// scheduledAt is when the feed's state says it is due: its NextDue, or
// earlier when a pinned interval was shortened in the config since.
func (t *feedTask) scheduledAt() time.Time {
	due := t.st.NextDue
	if t.st.Errors == 0 && !t.st.LastPoll.IsZero() {
		due = earliest(due, nextDue(t.st.LastPoll, t.phase.Load(), t.interval(), t.p.gap))
	}
	return due
}

// dueAt is when the task should next run, as seen from now.
func (t *feedTask) dueAt(now time.Time) time.Time {
	if t.st.URL != t.spec.URL || t.st.NextDue.IsZero() {
		// Never polled (or a new URL): now, or spread with the feeds added
		// together with it.
		return now.Add(slotOffset(t.phase.Load(), min(t.spread, t.interval())+1))
	}
	due := t.scheduledAt()
	if t.st.ClaimedBy != "" && t.st.ClaimedBy != t.p.opts.ReplicaID && t.st.ClaimUntil.After(due) {
		due = t.st.ClaimUntil // another replica holds the feed; look again when its lease lapses
	}
	if due.Before(t.p.started) {
		// Overdue after downtime: spread the catch-up over up to a minute
		// by the feed's slot instead of polling every feed at once.
		due = now.Add(slotOffset(t.phase.Load(), min(t.interval(), time.Minute)))
	}
	return due
}

// dueTolerance is how early a run may be and still poll: timers fire a
// little early or late, but a feed polled a moment ago by another replica is
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
