package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/internal/daemon"
	"github.com/newswire/newswire/pipeline/tag"
)

// runDaemon is -mode daemon: `newswire run --only dedupe,tag` (or, with
// -parts none, `--only poll` without feeds) built by internal/daemon from
// the default configuration with an embedded server — the daemon
// cmd/newswire runs, in this process — plus the sync setting of -sync and
// profiles: SIGUSR1 starts them, SIGUSR2 writes them. Logs are JSON at
// info level. It runs until SIGTERM.
func runDaemon(ctx context.Context, c config, stderr io.Writer) error {
	if len(c.syncs) != 1 {
		return errors.New("-mode daemon takes one -sync value")
	}
	log := zerolog.New(stderr).Level(zerolog.InfoLevel).With().Timestamp().Logger()
	cfg := configs.Default()
	cfg.NATS.Embedded.Listen, cfg.NATS.Embedded.StoreDir, cfg.HTTP.Listen = c.listen, c.store, c.http
	switch s := c.syncs[0]; s {
	case "default":
	case "always":
		cfg.NATS.Embedded.SyncInterval.Always = true
	default:
		cfg.NATS.Embedded.SyncInterval.Every, _ = time.ParseDuration(s)
	}
	var p daemon.Parts
	switch c.parts {
	case "none":
		p.Poll = true // without feeds: the embedded server alone
	case "dedupe,tag":
		p.Stories = true
	default:
		return fmt.Errorf("-parts %q: want dedupe,tag or none", c.parts)
	}
	topics, err := configs.DefaultTopics()
	if err != nil {
		return err
	}
	rules, err := tag.Compile(topics)
	if err != nil {
		return err
	}
	stopProfiles := profileOnSignal(c.cpuProfile, c.mutexProfile, c.memProfile, log)
	defer stopProfiles()
	d, err := daemon.New(ctx, cfg, rules, p, daemon.Deps{Getenv: func(string) string { return "" }, Log: log})
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Run(ctx)
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
