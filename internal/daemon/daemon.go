// Package daemon is newswire's composition root: it builds one process
// from a resolved configuration — the broker connection (starting the
// embedded server when no nats.url is set), the streams and buckets, the
// parts `run --only` names and the HTTP endpoint — and runs it. Every
// program that runs newswire's parts (cmd/newswire, the benches) builds
// them here, so the wiring exists once.
//
//	configs.Config ─▶ New ─▶ embedded server? ─▶ Connect ─▶ EnsureTopology (+ upgrade) ─▶ store check
//	                          poller (worker)   story stage (dedupe.Stage + tag.Tagger)   HTTP (/metrics …)
//	Run(ctx): every part and the HTTP server until ctx is done; Close: reverse order.
//
// It is the only package below cmd that reads the whole configuration.
package daemon

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/internal/buildinfo"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/dedupe"
	"github.com/newswire/newswire/pipeline/dedupe/near"
	"github.com/newswire/newswire/pipeline/tag"
	"github.com/newswire/newswire/worker"
)

// Parts says which components a process runs (`run --only`): the poller
// and the story stage, which dedupes and tags in one hop.
type Parts struct{ Poll, Stories bool }

// ParseParts reads a comma list of poll, dedupe and tag; "" is every part.
// dedupe and tag both name the story stage (they were two stages before
// it; a deployment's `--only tag` keeps working).
func ParseParts(s string) (Parts, error) {
	if strings.TrimSpace(s) == "" {
		return Parts{Poll: true, Stories: true}, nil
	}
	var p Parts
	for name := range strings.SplitSeq(s, ",") {
		switch strings.TrimSpace(name) {
		case "":
		case "poll":
			p.Poll = true
		case "dedupe", "tag":
			p.Stories = true
		default:
			return p, fmt.Errorf("unknown part %q (want poll, dedupe, tag)", strings.TrimSpace(name))
		}
	}
	return p, nil
}

// Deps are what a Daemon takes from its program besides the configuration.
type Deps struct {
	// Getenv reads the environment (the nats CLI's context files are
	// found through XDG_CONFIG_HOME and HOME); the program's only reader.
	Getenv func(string) string
	Log    zerolog.Logger
	// ConnectWait is how long New waits for an external broker that does
	// not answer (restarting, or started after newswire); zero: a minute.
	ConnectWait time.Duration
}

// Daemon is one running newswire process: its broker connection, its parts
// and its HTTP endpoint. New builds it; Run runs it until ctx is done;
// Close releases what New acquired, in reverse order.
type Daemon struct {
	cfg   *configs.Config
	parts Parts
	log   zerolog.Logger

	server  *pipeline.EmbeddedServer // nil with an external nats.url
	store   *pipeline.StoreWatch     // the embedded store's damage watch; nil with an external nats.url
	url     string                   // the broker's URL
	nc      *nats.Conn
	closed  chan struct{} // closed when nc is
	js      jetstream.JetStream
	res     *pipeline.Resources
	metrics *pipeline.Metrics
	reg     *prometheus.Registry

	poller *worker.Poller
	stage  *dedupe.Stage // the story stage
	tagger *tag.Tagger

	httpLn net.Listener
	ready  atomic.Bool
	status *statusPage // GET / and /tail (statuspage.go); set by handler

	reloads, reloadFailures prometheus.Counter
}

// buildInfo is newswire_build_info: 1, labelled with what is running.
func buildInfo() prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "newswire_build_info",
		Help: "1, labelled with the version, VCS revision and Go version of the running binary.",
		ConstLabels: prometheus.Labels{
			"version": buildinfo.Version(), "revision": buildinfo.Revision(), "goversion": buildinfo.GoVersion(),
		},
	})
	g.Set(1)
	return g
}

// NATSURL is the URL other processes use to reach the daemon's broker.
func (d *Daemon) NATSURL() string { return d.url }

// HTTPAddr is the address /metrics, /healthz and /readyz are served on.
func (d *Daemon) HTTPAddr() string { return d.httpLn.Addr().String() }

