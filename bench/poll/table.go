package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"

	"github.com/newswire/newswire/internal/harness"
)

// The targets for 10,000 feeds polled every 5 minutes.
const (
	targetRatio = 5.0 // baseline CPU per poll / newswire's, at least
	targetCores = 0.1 // newswire's average cores, under
	targetRSSMB = 200 // newswire's peak resident MB, under
	refFeeds    = 10000
	refInterval = 300.0 // seconds
)

// Cores is the average number of cores polling refFeeds every refInterval
// would keep busy at this run's CPU cost per poll.
func (r sideResult) Cores() float64 {
	if r.Polls == 0 {
		return 0
	}
	return r.CPU / float64(r.Polls) * refFeeds / refInterval
}

func (r sideResult) summary() string {
	return fmt.Sprintf("%d polls, %.0f polls/s, %.3f CPU s/1000 polls, RSS peak %.0f MB (%.0f after warm-up, %.0f at end), %.1f MB read, %d connections; outcomes %s",
		r.Polls, r.PollsPerSec, r.CPUPer1000(), mb(r.PeakRSS), mb(r.RSSWarm), mb(r.RSSEnd), mb(r.BytesRead), r.Conns, shares(r.Outcomes))
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// shares formats counts as percentages, largest first.
func shares(m map[string]int64) string {
	total := sum(m)
	if total == 0 {
		return "-"
	}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %.1f%%", k, 100*float64(m[k])/float64(total))
	}
	return strings.Join(parts, ", ")
}

// median of the values f takes over rs.
func median(rs []sideResult, f func(sideResult) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func printTable(w io.Writer, c config, info serverInfo, nw, base []sideResult) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "## Polling cost: %d feeds, %d measured rounds after %d warm-up, concurrency %d, median of %d runs\n\n",
		c.feeds, c.rounds, c.warmup, c.concurrency, c.repeat)
	fmt.Fprintf(b, "machine: %s, %d CPUs (GOMAXPROCS %d), %s %s/%s\n",
		harness.CPUModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(b, "feeds: %d on %d hosts; %s; RSS 2.0 documents of %d–%d items (mean %d), %d–%d bytes, mean %d, served gzipped (mean %d) (item texts: %s, %d templates); newswire interval %v\n\n",
		info.Feeds, info.Hosts, info.Mix, info.Items[0], info.Items[2], info.Items[1], info.Body[0], info.Body[2], info.Body[1], info.GzipBody, info.Source, info.Templates, c.interval)

	b.WriteString("| side | polls | polls/s | CPU s / 1,000 polls | peak RSS MB | MB read | connections / poll | cores for 10,000 feeds @ 5 min |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	row := func(name string, rs []sideResult) {
		fmt.Fprintf(b, "| %s | %.0f | %.0f | %.3f | %.0f | %.2f | %.2f | %.4f |\n", name,
			median(rs, func(r sideResult) float64 { return float64(r.Polls) }),
			median(rs, func(r sideResult) float64 { return r.PollsPerSec }),
			median(rs, sideResult.CPUPer1000),
			median(rs, func(r sideResult) float64 { return mb(r.PeakRSS) }),
			median(rs, func(r sideResult) float64 { return mb(r.BytesRead) }),
			median(rs, func(r sideResult) float64 { return float64(r.Conns) / max(float64(r.Polls), 1) }),
			median(rs, sideResult.Cores))
	}
	row("newswire (poller + embedded NATS, one process)", nw)
	row("baseline (gofeed ParseURL loop)", base)

	nwCPU, baseCPU := median(nw, sideResult.CPUPer1000), median(base, sideResult.CPUPer1000)
	ratio := 0.0
	if nwCPU > 0 {
		ratio = baseCPU / nwCPU
	}
	cores, rss := median(nw, sideResult.Cores), median(nw, func(r sideResult) float64 { return mb(r.PeakRSS) })
	fmt.Fprintf(b, "\nCPU per poll, baseline / newswire: **%.1fx** (target ≥ %.0fx: %s)\n", ratio, targetRatio, met(ratio >= targetRatio))
	fmt.Fprintf(b, "newswire, 10,000 feeds every 5 min: **%.4f cores** on average (target < %.1f: %s), peak RSS **%.0f MB** (target < %d MB: %s)\n",
		cores, targetCores, met(cores < targetCores), rss, targetRSSMB, met(rss < targetRSSMB))
	fmt.Fprintf(b, "newswire resident memory (VmRSS): %.0f MB when the warm-up ended, %.0f MB when the measured rounds ended\n",
		median(nw, func(r sideResult) float64 { return mb(r.RSSWarm) }), median(nw, func(r sideResult) float64 { return mb(r.RSSEnd) }))
	fmt.Fprintf(b, "newswire warm-up (first poll of every feed: unconditional, every item published): %.3f CPU s / 1,000 polls\n",
		median(nw, func(r sideResult) float64 { return r.WarmCPU / float64(max(r.WarmPolls, 1)) * 1000 }))
	fmt.Fprintf(b, "\nfirst run, as counted by each side: newswire %s; baseline %s\n", shares(nw[0].Outcomes), shares(base[0].Outcomes))
	fmt.Fprintf(b, "first run, responses of the feed server: newswire %s; baseline %s\n", shares(nw[0].Served), shares(base[0].Served))
	_, err := io.WriteString(w, b.String())
	return err
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}
