package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/internal/daemon"
	"github.com/newswire/newswire/internal/demofeeds"
)

// cmdDemo runs the daemon on sample feeds served on loopback by this same
// process (internal/demofeeds): with no internet, a newcomer sees stories
// deduped, tagged and published, and `newswire subscribe ceasefire` print
// them. It takes the NATS, HTTP and topics settings of the config (the
// shipped one by default), replaces its feeds with the sample feeds, and
// keeps its store in a temporary folder unless --store names one.
func cmdDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "[--config FILE] [--store DIR] [--every 8s] [--log-format json|console|auto] [--log-level info]")
	configPath := fs.String("config", defaultConfigPath(e), "config whose nats.embedded, http and topics settings the demo uses; its feeds are not polled")
	storeDir := fs.String("store", "", "JetStream store of the demo (default: a temporary folder, removed at exit)")
	every := durationVar(fs, "every", 8*time.Second, "how often a sample feed gets a new story")
	logger := logFlags(fs, "warn")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	if *every < 100*time.Millisecond {
		return usagef("--every must be at least 100ms, got %s", *every)
	}
	log, err := logger(e.stderr)
	if err != nil {
		return err
	}
	cfg, rules, err := loadAll(*configPath, e.getenv)
	if err != nil {
		return err
	}
	if *storeDir == "" {
		dir, err := os.MkdirTemp("", "newswire-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		*storeDir = dir
	}

	feedsSrv := demofeeds.New(time.Now)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("sample feeds: %w", err)
	}
	hs := &http.Server{Handler: feedsSrv, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	go func() {
		t := time.NewTicker(*every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				feedsSrv.Tick()
			}
		}
	}()
	demoConfig(cfg, "http://"+ln.Addr().String(), *storeDir, *every)

	d, err := startDaemon(ctx, e, cfg, rules, daemon.Parts{Poll: true, Stories: true}, log)
	if d == nil {
		return err
	}
	defer d.Close()
	fmt.Fprintf(e.stdout, `newswire demo: %d sample feeds on http://%s, a new story every %s (some copied into a second feed, which dedupe drops)
  NATS:        %s
  status:      http://%s/
  subscribe:   newswire subscribe ceasefire --nats %s   (or: nats sub 'news.topic.>' -s %s)
Ctrl-C stops it.
`, len(demofeeds.Feeds), ln.Addr(), *every, d.NATSURL(), d.HTTPAddr(), d.NATSURL(), d.NATSURL())
	if e.ready != nil {
		e.ready(d)
	}
	return d.Run(ctx)
}

// demoConfig points cfg at the sample feeds on loopback (feedsURL), keeps
// the demo's store in storeDir on the embedded server, polls every few
// seconds and remembers stories for less than a cycle of the samples, so
// that they come back as news.
func demoConfig(cfg *configs.Config, feedsURL, storeDir string, every time.Duration) {
	cfg.NATS.URL = ""
	cfg.NATS.Embedded.StoreDir = storeDir
	cfg.Poll.AllowHosts = append(cfg.Poll.AllowHosts, "127.0.0.1")
	cfg.Poll.MinInterval = configs.Duration(time.Second)
	cfg.Poll.HostSpacing = 0
	poll := configs.Duration(max(time.Second, every/2))
	cfg.Poll.MaxInterval = 3 * poll // the samples change all the time: never poll them rarely
	cfg.Feeds = cfg.Feeds[:0]
	for _, id := range demofeeds.Feeds {
		cfg.Feeds = append(cfg.Feeds, configs.Feed{ID: id, URL: feedsURL + "/" + id + ".xml", Title: id, Interval: poll})
	}
	cfg.FeedsFile = ""
	cfg.Dedupe.Window = configs.Duration(max(time.Minute, time.Duration(demofeeds.Stories()-2)*every))
}
