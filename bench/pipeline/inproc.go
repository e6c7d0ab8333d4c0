package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
	"golang.org/x/sync/errgroup"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/dedupe"
	"github.com/newswire/newswire/pipeline/dedupe/near"
	"github.com/newswire/newswire/pipeline/tag"
)

// runDaemon is -mode daemon: what `newswire run --only dedupe,tag` (or,
// with -parts none, `--only poll` without feeds) does with the default
// configuration and an embedded server — the same constructors with the
// same options as cmd/newswire's startDaemon and serve, logs as JSON at
// info level, /readyz and /metrics — plus the sync setting of -sync and
// profiles: SIGUSR1 starts them, SIGUSR2 writes them. It runs until
// SIGTERM.
func runDaemon(ctx context.Context, c config, stderr io.Writer) error {
	if len(c.syncs) != 1 {
		return errors.New("-mode daemon takes one -sync value")
	}
	log := zerolog.New(stderr).Level(zerolog.InfoLevel).With().Timestamp().Logger()
	opts := pipeline.EmbeddedOptions{Listen: c.listen, StoreDir: c.store}
	switch s := c.syncs[0]; s {
	case "default":
	case "always":
		opts.SyncAlways = true
	default:
		opts.SyncInterval, _ = time.ParseDuration(s)
	}
	httpLn, err := net.Listen("tcp", c.http)
	if err != nil {
		return err
	}
	defer httpLn.Close()
	srv, err := pipeline.StartEmbedded(opts, log)
	if err != nil {
		return err
	}
	defer srv.Shutdown()
	nc, err := pipeline.Connect(context.Background(), srv.ClientURL(), "newswire", 0, log) // loopback TCP, as cmd/newswire does for the stages
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	metrics := pipeline.NewMetrics(reg)
	def := configs.Default()
	topo := pipeline.DefaultTopology()
	topo.DedupeTTL = def.Dedupe.TTL.D()
	setupCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	res, err := pipeline.EnsureTopology(setupCtx, js, topo)
	cancel()
	if err != nil {
		return err
	}

	var ready atomic.Bool
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() || !nc.IsConnected() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(httpLn) }()
	defer hs.Close()

	stopProfiles := profileOnSignal(c.cpuProfile, c.mutexProfile, c.memProfile, log)
	defer stopProfiles()

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { <-gctx.Done(); return nil })
	switch c.parts {
	case "none":
	case "dedupe,tag":
		dopts := dedupe.Options{NoUpdates: !def.Dedupe.Updates}
		if def.Dedupe.Near {
			dopts.Window = dedupe.NewWindow(js, near.IndexConfig{Window: def.Dedupe.Window.D(), MaxStories: def.Dedupe.MaxStories, Params: near.DefaultParams().Stricter(def.Dedupe.Strictness)}, log)
			g.Go(func() error { return dopts.Window.Run(gctx) })
		}
		stage := dedupe.New(js, res.Dedupe, dopts, metrics, log)
		in := stage.Input()
		in.MaxDeliver = res.Topology.MaxDeliver
		dr := pipeline.NewRunner(js, in, stage.Handle, metrics, log)
		g.Go(func() error { return dr.Run(gctx) })

		topics, err := configs.DefaultTopics()
		if err != nil {
			return err
		}
		rules, err := tag.Compile(topics)
		if err != nil {
			return err
		}
		tagger := tag.NewStage(js, rules, metrics, log)
		tr := pipeline.NewRunner(js, pipeline.RunnerOptions{
			Stage: tag.StageName, Stream: pipeline.StreamUnique, Consumer: pipeline.ConsumerTag,
			MaxDeliver: res.Topology.MaxDeliver,
		}, tagger.Handle, metrics, log)
		g.Go(func() error { return tr.Run(gctx) })
	default:
		return fmt.Errorf("-parts %q: want dedupe,tag or none", c.parts)
	}
	ready.Store(true)
	log.Info().Str("parts", c.parts).Str("nats", srv.ClientURL()).Msg("bench daemon running")
	err = g.Wait()
	ready.Store(false)
	return err
}

// profileOnSignal starts a CPU profile into cpuPath and records mutex
// contention for mutexPath on SIGUSR1, and writes them on SIGUSR2 (or
// when the returned stop is called), with a heap profile into memPath
// taken at that moment. Empty paths are skipped.
func profileOnSignal(cpuPath, mutexPath, memPath string, log zerolog.Logger) (stop func()) {
	if cpuPath == "" && mutexPath == "" && memPath == "" {
		return func() {}
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGUSR2)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var cpu *os.File
		end := func() {
			if cpu != nil {
				pprof.StopCPUProfile()
				cpu.Close()
				cpu = nil
			}
			if mutexPath != "" && runtime.SetMutexProfileFraction(-1) > 0 {
				if f, err := os.Create(mutexPath); err == nil {
					_ = pprof.Lookup("mutex").WriteTo(f, 0)
					f.Close()
				}
				runtime.SetMutexProfileFraction(0)
			}
		}
		for {
			select {
			case s := <-sig:
				if s == syscall.SIGUSR2 {
					end()
					if memPath != "" {
						if f, err := os.Create(memPath); err == nil {
							_ = pprof.Lookup("heap").WriteTo(f, 0)
							f.Close()
						}
					}
					log.Info().Str("cpu", cpuPath).Str("mutex", mutexPath).Str("heap", memPath).Msg("profiles written")
					continue
				}
				if cpuPath != "" {
					f, err := os.Create(cpuPath)
					if err == nil {
						err = pprof.StartCPUProfile(f)
					}
					if err != nil {
						log.Error().Err(err).Msg("cpu profile")
					} else {
						cpu = f
					}
				}
				if mutexPath != "" {
					runtime.SetMutexProfileFraction(1)
				}
			case <-done:
				end()
				return
			}
		}
	}()
	return func() {
		signal.Stop(sig)
		close(done)
		<-finished
	}
}
