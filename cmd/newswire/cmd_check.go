package main

import (
	"context"
	"fmt"
	"time"
)

func cmdCheck(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "check", "[--config FILE]")
	configPath := fs.String("config", defaultConfigPath(e), "config file")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	cfg, rules, err := loadAll(*configPath, e.getenv)
	if err != nil {
		return err
	}
	source := cfg.TopicsFile
	if source == "" {
		source = "built-in"
	}
	fmt.Fprintf(e.stdout, "%s: ok: %d feeds; topics %s: ok: %d topics, rules version %s\n",
		cfg.Path, len(cfg.Feeds), source, len(rules.Topics()), rules.Version())
	// Warnings, not failures: the poller would refuse these feeds, but a
	// name's address can change, and the config is valid as it is.
	warnPrivateFeeds(ctx, e.stderr, cfg, 3*time.Second)
	return nil
}