// New connects (starting the embedded server if configured), makes sure
// the streams, consumers and buckets exist, and builds the parts of p with
// the topic rules. cfg is a loaded and validated configuration (configs
// resolves every default). On error everything acquired so far is
// released; a ctx cancelled while waiting for the broker ends the wait.
func New(ctx context.Context, cfg *configs.Config, rules *tag.Rules, p Parts, deps Deps) (_ *Daemon, err error) {
	log := deps.Log
	d := &Daemon{cfg: cfg, parts: p, log: log, reg: prometheus.NewRegistry()}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	d.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), buildInfo())
	d.metrics = pipeline.NewMetrics(d.reg)
	d.reloads = prometheus.NewCounter(prometheus.CounterOpts{Name: "newswire_reloads_total", Help: "Configuration reloads applied (SIGHUP or a changed file)."})
	d.reloadFailures = prometheus.NewCounter(prometheus.CounterOpts{Name: "newswire_reload_failures_total", Help: "Reloads refused because the new configuration or rules were invalid; the daemon kept what it had."})
	d.reg.MustRegister(d.reloads, d.reloadFailures)

	d.httpLn, err = net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return nil, fmt.Errorf("http.listen %s: %w", cfg.HTTP.Listen, err)
	}

	url, natsOpts, err := NATSOptions(cfg.NATS, deps.Getenv)
	if err != nil {
		return nil, err
	}
	if url == "" {
		d.store, err = pipeline.OpenStoreWatch(cfg.NATS.Embedded.StoreDir, d.reg, log)
		if err != nil {
			return nil, err
		}
		d.server, err = pipeline.StartEmbedded(pipeline.EmbeddedOptions{
			Listen:       cfg.NATS.Embedded.Listen,
			StoreDir:     cfg.NATS.Embedded.StoreDir,
			SyncInterval: cfg.NATS.Embedded.SyncInterval.Every,
			SyncAlways:   cfg.NATS.Embedded.SyncInterval.Always,
			OnWarning:    d.store.Report,
		}, log)
		if err != nil {
			return nil, err
		}
		url = d.server.ClientURL()
		if !p.Stories {
			// A poller's few messages are cheaper in memory than over
			// loopback. The stages' stream of them is not: an in-process
			// connection hands every write over synchronously, and
			// bench/pipeline measured 16% fewer articles/s through it.
			natsOpts = append(natsOpts, d.server.InProcess())
		}
		log.Info().Str("url", url).Str("store_dir", cfg.NATS.Embedded.StoreDir).Msg("embedded NATS server started")
	}
	d.url = url
	d.closed = make(chan struct{})
	natsOpts = append(natsOpts, nats.ClosedHandler(func(*nats.Conn) { close(d.closed) }))
	d.nc, err = pipeline.Connect(ctx, url, "newswire", cmp.Or(deps.ConnectWait, time.Minute), log, natsOpts...)
	if err != nil {
		return nil, err
	}
	d.js, err = jetstream.New(d.nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	topo := pipeline.DefaultTopology()
	topo.Replicas = cfg.NATS.Replicas
	setupCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	d.res, err = pipeline.EnsureTopology(setupCtx, d.js, topo)
	if err != nil {
		return nil, err
	}
	if len(d.res.Upgraded) > 0 {
		log.Info().Strs("removed", d.res.Upgraded).Msg("store upgraded to the one-hop story stage: what the previous version kept between dedupe and tag is gone; memory is rebuilt from NEWS_TAGGED")
	}
	if cfg.Dedupe.TTL != 0 {
		log.Warn().Msg("dedupe.ttl is no longer used: exact keys are remembered as long as near-duplicates (dedupe.window)")
	}
	if d.store != nil {
		// Before anything writes: compare what the server recovered with
		// what the last run left.
		if err := d.store.Check(setupCtx, d.js); err != nil {
			return nil, err
		}
	}

	if p.Poll {
		d.metrics.Health().Start("poll")
		m := worker.NewMetrics(d.reg, d.metrics.Published.WithLabelValues("poll"), cfg.HTTP.PerFeedMetrics)
		d.poller, err = NewPoller(cfg.Poll, pipeline.NewRawPublisher(d.js).ReportTo(d.metrics.Health()), d.res.FeedState, m, log)
		if err != nil {
			return nil, err
		}
		d.poller.Sync(feedSpecs(cfg))
	}
	if p.Stories {
		d.tagger = tag.NewTagger(rules, tag.NewMetrics(d.reg))
		d.stage = dedupe.New(d.js, dedupe.Options{
			Memory:    near.IndexConfig{Window: cfg.Dedupe.Window.D(), MaxStories: cfg.Dedupe.MaxStories, Params: near.DefaultParams().Stricter(cfg.Dedupe.Strictness)},
			Near:      cfg.Dedupe.Near,
			NoUpdates: !cfg.Dedupe.Updates,
			Tagger:    d.tagger,
			Metrics:   dedupe.NewMetrics(d.reg, cfg.HTTP.PerFeedMetrics),
			Snapshots: d.res.Memory,
		}, d.metrics, log)
	}
	return d, nil
}

