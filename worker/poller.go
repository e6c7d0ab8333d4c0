package worker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
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
type Options struct {
	Interval    time.Duration // starting interval of adaptive feeds, default 5m
	MinInterval time.Duration // adaptive floor, default 2m
	MaxInterval time.Duration // adaptive ceiling and backoff cap, default 2h
	Concurrency int           // fetches in progress across all hosts, default 64
	PerHost     int           // fetches in progress per host, default 2
	HostSpacing time.Duration // minimum time between fetch starts on one host (zero: none)
	ClaimTTL    time.Duration // how long a replica's claim on a feed lasts, default 2m
	Grace       time.Duration // how long a poll in progress may finish after shutdown, default 5s
	ReplicaID   string        // names this poller in claims, default host-pid-random

	Fetcher   *feeds.Fetcher
	Publisher Publisher
	State     jetstream.KeyValue // the newswire_feeds bucket, shared by replicas
	Metrics   *Metrics
	Log       zerolog.Logger
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = 5 * time.Minute
	}
	if o.MinInterval <= 0 {
		o.MinInterval = 2 * time.Minute
	}
	if o.MaxInterval <= 0 {
		o.MaxInterval = 2 * time.Hour
	}
	o.MaxInterval = max(o.MaxInterval, o.MinInterval)
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	if o.PerHost <= 0 {
		o.PerHost = 2
	}
	if o.ClaimTTL <= 0 {
		o.ClaimTTL = 2 * time.Minute
	}
	if o.Grace <= 0 {
		o.Grace = 5 * time.Second
	}
	if o.ReplicaID == "" {
		host, _ := os.Hostname()
		o.ReplicaID = fmt.Sprintf("%s-%d-%04x", host, os.Getpid(), rand.IntN(1<<16))
	}
	return o
}

// Poller runs one loop per feed. Create it with New, start it with Run, and
// change its feeds with Sync at any time (also before Run). Several Pollers
// (replicas, on any machines) may share one State bucket: each feed's poll
// for a slot is claimed by exactly one of them.
type Poller struct {
	opts   Options
	lim    limits
	store  stateStore
	sem    chan struct{}
	hosts  *hosts
	outage *outage

	mu      sync.Mutex
	loops   map[string]*feedLoop
	runCtx  context.Context // set by Run; loops started before Run wait for it
	started time.Time
	wg      sync.WaitGroup
}

// New returns a Poller. It polls nothing until Run.
func New(opts Options) *Poller {
	opts = opts.withDefaults()
	return &Poller{
		opts:   opts,
		lim:    limits{def: min(max(opts.Interval, opts.MinInterval), opts.MaxInterval), min: opts.MinInterval, max: opts.MaxInterval},
		store:  stateStore{kv: opts.State},
		sem:    make(chan struct{}, opts.Concurrency),
		hosts:  newHosts(opts.PerHost, opts.HostSpacing),
		outage: newOutage(),
		loops:  map[string]*feedLoop{},
	}
}

// Run starts the loops of the feeds given to Sync and blocks until ctx is
// done. It then stops every loop, gives polls in progress Options.Grace to
// publish and save their state, and returns.
func (p *Poller) Run(ctx context.Context) error {
	// Polls in progress outlive ctx by at most Grace.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	p.mu.Lock()
	p.runCtx = work
	p.started = time.Now()
	for _, l := range p.loops {
		p.startLocked(l)
	}
	p.mu.Unlock()

	<-ctx.Done()
	p.mu.Lock()
	for _, l := range p.loops {
		l.stop()
	}
	p.mu.Unlock()

	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(p.opts.Grace):
		p.opts.Log.Warn().Dur("grace", p.opts.Grace).Msg("polls still running at shutdown; cancelling them")
		cancelWork()
		<-done
	}
	return nil
}

// Sync makes the running loops match specs: new feeds start, removed feeds
// stop (and their per-feed metrics go), feeds whose URL or interval changed
// restart, and unchanged feeds keep running undisturbed. Feed state is kept
// in the bucket either way, so a feed that comes back resumes its schedule.
func (p *Poller) Sync(specs []FeedSpec) {
	p.mu.Lock()
	defer p.mu.Unlock()
	want := make(map[string]FeedSpec, len(specs))
	for _, s := range specs {
		want[s.ID] = s
	}
	for id, l := range p.loops {
		if s, ok := want[id]; !ok || s != l.spec {
			l.stop()
			delete(p.loops, id)
			if !ok {
				p.opts.Metrics.forget(id)
			}
		}
	}
	for id, s := range want {
		if _, ok := p.loops[id]; ok {
			continue
		}
		l := newFeedLoop(p, s)
		p.loops[id] = l
		if p.runCtx != nil {
			p.startLocked(l)
		}
	}
}

func (p *Poller) startLocked(l *feedLoop) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		l.run(p.runCtx)
	}()
}
