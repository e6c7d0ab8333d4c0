package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/rs/zerolog"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/internal/daemon"
	"github.com/newswire/newswire/pipeline/tag"
)

func cmdRun(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "run", "[--config FILE] [--only poll,dedupe,tag] [--log-format json|console|auto] [--log-level info]")
	configPath := fs.String("config", defaultConfigPath(e), "config file")
	only := fs.String("only", "", "run only these parts (comma list of poll, dedupe, tag; dedupe and tag both name the story stage); default all")
	logger := logFlags(fs, "info")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	p, err := daemon.ParseParts(*only)
	if err != nil {
		return usagef("--only: %v", err)
	}
	log, err := logger(e.stderr)
	if err != nil {
		return err
	}
	cfg, rules, err := loadAll(*configPath, e.getenv)
	if err != nil {
		return err
	}

	d, err := startDaemon(ctx, e, cfg, rules, p, log)
	if d == nil {
		return err
	}
	defer d.Close()

	// Reloads come from SIGHUP and from edits of the config's files. Both
	// goroutines end before the daemon is closed (defers run last first).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	var files atomic.Pointer[[]string]
	files.Store(ptr(configFiles(*configPath, cfg)))
	changed := make(chan struct{}, 1)
	reloadCtx, stopReload := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stopReload()
	wg.Go(func() { _ = e.watch.Run(reloadCtx, func() []string { return *files.Load() }, changed) })
	wg.Go(func() {
		reloadLoop(reloadCtx, hup, changed, func() {
			if cfg, ok := reload(d, *configPath, e.getenv, log); ok {
				files.Store(ptr(configFiles(*configPath, cfg)))
			}
		}, log)
	})

	if e.ready != nil {
		e.ready(d)
	}
	err = d.Run(ctx)
	log.Info().Msg("newswire stopped")
	return err
}

// startDaemon builds the daemon of `run` and `demo`. A signal while it
// starts (waiting for the broker, say) is a clean stop, not a failure: it
// returns no daemon and no error.
func startDaemon(ctx context.Context, e *env, cfg *configs.Config, rules *tag.Rules, p daemon.Parts, log zerolog.Logger) (*daemon.Daemon, error) {
	d, err := daemon.New(ctx, cfg, rules, p, daemon.Deps{Getenv: e.getenv, Log: log})
	if err != nil {
		if ctx.Err() != nil {
			log.Info().Err(err).Msg("stopped while starting")
			return nil, nil
		}
		return nil, fmt.Errorf("start: %w", err)
	}
	return d, nil
}

// loadAll reads the config and compiles its topic rules. Any problem is a
// usageError naming the file, line and key.
func loadAll(path string, getenv func(string) string) (*configs.Config, *tag.Rules, error) {
	cfg, err := configs.Load(path, getenv)
	if err != nil {
		return nil, nil, usageError{err}
	}
	rules, err := loadRules(cfg)
	if err != nil {
		return nil, nil, usageError{err}
	}
	return cfg, rules, nil
}

func loadRules(cfg *configs.Config) (*tag.Rules, error) {
	if cfg.TopicsFile != "" {
		return compileTopics(configs.LoadTopics(cfg.TopicsFile))
	}
	return compileTopics(configs.DefaultTopics())
}

// compileTopics compiles what configs read of a topics file, reporting the
// file's decoding problems (configs) and its rules' problems (tag.Compile,
// where rules are validated) together, in line order: every problem of
// the file at once.
func compileTopics(t *configs.Topics, loadErr error) (*tag.Rules, error) {
	if t == nil {
		return nil, loadErr
	}
	r, err := tag.Compile(t)
	if loadErr == nil && err == nil {
		return r, nil
	}
	var all configs.ErrorList
	errors.As(loadErr, &all)
	var rule tag.Errors
	if errors.As(err, &rule) {
		for _, e := range rule {
			all = append(all, &configs.Error{File: e.File, Line: e.Line, Key: e.Key, Msg: e.Msg})
		}
	}
	if len(all) == 0 { // neither was a list of problems
		return nil, cmp.Or(loadErr, err)
	}
	slices.SortStableFunc(all, func(a, b *configs.Error) int { return cmp.Compare(a.Line, b.Line) })
	return nil, all
}

// reloadLoop calls reload on every SIGHUP and every change the file
// watcher reports, one at a time, until ctx is done.
func reloadLoop(ctx context.Context, hup <-chan os.Signal, changed <-chan struct{}, reload func(), log zerolog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			log.Info().Str("trigger", "SIGHUP").Msg("reloading the configuration")
		case <-changed:
			log.Info().Str("trigger", "file changed").Msg("reloading the configuration")
		}
		reload()
	}
}

// reload re-reads the config and rules and applies them. A bad file keeps
// the daemon on what it had and says why.
func reload(d *daemon.Daemon, path string, getenv func(string) string, log zerolog.Logger) (*configs.Config, bool) {
	cfg, rules, err := loadAll(path, getenv)
	if err != nil {
		log.Error().Err(err).Msg("reload failed; keeping the running configuration")
		d.ReloadFailed()
		return nil, false
	}
	d.Reload(cfg, rules)
	return cfg, true
}

// configFiles are the files whose change reloads the daemon: the config
// and the feeds and topics files it names.
func configFiles(path string, cfg *configs.Config) []string {
	files := []string{path}
	for _, f := range []string{cfg.FeedsFile, cfg.TopicsFile} {
		if f != "" {
			files = append(files, f)
		}
	}
	return files
}

func ptr[T any](v T) *T { return &v }