// NewPoller builds the poller the poll settings describe, publishing with
// pub and keeping the feeds' state in state: the daemon's, and what
// bench/poll measures.
func NewPoller(p configs.Poll, pub worker.Publisher, state jetstream.KeyValue, m *worker.Metrics, log zerolog.Logger) (*worker.Poller, error) {
	f, err := feeds.NewFetcher(feeds.FetcherOptions{
		Timeout:      p.Timeout.D(),
		MaxBody:      int64(p.MaxBody),
		UserAgent:    p.UserAgent,
		AllowPrivate: p.AllowPrivate,
		AllowHosts:   p.AllowHosts,
		IdleTimeout:  2*p.HostSpacing.D() + time.Second, // a host's next feed, a spacing later, finds the connection
	})
	if err != nil {
		return nil, err
	}
	return worker.New(worker.Options{
		Interval:    p.Interval.D(),
		MinInterval: p.MinInterval.D(),
		MaxInterval: p.MaxInterval.D(),
		Concurrency: p.Concurrency,
		PerHost:     p.PerHost,
		HostSpacing: p.HostSpacing.D(),
		ClaimTTL:    2*p.Timeout.D() + time.Minute,
		Fetcher:     f,
		Publisher:   pub,
		State:       state,
		Metrics:     m,
		Log:         log,
	})
}

func feedSpecs(cfg *configs.Config) []worker.FeedSpec {
	specs := make([]worker.FeedSpec, len(cfg.Feeds))
	for i, f := range cfg.Feeds {
		specs[i] = worker.FeedSpec{ID: f.ID, URL: f.URL, Title: f.Title, Interval: f.Interval.D()}
	}
	return specs
}

// Run runs the parts and the HTTP endpoint until ctx is done, then stops
// pulling and polling, lets work in flight finish and returns.
func (d *Daemon) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	srv := &http.Server{Handler: d.handler(), ReadHeaderTimeout: 5 * time.Second}
	srv.RegisterOnShutdown(d.status.stop) // live tails end, or Shutdown would wait for them
	g.Go(func() error {
		if err := srv.Serve(d.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	})
	if d.poller != nil {
		g.Go(func() error { return d.poller.Run(gctx) })
	}
	if d.store != nil {
		g.Go(func() error { d.markStore(gctx); return nil })
	}
	tuning := pipeline.RunnerOptions{MaxDeliver: d.res.Topology.MaxDeliver}
	if d.stage != nil {
		g.Go(func() error { return d.stage.Run(gctx, tuning) })
	}
	d.ready.Store(true)
	d.log.Info().Str("http", d.HTTPAddr()).Str("nats", d.NATSURL()).
		Bool("poll", d.parts.Poll).Bool("stories", d.parts.Stories).
		Int("feeds", len(d.cfg.Feeds)).Msg("newswire running")
	err := g.Wait()
	d.ready.Store(false)
	return err
}

