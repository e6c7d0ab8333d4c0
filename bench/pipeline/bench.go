package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/newswire/newswire/internal/harness"
)

// runBenchmark makes the articles, builds the daemon when it runs the
// binary, runs every side at every sync setting c.repeat times, the sides
// taking turns to go first, and prints the table. Progress goes to
// stderr.
func runBenchmark(ctx context.Context, c config, stdout, stderr io.Writer) error {
	root, err := harness.RepoRoot()
	if err != nil {
		return err
	}
	corpus := c.corpus
	if corpus == "" {
		corpus = filepath.Join(root, "..", "shared", "corpus", "feeds")
	}
	t0 := time.Now()
	pools, source := loadPools(corpus)
	if pools == nil {
		pools, source = generatedPools(), "generated headlines and sentences ("+corpus+" is absent)"
	}
	w, err := makeWorkload(pools, source, c.articles, c.seed, time.Now().UTC().Truncate(time.Hour))
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "workload: %s articles (%s) in %s; text: %s\n", harness.Thousands(len(w.msgs)), w.mix(), time.Since(t0).Round(time.Millisecond), w.source)

	bin := c.bin
	if c.daemon == "newswire" && bin == "" {
		tmp, err := os.MkdirTemp("", "newswire-bench-pipeline-bin-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if bin, err = harness.Build(root, tmp); err != nil {
			return err
		}
	}

	// Every sync setting must reach the daemon's store: find out now, not
	// after minutes of runs.
	for _, sync := range c.syncs {
		if err := checkSync(ctx, c, bin, sideHop, sync); err != nil {
			return fmt.Errorf("sync %s: %w", sync, err)
		}
	}

	results := map[string][]result{} // by sync + side
	for k := range c.repeat {
		for si, sync := range c.syncs {
			sides := []string{sideHop, sidePipeline}
			if c.floor {
				sides = append(sides, sideFloor)
			}
			for i := range sides { // a different side first in every run
				side := sides[(i+k)%len(sides)]
				profile := k == 0 && si == 0 && side == sidePipeline && c.profiles()
				start := time.Now()
				r, err := runSide(ctx, c, w, bin, side, sync, profile)
				if err != nil {
					return fmt.Errorf("run %d, sync %s, %s: %w", k+1, sync, side, err)
				}
				fmt.Fprintf(stderr, "run %d/%d sync %-7s %-8s %s (%.0f s)\n", k+1, c.repeat, sync, side, r.summary(), time.Since(start).Seconds())
				results[sync+"/"+side] = append(results[sync+"/"+side], r)
			}
		}
	}
	return printTable(stdout, c, w, results)
}

// mix describes the kinds of articles in the workload.
func (w *workload) mix() string {
	var parts []string
	for k, n := range w.counts {
		parts = append(parts, fmt.Sprintf("%s %s", harness.Thousands(n), kindNames[k]))
	}
	return fmt.Sprintf("%s; bodies %d–%d bytes, mean %d", strings.Join(parts, ", "), w.minBody, w.maxBody, w.bodyBytes/max(len(w.msgs), 1))
}

func (r result) summary() string {
	s := fmt.Sprintf("%.0f articles/s, CPU s / 100k: daemon %.1f, client %.1f; peak RSS %s; out %d of %d, %d doubles, %d unexpected, %d stored",
		r.perSecond(), r.daemonPer100k(), r.clientPer100k(), harness.MiB(r.peakRSS), r.delivered, r.expected, r.doubles, r.unexpected, r.stored-1)
	if r.side == sidePipeline {
		s += fmt.Sprintf("; dedupe done at %.1f s of %.1f s; drops %s; retries %.0f", r.dedupeDone.Seconds(), r.elapsed.Seconds(), r.drops(), r.metrics["newswire_stage_messages_total{result=retry}"])
	}
	return s
}

// drops lists the dedupe stage's drops by the key that matched.
func (r result) drops() string {
	var keys []string
	for k := range r.metrics {
		if rest, ok := strings.CutPrefix(k, "newswire_duplicates_total{key="); ok {
			keys = append(keys, strings.TrimSuffix(rest, "}"))
		}
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%s %.0f", k, r.metrics["newswire_duplicates_total{key="+k+"}"]))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// scrapeMetrics reads the daemon's /metrics, summing each newswire_ series
// over every label but the first ("name{label=value}"): enough for the
// counters the table needs.
func scrapeMetrics(addr string) (map[string]float64, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "newswire_") {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		name, labels, _ := strings.Cut(line[:sp], "{")
		out[name] += v
		for _, l := range strings.Split(strings.TrimSuffix(labels, "}"), ",") {
			if k, val, ok := strings.Cut(l, "="); ok {
				out[name+"{"+k+"="+strings.Trim(val, `"`)+"}"] += v
			}
		}
	}
	return out, sc.Err()
}
