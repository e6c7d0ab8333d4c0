package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"sync"
	"time"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/feeds"
)

// warnPrivateFeeds warns, for each feed whose host is, or resolves to, an
// address the poller would refuse (private, loopback, …) under the config's
// poll.allow_private and poll.allow_hosts. Host names are resolved at most
// 32 at a time, within lookupWait in all; a name that does not resolve in
// time, or at all, is not warned about (check must work offline).
func warnPrivateFeeds(ctx context.Context, w io.Writer, cfg *configs.Config, lookupWait time.Duration) int {
	if cfg.Poll.AllowPrivate {
		return 0
	}
	ctx, cancel := context.WithTimeout(ctx, lookupWait)
	defer cancel()
	type verdict struct {
		addr, kind string
		refused    bool
	}
	hosts := map[string]*verdict{}
	for _, f := range cfg.Feeds {
		if u, err := url.Parse(f.URL); err == nil && u.Hostname() != "" {
			hosts[u.Hostname()] = &verdict{}
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for host, v := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
			addr, kind, refused, err := feeds.RefusedAddr(ctx, host, cfg.Poll.AllowHosts)
			if err == nil && refused {
				v.addr, v.kind, v.refused = addr.String(), kind, true
			}
		}()
	}
	wg.Wait()
	n := 0
	for _, f := range cfg.Feeds {
		u, err := url.Parse(f.URL)
		if err != nil {
			continue
		}
		if v := hosts[u.Hostname()]; v != nil && v.refused {
			n++
			fmt.Fprintf(w, "warning: feed %s: %s resolves to a %s address (%s), which the poller refuses; allow it with poll.allow_private: true or add the host to poll.allow_hosts\n",
				f.ID, u.Hostname(), v.kind, v.addr)
		}
	}
	return n
}