// Reload applies a new configuration and topic rules without a restart
// (called from one goroutine at a time; d.cfg stays the configuration the
// daemon started with, which is what restart-only settings compare to):
// feeds are diffed (unchanged feeds keep their loops and state) and the
// rules are swapped atomically. Settings that need a restart (NATS, HTTP,
// poll limits) are logged and ignored.
func (d *Daemon) Reload(cfg *configs.Config, rules *tag.Rules) {
	d.reloads.Inc()
	if d.poller != nil {
		d.poller.Sync(feedSpecs(cfg))
	}
	if d.tagger != nil && rules != nil {
		d.tagger.SetRules(rules)
	}
	if cfg.NATS != d.cfg.NATS || cfg.HTTP != d.cfg.HTTP || !reflect.DeepEqual(cfg.Poll, d.cfg.Poll) || cfg.Dedupe != d.cfg.Dedupe {
		d.log.Warn().Msg("nats, http, poll and dedupe settings change only on restart")
	}
	d.log.Info().Int("feeds", len(cfg.Feeds)).Str("rules_version", rulesVersion(rules)).Msg("configuration reloaded")
}

// ReloadFailed counts a reload refused because the new files were invalid
// (newswire_reload_failures_total); the caller logs why.
func (d *Daemon) ReloadFailed() { d.reloadFailures.Inc() }

func rulesVersion(r *tag.Rules) string {
	if r == nil {
		return ""
	}
	return r.Version()
}

func (d *Daemon) handler() http.Handler {
	mux := http.NewServeMux()
	d.status = newStatusPage(d)
	d.status.routes(mux)
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.reg, promhttp.HandlerOpts{Registry: d.reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !d.ready.Load() || !d.nc.IsConnected() {
			http.Error(w, "not ready: broker "+d.nc.Status().String(), http.StatusServiceUnavailable)
			return
		}
		blocked, damaged := d.metrics.Health().Blocked(), d.store.Damaged()
		if len(blocked) > 0 || len(damaged) > 0 {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusServiceUnavailable)
			for _, c := range blocked {
				fmt.Fprintln(w, "not ready:", c)
			}
			for _, dm := range damaged {
				fmt.Fprintln(w, "not ready:", dm, "(acknowledge with newswire status --ack-damage)")
			}
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.HandleFunc("GET /store", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(StoreReport{Embedded: d.store != nil, Damage: d.store.Damaged()})
	})
	mux.HandleFunc("POST /feeds/{id}/poll", d.pollFeed)
	mux.HandleFunc("POST /store/ack", func(w http.ResponseWriter, _ *http.Request) {
		if d.store == nil {
			http.Error(w, "no embedded store", http.StatusNotFound)
			return
		}
		n, err := d.store.Ack()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "acknowledged %d\n", n)
	})
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		states, err := worker.LoadStates(r.Context(), d.res.FeedState)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(states)
	})
	return mux
}

// Close drains the connection and stops the embedded server. Safe on a
// partly started daemon.
func (d *Daemon) Close() {
	if d.nc != nil {
		if err := d.nc.Drain(); err != nil {
			d.nc.Close()
		}
		select { // a drain that does not finish in a second is cut short
		case <-d.closed:
		case <-time.After(time.Second):
			d.nc.Close()
		}
	}
	if d.server != nil {
		d.server.Shutdown()
	}
	if d.httpLn != nil {
		_ = d.httpLn.Close()
	}
}

// StoreReport is what GET /store answers: the damage found in the embedded
// store that no operator has acknowledged yet.
type StoreReport struct {
	Embedded bool              `json:"embedded"`
	Damage   []pipeline.Damage `json:"damage"`
}

// storeMarkEvery is how often the streams' state is recorded for the next
// start's damage check (and once more at shutdown).
const storeMarkEvery = 30 * time.Second

// markStore records the streams' state every storeMarkEvery until ctx is
// done, then once more.
func (d *Daemon) markStore(ctx context.Context) {
	t := time.NewTicker(storeMarkEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := d.store.Mark(final, d.js); err != nil {
				d.log.Warn().Err(err).Msg("cannot record the streams' state at shutdown")
			}
			return
		}
		if err := d.store.Mark(ctx, d.js); err != nil && ctx.Err() == nil {
			d.log.Warn().Err(err).Msg("cannot record the streams' state")
		}
	}
}
