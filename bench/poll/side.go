package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/newswire/newswire/internal/harness"
)

// poller is one measured side, running in its own child process.
type poller interface {
	// start begins polling in the background: every feed, over and over.
	// A side that is not paced by a schedule of its own makes warm polls,
	// waits for measure to be closed, and stops after total.
	start(warm, total int64, measure <-chan struct{})
	// progress returns the polls completed so far, by outcome.
	progress() map[string]int64
	// stop ends polling and waits for polls in progress.
	stop() error
	// close releases what the side's constructor acquired.
	close()
}

// sideResult is what a side's child prints: its measured window (after the
// warm-up) and the warm-up itself.
type sideResult struct {
	Side        string           `json:"side"`
	Polls       int64            `json:"polls"`
	PollsPerSec float64          `json:"polls_per_sec"`
	CPU         float64          `json:"cpu_seconds"` // user+sys of the child process
	PeakRSS     int64            `json:"peak_rss"`    // VmHWM of the child, whole lifetime
	RSSWarm     int64            `json:"rss_warm"`    // VmRSS when the warm-up ended
	RSSEnd      int64            `json:"rss_end"`     // VmRSS when the measured rounds ended
	BytesRead   int64            `json:"bytes_read"`  // written by the feed server in the window
	Conns       int64            `json:"conns"`       // connections the feed server accepted in the window
	Outcomes    map[string]int64 `json:"outcomes"`    // as the side counts them
	Served      map[string]int64 `json:"served"`      // responses by status, as the server counts them
	WarmPolls   int64            `json:"warm_polls"`
	WarmCPU     float64          `json:"warm_cpu_seconds"`
}

// CPUPer1000 is CPU seconds per 1,000 polls.
func (r sideResult) CPUPer1000() float64 {
	if r.Polls == 0 {
		return 0
	}
	return r.CPU / float64(r.Polls) * 1000
}

// snapshot is the state of the child at one moment.
type snapshot struct {
	at       time.Time
	cpu      float64
	rss      int64
	polls    int64
	outcomes map[string]int64
	stats    serverStats
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// runSide is -mode newswire and -mode baseline: it builds the side, runs
// warm-up rounds, measures the following rounds and prints a sideResult.
func runSide(ctx context.Context, c config, stdout io.Writer,
	newPoller func(ctx context.Context, c config, urls []string) (poller, error)) error {
	var urls []string
	if err := getJSON(ctx, c.control+"/feeds", &urls); err != nil {
		return err
	}
	p, err := newPoller(ctx, c, urls)
	if err != nil {
		return err
	}
	defer p.close()

	n := int64(len(urls))
	warm, total := int64(c.warmup)*n, int64(c.warmup+c.rounds)*n
	take := func() (snapshot, error) {
		s := snapshot{at: time.Now(), cpu: harness.CPUSeconds(), rss: harness.ProcStatus(0, "VmRSS:"), outcomes: p.progress()}
		s.polls = sum(s.outcomes)
		return s, getJSON(ctx, c.control+"/stats", &s.stats)
	}

	begin, err := take()
	if err != nil {
		return err
	}
	measure := make(chan struct{})
	p.start(warm, total, measure)
	if err := waitFor(ctx, p, warm); err != nil {
		_ = p.stop()
		return err
	}
	a, err := take()
	if err != nil {
		_ = p.stop()
		return err
	}
	stopProfile, err := startProfile(c.cpuProfile)
	if err != nil {
		_ = p.stop()
		return err
	}
	close(measure)
	waitErr := waitFor(ctx, p, total)
	b := snapshot{at: time.Now(), outcomes: p.progress()}
	b.polls = sum(b.outcomes)
	stopErr := p.stop()
	z, takeErr := take()
	stopProfile()
	if err := errors.Join(waitErr, stopErr, takeErr); err != nil {
		return err
	}
	if err := writeHeapProfile(c.memProfile); err != nil {
		return err
	}

	res := sideResult{
		Side:        c.mode,
		Polls:       z.polls - a.polls,
		PollsPerSec: float64(b.polls-a.polls) / b.at.Sub(a.at).Seconds(),
		CPU:         z.cpu - a.cpu,
		PeakRSS:     harness.ProcStatus(0, "VmHWM:"),
		RSSWarm:     a.rss,
		RSSEnd:      z.rss,
		BytesRead:   z.stats.Bytes - a.stats.Bytes,
		Conns:       z.stats.Conns - a.stats.Conns,
		Outcomes:    diff(z.outcomes, a.outcomes),
		Served:      diff(z.stats.Status, a.stats.Status),
		WarmPolls:   a.polls - begin.polls,
		WarmCPU:     a.cpu - begin.cpu,
	}
	return json.NewEncoder(stdout).Encode(res)
}

// waitFor returns once p has completed at least n polls. It fails when
// nothing completes for a minute, so a broken side cannot hang the run.
func waitFor(ctx context.Context, p poller, n int64) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	last, lastAt := int64(-1), time.Now()
	for {
		got := sum(p.progress())
		if got >= n {
			return nil
		}
		if got != last {
			last, lastAt = got, time.Now()
		} else if time.Since(lastAt) > time.Minute {
			return fmt.Errorf("stalled at %d of %d polls", got, n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func diff(after, before map[string]int64) map[string]int64 {
	out := maps.Clone(after)
	for k, v := range before {
		out[k] -= v
		if out[k] == 0 {
			delete(out, k)
		}
	}
	return out
}

func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("feed server control: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("feed server control: %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// startProfile starts a CPU profile into path; "" profiles nothing.
func startProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// writeHeapProfile writes the live heap, after a collection, to path; ""
// writes nothing.
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	runtime.GC()
	return pprof.WriteHeapProfile(f)
}
