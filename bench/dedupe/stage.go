package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/internal/harness"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/dedupe"
	"github.com/newswire/newswire/pipeline/dedupe/near"
)

// stageRun is what one run of the stage measured.
type stageRun struct {
	load      time.Duration // Window.Run start → every remembered story indexed, read from the stream
	snapWrite time.Duration // Stage.Snapshot after that load
	restart   time.Duration // the restarted replica: start → judging, from the snapshot and the stream's tail
	perSecond float64       // inputs acked per second of the measured window
	unique    uint64        // published on NEWS_TAGGED
	dropped   uint64        // acked without output: copies
	cpuPer1k  float64       // process CPU seconds per 1,000 inputs
	peakRSS   int64         // VmHWM from server start to the end of the run
	loadedRSS int64         // VmRSS once the Window is loaded
	entries   int           // stories in the Window after the run
}

// runStage measures the dedupe stage as the daemon runs it (dedupe.New with
// a near-duplicate Window, under pipeline.NewRunner, on an embedded server)
// for each window size in c.remembered.
func runStage(ctx context.Context, c config, w io.Writer) error {
	root, err := os.MkdirTemp("", "newswire-bench-dedupe-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)

	at := time.Now().UTC()
	fmt.Fprintf(w, "dedupe stage on embedded JetStream (%s, GOMAXPROCS %d): %s articles per run, %d handled at once; medians of %d runs\n\n",
		runtime.Version(), runtime.GOMAXPROCS(0), harness.Thousands(c.articles), c.concurrency, c.stageRuns)
	fmt.Fprintln(w, "| stories remembered | load from the stream | snapshot write | restart (snapshot + tail) | articles/s | unique published (new in input) | duplicates dropped | CPU s / 1,000 articles | peak RSS | heap per remembered story |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for si, n := range c.remembered {
		pre := filepath.Join(root, fmt.Sprintf("window-%d", n))
		t0 := time.Now()
		samples, err := preload(ctx, pre, n, c.articles/10+1)
		if err != nil {
			return fmt.Errorf("pre-load %d stories: %w", n, err)
		}
		fmt.Fprintf(c.progress, "stage: %s stories stored on NEWS_TAGGED in %s\n", harness.Thousands(n), time.Since(t0).Round(time.Millisecond))
		in, fresh := inputs(c.articles, samples, 42, at)
		var runs []stageRun
		for r := 0; r < c.stageRuns; r++ {
			dir := filepath.Join(root, fmt.Sprintf("run-%d-%d", n, r))
			if err := os.CopyFS(dir, os.DirFS(pre)); err != nil {
				return err
			}
			profiled := r == 0 && si == len(c.remembered)-1
			res, err := stageOnce(ctx, dir, n, in, c, profiled)
			os.RemoveAll(dir)
			if err != nil {
				return fmt.Errorf("%d stories remembered, run %d: %w", n, r+1, err)
			}
			fmt.Fprintf(c.progress, "stage: %s remembered, run %d: load %s (RSS then %s), snapshot %s, restart %s, %.0f articles/s, %d unique, %d dropped, %.3f CPU s / 1,000, peak RSS %s; window entries after the run %d (stories %d)\n",
				harness.Thousands(n), r+1, res.load.Round(time.Millisecond), harness.MiB(res.loadedRSS), res.snapWrite.Round(time.Millisecond), res.restart.Round(time.Millisecond), res.perSecond, res.unique, res.dropped, res.cpuPer1k, harness.MiB(res.peakRSS), res.entries, n+1+int(res.unique))
			runs = append(runs, res)
		}
		perStory, err := windowMemory(ctx, pre, n)
		os.RemoveAll(pre)
		if err != nil {
			return fmt.Errorf("%d stories remembered, memory: %w", n, err)
		}
		m := medianRun(runs)
		fmt.Fprintf(w, "| %s | %.1f s | %.1f s | %.1f s | %.0f | %s (%s) | %s | %.3f | %s | %.0f B |\n", harness.Thousands(n), m.load.Seconds(), m.snapWrite.Seconds(), m.restart.Seconds(), m.perSecond,
			harness.Thousands(int(m.unique)), harness.Thousands(fresh), harness.Thousands(int(m.dropped)), m.cpuPer1k, harness.MiB(m.peakRSS), perStory)
	}
	fmt.Fprintln(w)
	return nil
}

// stageOnce runs the stage once on a copy of a pre-loaded store: it starts
// the server, loads the Window, injects the inputs and times the stage
// until all of them are acked.
func stageOnce(ctx context.Context, dir string, n int, in []feeds.Article, c config, profiled bool) (stageRun, error) {
	debug.FreeOSMemory() // so that the peak is this run's
	resetPeakRSS()
	b, err := startBroker(ctx, dir)
	if err != nil {
		return stageRun{}, err
	}
	defer b.close()
	res, err := measureStage(ctx, b, n, in, c, profiled)
	res.peakRSS = harness.ProcStatus(0, "VmHWM:")
	return res, err
}

// windowMemory loads a Window from the store at dir, which holds n stories,
// and returns the heap that dropping it releases, per story. The server's
// own memory (caches of the blocks the Window read) is the same with and
// without the Window, so it cancels out.
func windowMemory(ctx context.Context, dir string, n int) (float64, error) {
	b, err := startBroker(ctx, dir)
	if err != nil {
		return 0, err
	}
	defer b.close()
	withWindow, stories, err := loadWindow(ctx, b, n)
	if err != nil {
		return 0, err
	}
	return float64(int64(withWindow)-int64(liveHeap())) / float64(stories), nil
}

// loadWindow loads a Window of n stories, stops it following the stream
// and returns the live heap while it is still reachable.
func loadWindow(ctx context.Context, b *broker, n int) (uint64, int, error) {
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	win := dedupe.NewWindow(b.js, near.IndexConfig{Window: configs.Default().Dedupe.Window.D()}, true, zerolog.Nop())
	done := make(chan error, 1)
	go func() { done <- win.Run(wctx) }()
	if err := waitLoaded(ctx, win, n, done); err != nil {
		return 0, 0, err
	}
	stop()
	if err := <-done; err != nil {
		return 0, 0, err
	}
	heap := liveHeap()
	return heap, win.Len(), nil
}

// waitLoaded waits until win has loaded what the stream held when it
// started, and checks that it holds n stories.
func waitLoaded(ctx context.Context, win *dedupe.Window, n int, done <-chan error) error {
	select {
	case <-win.Loaded():
	case err := <-done:
		return fmt.Errorf("window stopped while loading: %v", err)
	case <-ctx.Done():
		return ctx.Err()
	}
	if got := win.Len(); got < n {
		return fmt.Errorf("window loaded %d stories, want %d", got, n)
	}
	return nil
}

// measureStage does the work of stageOnce on b. A stage runs as the
// daemon runs it (dedupe.New with a near-duplicate window, Stage.Run)
// twice: the first loads its window (timed) and handles one warm-up
// article; the second, started once the inputs are stored, is a restarted
// replica: it loads the window again and is timed from the moment it is
// loaded until every input is acked.
func measureStage(ctx context.Context, b *broker, n int, in []feeds.Article, c config, profiled bool) (stageRun, error) {
	var res stageRun
	var stage *dedupe.Stage
	tuning := pipeline.RunnerOptions{Concurrency: c.concurrency, MaxDeliver: b.res.Topology.MaxDeliver}
	start := func() (done <-chan error, stop func() error) {
		stage = dedupe.New(b.js, dedupe.Options{Memory: near.IndexConfig{Window: configs.Default().Dedupe.Window.D()}, Near: true, Snapshots: b.res.Memory}, nil, zerolog.Nop())
		rctx, cancel := context.WithCancel(ctx)
		ch := make(chan error, 1)
		go func() { ch <- stage.Run(rctx, tuning) }()
		return ch, func() error { cancel(); return <-ch }
	}

	t0 := time.Now()
	done, stop := start()
	if err := waitLoaded(ctx, stage.Window(), n, done); err != nil {
		return res, errors.Join(err, stop())
	}
	res.load = time.Since(t0)
	res.loadedRSS = harness.ProcStatus(0, "VmRSS:")
	t0 = time.Now()
	if _, err := stage.Snapshot(ctx); err != nil {
		return res, errors.Join(fmt.Errorf("snapshot: %w", err), stop())
	}
	res.snapWrite = time.Since(t0)
	// One article: the stage judges only once the window has declared
	// itself caught up (up to a second after the last story is indexed),
	// which is part of the load, not of the throughput.
	warm := article("warm", 0, 0, story{"warm up", "a story that warms the stage up before the measured run"}, time.Now().UTC())
	err := b.publishRaw(ctx, []feeds.Article{warm})
	if err == nil {
		err = b.drained(ctx)
	}
	if err := errors.Join(err, stop()); err != nil {
		return res, fmt.Errorf("warm-up: %w", err)
	}

	if err := b.publishRaw(ctx, in); err != nil {
		return res, fmt.Errorf("inject: %w", err)
	}
	unique0, err := b.streamMsgs(ctx, pipeline.StreamTagged)
	if err != nil {
		return res, err
	}
	t0 = time.Now()
	done, stop = start()
	select {
	case <-stage.Window().Loaded():
	case err := <-done:
		return res, fmt.Errorf("stage stopped while loading: %v", err)
	}
	res.restart = time.Since(t0)
	endProfile := func() error { return nil }
	if profiled {
		endProfile, err = startProfiles(c.cpuProfile, c.mutexProfile)
	}
	if err != nil {
		return res, errors.Join(err, stop())
	}
	cpu0, t1 := harness.CPUSeconds(), time.Now()
	err = b.drained(ctx)
	elapsed, cpu := time.Since(t1), harness.CPUSeconds()-cpu0
	perr := endProfile()
	res.entries = stage.Window().Len()
	if err := errors.Join(err, perr, stop()); err != nil {
		return res, err
	}
	unique1, err := b.streamMsgs(ctx, pipeline.StreamTagged)
	if err != nil {
		return res, err
	}
	dead, err := b.streamMsgs(ctx, pipeline.StreamDead)
	if err != nil {
		return res, err
	}
	if dead > 0 {
		return res, fmt.Errorf("%d inputs dead-lettered", dead)
	}
	res.perSecond = float64(len(in)) / elapsed.Seconds()
	res.cpuPer1k = cpu * 1000 / float64(len(in))
	res.unique = unique1 - unique0
	res.dropped = uint64(len(in)) - res.unique
	return res, nil
}

// medianRun takes the median of every column on its own.
func medianRun(runs []stageRun) stageRun {
	pick := func(f func(r stageRun) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return stageRun{
		load:      time.Duration(pick(func(r stageRun) float64 { return float64(r.load) })),
		snapWrite: time.Duration(pick(func(r stageRun) float64 { return float64(r.snapWrite) })),
		restart:   time.Duration(pick(func(r stageRun) float64 { return float64(r.restart) })),
		perSecond: pick(func(r stageRun) float64 { return r.perSecond }),
		unique:    uint64(pick(func(r stageRun) float64 { return float64(r.unique) })),
		dropped:   uint64(pick(func(r stageRun) float64 { return float64(r.dropped) })),
		cpuPer1k:  pick(func(r stageRun) float64 { return r.cpuPer1k }),
		peakRSS:   int64(pick(func(r stageRun) float64 { return float64(r.peakRSS) })),
	}
}
