package worker

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/newswire/newswire/feeds"
)

// Publisher stores a batch of articles and returns once the broker has
// acknowledged all of them. pipeline.RawPublisher implements it.
type Publisher interface {
	Publish(ctx context.Context, articles []feeds.Article) error
}

// FeedSpec is one feed to poll.
type FeedSpec struct {
	ID       string
	URL      string
	Title    string
	Interval time.Duration // non-zero pins the interval (even below MinInterval); zero: adaptive
}

// Options configures a Poller. Zero values take the defaults noted.
//
// The settings a user configures (intervals, concurrency, per host, the
// lease) are required: their defaults are the configuration's
// (configs.Default), and New refuses what is missing. Grace and ReplicaID
// are the poller's own.
type Options struct {
	Interval    time.Duration // starting interval of adaptive feeds
	MinInterval time.Duration // adaptive floor
	MaxInterval time.Duration // adaptive ceiling and backoff cap, at least MinInterval
	Concurrency int           // fetches in progress across all hosts
	PerHost     int           // fetches in progress per host
	HostSpacing time.Duration // minimum time between fetch starts on one host (zero: none)
	ClaimTTL    time.Duration // how long a replica's lease on a feed outlasts its next due time
	Grace       time.Duration // how long polls in progress may finish after shutdown, default 1s (run must stop within 2s of SIGTERM)
	ReplicaID   string        // names this poller in leases, default host-pid-random

	Fetcher   *feeds.Fetcher
	Publisher Publisher
	State     jetstream.KeyValue // the newswire_feeds bucket, shared by replicas
	Metrics   *Metrics
	Log       zerolog.Logger
}

// check reports the first required setting opts lacks.
func (o Options) check() error {
	switch {
	case o.Interval <= 0, o.MinInterval <= 0, o.MaxInterval < o.MinInterval:
		return fmt.Errorf("worker: intervals must be positive with max ≥ min, got %s (min %s, max %s)", o.Interval, o.MinInterval, o.MaxInterval)
	case o.Concurrency <= 0 || o.PerHost <= 0:
		return fmt.Errorf("worker: concurrency and per-host limit must be positive, got %d and %d", o.Concurrency, o.PerHost)
	case o.ClaimTTL <= 0:
		return fmt.Errorf("worker: claim TTL must be positive, got %s", o.ClaimTTL)
	case o.Fetcher == nil || o.Publisher == nil || o.State == nil:
		return errors.New("worker: a fetcher, a publisher and a state bucket are required")
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Grace <= 0 {
		o.Grace = time.Second
	}
	if o.ReplicaID == "" {
		host, _ := os.Hostname()
		o.ReplicaID = fmt.Sprintf("%s-%d-%04x", host, os.Getpid(), rand.IntN(1<<16))
	}
	return o
}

// minHostGap is the least time between the slots of one host's feeds (see
// feedPhases) when Options.HostSpacing is shorter.
const minHostGap = 250 * time.Millisecond

// Poller schedules every feed's polls. One dispatcher goroutine keeps the
// feeds in a queue ordered by when each is next due and starts a goroutine
// per feed only while that feed is being polled, so 10,000 idle feeds cost
// a heap entry each, not a goroutine and a timer. Dispatch stops while
// maxInflight polls run: when feeds fall due faster than they can be
// fetched, the backlog waits in the queue, in due order, not as goroutines
// parked on the fetch slots. A poll waiting for its host (busy, spaced or
// paused) does not count, so such a host never holds up others' feeds.
//
// Create it with New, start it with Run, and change its feeds with Sync at
// any time (also before Run). Several Pollers (replicas, on any machines) may
// share one State bucket: a feed is polled by the replica holding its lease,
// taken by a compare-and-set on the state's revision.
type Poller struct {
	opts   Options
	lim    limits
	store  stateStore
	sem    chan struct{}
	parses chan struct{} // documents being parsed: at most one per CPU
	gap    time.Duration // between the slots of one host's feeds
	hosts  *hosts
	outage *outage

	mu       sync.Mutex
	tasks    map[string]*feedTask
	queue    taskQueue
	running  bool      // Run has started and not stopped
	stopping bool      // Run is shutting down: nothing is queued again
	started  time.Time // when Run started (catch-up spreading)
	kick     chan struct{}
	polls    sync.WaitGroup
	inflight int             // polls started by dispatch and not finished, less those waiting for their host
	work     context.Context // polls in progress; outlives Run's ctx by Grace
	waits    context.Context // waits for host slots; cancelled at shutdown
}

// New returns a Poller. It polls nothing until Run.
func New(opts Options) (*Poller, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	return &Poller{
		opts:   opts,
		lim:    limits{def: min(max(opts.Interval, opts.MinInterval), opts.MaxInterval), min: opts.MinInterval, max: opts.MaxInterval},
		store:  stateStore{kv: opts.State},
		sem:    make(chan struct{}, opts.Concurrency),
		parses: make(chan struct{}, max(runtime.GOMAXPROCS(0), 2)),
		gap:    max(opts.HostSpacing, minHostGap),
		hosts:  newHosts(opts.PerHost, opts.HostSpacing),
		outage: newOutage(),
		tasks:  map[string]*feedTask{},
		kick:   make(chan struct{}, 1),
	}, nil
}

// Run loads the saved state of every feed, dispatches polls as feeds fall
// due and blocks until ctx is done. It then stops dispatching, lets polls in
// progress finish within Options.Grace, releases this replica's leases so
// another process can take over at once, and returns.
func (p *Poller) Run(ctx context.Context) error {
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	waits, cancelWaits := context.WithCancel(ctx)
	defer cancelWaits()

	saved := p.loadAll(ctx)
	p.mu.Lock()
	p.work, p.waits = work, waits
	p.running, p.started = true, time.Now()
	for id, t := range p.tasks {
		if st, ok := saved[id]; ok {
			t.st, t.rev, t.loaded = st.FeedState, st.rev, true
		}
		p.queue.remove(t)
		t.wake = t.dueAt(p.started)
		if t.pollNow {
			t.wake = p.started
		}
		heap.Push(&p.queue, t)
	}
	p.mu.Unlock()

	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next, ok := p.dispatch(time.Now())
		wait := time.Hour
		if ok {
			wait = max(time.Until(next), 0)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			p.shutdown(cancelWork)
			return nil
		case <-timer.C:
		case <-p.kick:
		}
	}
}

