package worker

import (
	"context"
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
	Interval time.Duration // zero: Options.Interval
}

// Options configures a Poller.
type Options struct {
	Interval    time.Duration // default poll interval, default 5m
	Concurrency int           // polls in progress at once across all feeds, default 16
	Grace       time.Duration // how long a poll in progress may finish after shutdown, default 5s
	Fetcher     *feeds.Fetcher
	Publisher   Publisher
	State       jetstream.KeyValue // the newswire_feeds bucket
	Metrics     *Metrics
	Log         zerolog.Logger
}

// Poller runs one loop per feed. Create it with New, start it with Run, and
// change its feeds with Sync at any time (also before Run).
type Poller struct {
	opts  Options
	store stateStore
	sem   chan struct{}

	mu      sync.Mutex
	loops   map[string]*feedLoop
	runCtx  context.Context // set by Run; loops started before Run wait for it
	started chan struct{}
	wg      sync.WaitGroup
}

// New returns a Poller. It polls nothing until Run.
func New(opts Options) *Poller {
	if opts.Interval <= 0 {
		opts.Interval = 5 * time.Minute
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 16
	}
	if opts.Grace <= 0 {
		opts.Grace = 5 * time.Second
	}
	return &Poller{
		opts:    opts,
		store:   stateStore{kv: opts.State},
		sem:     make(chan struct{}, opts.Concurrency),
		loops:   map[string]*feedLoop{},
		started: make(chan struct{}),
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
	for _, l := range p.loops {
		p.startLocked(l)
	}
	close(p.started)
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

// Sync makes the running loops match specs: new feeds start (with a poll
// right away), removed feeds stop, feeds whose URL or interval changed
// restart, and unchanged feeds keep running undisturbed.
func (p *Poller) Sync(specs []FeedSpec) {
	p.mu.Lock()
	defer p.mu.Unlock()
	want := make(map[string]FeedSpec, len(specs))
	for _, s := range specs {
		if s.Interval <= 0 {
			s.Interval = p.opts.Interval
		}
		want[s.ID] = s
	}
	for id, l := range p.loops {
		if s, ok := want[id]; !ok || s != l.spec {
			l.stop()
			delete(p.loops, id)
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
