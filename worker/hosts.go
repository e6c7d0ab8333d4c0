package worker

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"time"
)

// hosts enforces per-host politeness: at most perHost fetches in progress
// against one host, starts at least spacing apart, and a pause when the
// host asked for one (Retry-After). Waiting for a host (acquire) never
// holds a global concurrency slot, so one slow host delays only its own
// feeds; only the rest of a spacing between two fetches that got their
// global slots together is waited with one (begin).
type hosts struct {
	perHost int
	spacing time.Duration

	mu    sync.Mutex
	by    map[string]*host
	swept time.Time // when unused entries were last dropped
}

type host struct {
	slots     chan struct{}
	nextStart time.Time // earliest start of the next fetch
	lastStart time.Time // when the last fetch actually started (begin)
	paused    time.Time // no fetch before this (Retry-After)
	users     int       // acquirers holding or waiting; the entry is dropped at 0, once its spacing is over
}

func newHosts(perHost int, spacing time.Duration) *hosts {
	return &hosts{perHost: max(perHost, 1), spacing: spacing, by: map[string]*host{}}
}

// hostOf returns the lower-cased host:port a URL is fetched from.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.ToLower(u.Host)
}

func (hs *hosts) get(name string) *host {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if now := time.Now(); now.Sub(hs.swept) > time.Minute {
		hs.swept = now
		for n, h := range hs.by {
			if hs.idle(h, now) {
				delete(hs.by, n)
			}
		}
	}
	h := hs.by[name]
	if h == nil {
		h = &host{slots: make(chan struct{}, hs.perHost)}
		hs.by[name] = h
	}
	h.users++
	return h
}

func (hs *hosts) put(name string, h *host) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	h.users--
	if hs.idle(h, time.Now()) {
		delete(hs.by, name)
	}
}

// idle reports whether h can be forgotten: nobody holds or waits for it,
// and neither its spacing nor a pause is running (a missing entry means
// "start at once"). Call with hs.mu held.
func (hs *hosts) idle(h *host, now time.Time) bool {
	return h.users == 0 && now.After(h.paused) && now.After(h.lastStart.Add(hs.spacing)) && !h.nextStart.After(now)
}

// acquire waits for a fetch slot on host name (see hostOf) and for its
// start spacing and pause. It returns the release function, or ctx's error.
func (hs *hosts) acquire(ctx context.Context, name string) (release func(), err error) {
	h := hs.get(name)
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		hs.put(name, h)
		return nil, ctx.Err()
	}
	release = func() { <-h.slots; hs.put(name, h) }

	hs.mu.Lock()
	start := latest(time.Now(), h.nextStart, h.paused)
	h.nextStart = start.Add(hs.spacing)
	hs.mu.Unlock()
	if !sleepCtx(ctx, time.Until(start)) {
		release()
		return nil, ctx.Err()
	}
	return release, nil
}

// sleepCtx waits for d (nothing when d ≤ 0); false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// begin reserves the actual start of a fetch that holds a slot of host
// name (from acquire) and a global slot, and returns how long to wait for
// it. acquire spaces the fetches it lets go, but two of them may then wait
// for a global slot and be given one together; begin keeps them a spacing
// apart. The wait, at most a spacing, keeps the global slot: giving it back
// would send the fetch to the end of the line, where it could lose to its
// host's next fetch for ever.
func (hs *hosts) begin(name string, now time.Time) (wait time.Duration) {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	h := hs.by[name]
	if h == nil { // not from acquire; nothing to keep apart
		return 0
	}
	at := latest(now, h.lastStart.Add(hs.spacing))
	h.lastStart = at
	return at.Sub(now)
}

// pause stops fetches from host name until until.
func (hs *hosts) pause(name string, until time.Time) {
	h := hs.get(name)
	hs.mu.Lock()
	if until.After(h.paused) {
		h.paused = until
	}
	hs.mu.Unlock()
	hs.put(name, h)
}

// pausedUntil returns when host name may be fetched again (zero: not
// paused).
func (hs *hosts) pausedUntil(name string) time.Time {
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if h := hs.by[name]; h != nil && time.Now().Before(h.paused) {
		return h.paused
	}
	return time.Time{}
}

// outage watches fetch outcomes across hosts to tell "this feed is down"
// from "the network is down": when every fetch of the last window failed
// with a network-class error, across at least minHosts hosts, failures are
// not held against the feeds.
type outage struct {
	window   time.Duration
	minHosts int

	mu     sync.Mutex
	events []fetchEvent
}

type fetchEvent struct {
	at      time.Time
	host    string
	netFail bool // network, DNS or timeout failure
}

func newOutage() *outage { return &outage{window: time.Minute, minHosts: 3} }

// observe records one fetch outcome and reports whether the network looks
// down (including this outcome).
func (o *outage) observe(host string, netFail bool, now time.Time) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	cut := 0
	for cut < len(o.events) && now.Sub(o.events[cut].at) > o.window {
		cut++
	}
	o.events = append(o.events[cut:], fetchEvent{at: now, host: host, netFail: netFail})
	if len(o.events) > 1000 {
		o.events = o.events[len(o.events)-1000:]
	}
	if !netFail {
		return false
	}
	failedHosts := map[string]bool{}
	for _, e := range o.events {
		if !e.netFail {
			return false
		}
		failedHosts[e.host] = true
	}
	return len(failedHosts) >= o.minHosts
}

// latest returns the latest of ts.
func latest(ts ...time.Time) time.Time {
	var l time.Time
	for _, t := range ts {
		if t.After(l) {
			l = t
		}
	}
	return l
}
