package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/newswire/newswire/internal/harness"
)

// row is every run at one phrase count.
type row struct {
	phrases, topics, hits int
	engine, regexp        []sample // one per run
}

// sample is the mean time of one call over a run: wall clock, and the CPU
// time of the thread that ran it (zero where unknown). On a shared,
// busy machine the CPU time is the steadier of the two: time spent
// waiting for a core is not in it.
type sample struct{ wall, cpu time.Duration }

// measure runs f for at least minTime and minCalls calls on one locked
// OS thread.
func measure(minTime time.Duration, minCalls int, f func()) sample {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f() // warm caches and pools
	calls := 0
	cpu0, cpuOK := threadCPU()
	start := time.Now()
	for calls < minCalls || time.Since(start) < minTime {
		f()
		calls++
	}
	s := sample{wall: time.Since(start) / time.Duration(calls)}
	if cpu1, ok := threadCPU(); ok && cpuOK {
		s.cpu = (cpu1 - cpu0) / time.Duration(calls)
	}
	return s
}

func wall(ss []sample) []time.Duration {
	return pick(ss, func(s sample) time.Duration { return s.wall })
}
func cpu(ss []sample) []time.Duration { return pick(ss, func(s sample) time.Duration { return s.cpu }) }

func pick(ss []sample, f func(sample) time.Duration) []time.Duration {
	out := make([]time.Duration, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func micros(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Microsecond)) }

func mbps(bytes int, d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.3g", float64(bytes)/d.Seconds()/1e6)
}

func printTable(w io.Writer, c config, bytes int, rows []row) {
	b := &strings.Builder{}
	fmt.Fprintf(b, "## Tagging cost: one %d-byte article (80-byte title + body), median of %d runs\n\n", bytes, c.runs)
	fmt.Fprintf(b, "machine: %s, %d CPUs (GOMAXPROCS %d), %s %s/%s\n\n",
		harness.CPUModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	b.WriteString("| phrases | topics | hits | newswire µs/article | newswire CPU µs | newswire MB/s | regexp-per-topic µs/article | regexp CPU µs | regexp MB/s | regexp ÷ newswire |\n")
	b.WriteString("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, r := range rows {
		nw, re := median(wall(r.engine)), median(wall(r.regexp))
		ratio, reCol, reCPU, reMB := "–", "–", "–", "–"
		if re > 0 && nw > 0 {
			ratio = fmt.Sprintf("%.0f×", float64(re)/float64(nw))
			reCol, reCPU, reMB = micros(re), micros(median(cpu(r.regexp))), mbps(bytes, re)
		}
		fmt.Fprintf(b, "| %d | %d | %d | %s | %s | %s | %s | %s | %s | %s |\n",
			r.phrases, r.topics, r.hits, micros(nw), micros(median(cpu(r.engine))), mbps(bytes, nw), reCol, reCPU, reMB, ratio)
	}
	if len(rows) > 1 {
		first, last := rows[0], rows[len(rows)-1]
		growth := func(f func([]sample) []time.Duration) float64 {
			return float64(median(f(last.engine))) / float64(median(f(first.engine)))
		}
		fmt.Fprintf(b, "\nnewswire at %d phrases ÷ at %d: %.2f× wall, %.2f× CPU (target ≤ 2×); at %d phrases: %s µs wall, %s µs CPU (target < 50 µs)\n",
			last.phrases, first.phrases, growth(wall), growth(cpu), last.phrases, micros(median(wall(last.engine))), micros(median(cpu(last.engine))))
	}
	io.WriteString(w, b.String())
}
