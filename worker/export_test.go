package worker

import (
	"cmp"
	"time"

	"github.com/newswire/newswire/feeds"
)

// WithTestDefaults fills what a test leaves unset of opts with the tests' own
// values (the configuration's defaults are configs', which the tests do
// not depend on).
func WithTestDefaults(opts Options) Options {
	opts.Interval = cmp.Or(opts.Interval, 5*time.Minute)
	opts.MinInterval = cmp.Or(opts.MinInterval, min(2*time.Minute, opts.Interval))
	opts.MaxInterval = cmp.Or(opts.MaxInterval, max(2*time.Hour, opts.MinInterval))
	opts.Concurrency = cmp.Or(opts.Concurrency, 64)
	opts.PerHost = cmp.Or(opts.PerHost, 2)
	opts.ClaimTTL = cmp.Or(opts.ClaimTTL, 2*time.Minute)
	return opts
}

// NewTestFetcher is a Fetcher that may reach httptest servers on 127.0.0.1.
func NewTestFetcher(timeout time.Duration) *feeds.Fetcher {
	f, err := feeds.NewFetcher(feeds.FetcherOptions{Timeout: timeout, MaxBody: 1 << 20, UserAgent: "newswire-test", AllowPrivate: true})
	if err != nil {
		panic(err)
	}
	return f
}

// MustNew is New for options known to be complete.
func MustNew(opts Options) *Poller {
	p, err := New(opts)
	if err != nil {
		panic(err)
	}
	return p
}