// dispatch starts a poll for every feed due at now and returns the wake
// time of the next one.
func (p *Poller) dispatch(now time.Time) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.queue) > 0 && !p.queue[0].wake.After(now) {
		if p.inflight >= p.maxInflight() {
			return time.Time{}, false // a poll that ends kicks the dispatcher
		}
		t := heap.Pop(&p.queue).(*feedTask)
		force := t.pollNow
		t.pollNow = false
		p.inflight++
		p.polls.Add(1)
		go func() {
			defer p.polls.Done()
			defer p.addRunning(-1)
			t.run(p.work, p.waits, force)
		}()
	}
	if len(p.queue) == 0 {
		return time.Time{}, false
	}
	return p.queue[0].wake, true
}

// maxInflight bounds the polls running at once, not counting those waiting
// for their host (see poll): four times the fetch limit, so that
// polls loading state, taking leases or saving never leave a fetch slot
// without a poll waiting for it.
func (p *Poller) maxInflight() int { return 4 * p.opts.Concurrency }

// addRunning adds delta to the polls counted against maxInflight; when one
// leaves the count (it ended, or waits for its host), the dispatcher looks
// at the queue again.
func (p *Poller) addRunning(delta int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inflight += delta
	if delta < 0 {
		p.wakeUp()
	}
}

// requeue puts t back in the queue to wake at wake, unless it was removed
// or the poller is stopping.
func (p *Poller) requeue(t *feedTask, wake time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.removed || p.stopping {
		return
	}
	if t.pollNow { // asked for while it ran
		wake = time.Now()
	}
	t.wake = wake
	heap.Push(&p.queue, t)
	p.wakeUp()
}

// wakeUp makes the dispatcher look at the queue again. Call with p.mu held.
func (p *Poller) wakeUp() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *Poller) shutdown(cancelWork context.CancelFunc) {
	p.mu.Lock()
	p.stopping = true
	p.mu.Unlock()

	done := make(chan struct{})
	go func() { p.polls.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(p.opts.Grace):
		p.opts.Log.Warn().Dur("grace", p.opts.Grace).Msg("polls still running at shutdown; cancelling them")
		cancelWork()
		<-done
	}
	p.releaseLeases()
}

// releaseLeases gives up this replica's leases, so that a restarted or
// another poller need not wait for them to lapse.
func (p *Poller) releaseLeases() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	p.mu.Lock()
	var held []*feedTask
	for _, t := range p.tasks {
		if t.st.ClaimedBy == p.opts.ReplicaID {
			held = append(held, t)
		}
	}
	p.mu.Unlock()
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for _, t := range held {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			st := t.st
			st.ClaimedBy, st.ClaimUntil = "", time.Time{}
			_, _ = p.store.save(ctx, t.spec.ID, st, t.rev)
		}()
	}
	wg.Wait()
}

// savedState is a feed's state as loaded at start.
type savedState struct {
	FeedState
	rev uint64
}

// loadAll reads every feed state in one pass over the bucket. Feeds it
// misses (a read error) are loaded one by one when first due.
func (p *Poller) loadAll(ctx context.Context) map[string]savedState {
	out := map[string]savedState{}
	w, err := p.opts.State.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		p.opts.Log.Warn().Err(err).Msg("cannot read feed states in bulk; loading them one by one")
		return out
	}
	defer w.Stop()
	for entry := range w.Updates() {
		if entry == nil {
			break // all current values delivered
		}
		if !isStateKey(entry.Key()) {
			continue
		}
		var st FeedState
		if json.Unmarshal(entry.Value(), &st) == nil {
			out[entry.Key()] = savedState{FeedState: st, rev: entry.Revision()}
		}
	}
	return out
}

// Sync makes the scheduled feeds match specs: new feeds are added (due at
// once, or spread over a short window when many arrive together), removed
// feeds leave the queue (a poll in progress finishes) and lose their
// per-feed metrics, changed feeds (URL or interval) start afresh, and
// unchanged feeds keep their schedule. Feed state stays in the bucket, so a
// feed that comes back resumes where it was.
func (p *Poller) Sync(specs []FeedSpec) {
	p.mu.Lock()
	defer p.mu.Unlock()
	want := make(map[string]FeedSpec, len(specs))
	for _, s := range specs {
		want[s.ID] = s
	}
	for id, t := range p.tasks {
		if s, ok := want[id]; !ok || s != t.spec {
			t.removed = true
			p.queue.remove(t)
			delete(p.tasks, id)
			if !ok {
				p.opts.Metrics.forget(id)
			}
		}
	}
	var added []*feedTask
	for id, s := range want {
		if _, ok := p.tasks[id]; !ok {
			p.opts.Metrics.known(id)
			t := newFeedTask(p, s)
			p.tasks[id] = t
			added = append(added, t)
		}
	}
	for id, phase := range feedPhases(specs, p.gap) {
		p.tasks[id].phase.Store(phase)
	}
	// Many new feeds at once (a first start, an import) are spread over up
	// to 25 ms each, at most five minutes, instead of all polled at once:
	// a first poll publishes every item of a document, and 10,000 of them
	// in a burst would cost the broker (and the process) hundreds of MB.
	spread := min(time.Duration(len(added))*25*time.Millisecond, 5*time.Minute)
	now := time.Now()
	for _, t := range added {
		t.spread = spread
		if p.running {
			t.wake = now.Add(slotOffset(t.phase.Load(), min(spread, t.interval())+1))
			heap.Push(&p.queue, t)
		}
	}
	if p.running && len(added) > 0 {
		p.wakeUp()
	}
}

// isStateKey tells feed state keys from the other keys of the bucket
// (seen ids live under "<feed>.seen"; feed ids never contain a dot).
func isStateKey(key string) bool {
	for i := 0; i < len(key); i++ {
		if key[i] == '.' {
			return false
		}
	}
	return true
}
