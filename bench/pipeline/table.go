package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"

	"github.com/newswire/newswire/internal/harness"
)

// targetRatio is the promise: the pipeline (three hops) at least 30% of one
// plain hop's throughput.
const targetRatio = 0.30

var sideNames = map[string]string{
	sideHop:      "one hop: async publish, pull, ack (ceiling)",
	sidePipeline: "pipeline: dedupe + tag",
	sideFloor:    "broker floor: the story stage's broker calls alone (in the bench client)",
}

func syncName(s string) string {
	if s == "default" {
		return "2m (default)"
	}
	return s
}

// printTable writes the medians of every sync setting and side, the ratio
// pipeline / ceiling and what sync_interval always costs.
func printTable(out io.Writer, c config, w *workload, results map[string][]result) error {
	var b strings.Builder
	daemon := "`newswire run` (the binary, built from this tree): `--only dedupe,tag` for the pipeline, `--only poll` without feeds (the embedded server alone) for the hop"
	if c.daemon == "inproc" {
		daemon = "this command in -mode daemon (the embedded server and the stages wired as cmd/newswire does, in one process)"
	}
	if c.memLimit != "" {
		daemon += ", GOMEMLIMIT=" + c.memLimit
	}
	fmt.Fprintf(&b, "Machine: %s, %d CPUs, %s. Daemon: %s; a fresh store per run.\n", harness.CPUModel(), runtime.NumCPU(), runtime.Version(), daemon)
	fmt.Fprintf(&b, "Articles: %s on news.raw.<feed> (%d feeds): %s.\n", harness.Thousands(len(w.msgs)), benchFeeds, w.mix())
	runs := "Medians of %d runs"
	if c.repeat == 1 {
		runs = "%d run"
	}
	fmt.Fprintf(&b, runs+" per side and sync setting, sides interleaved. CPU is per 100,000 injected articles, over the measured window (first publish to last article out).\n\n", c.repeat)
	b.WriteString("| sync_interval | side | articles/s | CPU s / 100k: daemon + server | CPU s / 100k: bench client | peak RSS (daemon) | out of expected | lost | doubles | unexpected |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	var notes []string
	for _, sync := range c.syncs {
		for _, side := range []string{sideHop, sidePipeline, sideFloor} {
			rs := results[sync+"/"+side]
			if len(rs) == 0 {
				continue
			}
			lost, doubles, unexpected := 0, 0, 0
			for _, r := range rs {
				lost = max(lost, r.expected-r.delivered)
				doubles, unexpected = max(doubles, r.doubles), max(unexpected, r.unexpected)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %.1f | %.1f | %s | %s of %s | %d | %d | %d |\n", syncName(sync), sideNames[side],
				harness.Thousands(int(median(rs, result.perSecond))), median(rs, result.daemonPer100k), median(rs, result.clientPer100k),
				harness.MiB(int64(median(rs, func(r result) float64 { return float64(r.peakRSS) }))),
				harness.Thousands(int(median(rs, func(r result) float64 { return float64(r.delivered) }))), harness.Thousands(rs[0].expected),
				lost, doubles, unexpected)
			var runs []string
			for _, r := range rs {
				runs = append(runs, harness.Thousands(int(r.perSecond())))
			}
			notes = append(notes, fmt.Sprintf("- %s, %s: articles/s per run %s", syncName(sync), side, strings.Join(runs, " / ")))
		}
	}
	b.WriteString("\n| sync_interval | side | side / one-hop ceiling (medians) | the same, run by run (sides side by side) | target |\n| --- | --- | ---: | --- | --- |\n")
	for _, sync := range c.syncs {
		for _, side := range []string{sidePipeline, sideFloor} {
			hop, rs := results[sync+"/"+sideHop], results[sync+"/"+side]
			if len(hop) == 0 || len(rs) == 0 {
				continue
			}
			ratio := median(rs, result.perSecond) / median(hop, result.perSecond)
			var paired []string
			for i := range min(len(hop), len(rs)) {
				paired = append(paired, fmt.Sprintf("%.1f%%", 100*rs[i].perSecond()/hop[i].perSecond()))
			}
			target := fmt.Sprintf("≥ %.0f%%: %s", 100*targetRatio, met(ratio >= targetRatio))
			if side == sideFloor {
				target = "(the stages' broker calls and nothing else)"
			}
			fmt.Fprintf(&b, "| %s | %s | **%.1f%%** | %s | %s |\n", syncName(sync), side, 100*ratio, strings.Join(paired, " / "), target)
		}
	}
	if base, always := "default", "always"; slices.Contains(c.syncs, base) && slices.Contains(c.syncs, always) {
		b.WriteString("\nWhat `sync_interval: always` costs against the default:\n\n")
		for _, side := range []string{sideHop, sidePipeline} {
			d, a := results[base+"/"+side], results[always+"/"+side]
			if len(d) == 0 || len(a) == 0 {
				continue
			}
			fmt.Fprintf(&b, "- %s: %s → %s articles/s (%+.0f%%), daemon CPU s / 100k %.1f → %.1f\n", sideNames[side],
				harness.Thousands(int(median(d, result.perSecond))), harness.Thousands(int(median(a, result.perSecond))),
				100*(median(a, result.perSecond)/median(d, result.perSecond)-1), median(d, result.daemonPer100k), median(a, result.daemonPer100k))
		}
	}
	b.WriteString("\n" + strings.Join(notes, "\n") + "\n")
	for _, sync := range c.syncs {
		if rs := results[sync+"/"+sidePipeline]; len(rs) > 0 {
			r := rs[0]
			fmt.Fprintf(&b, "- %s, pipeline, first run: dedupe done %.1f s after the first publish, tag %.1f s; dedupe drops by key %s; %s stories with topics (%.0f%%), %s copies on news.topic.>; %.0f retries; %d publishes the stream took for duplicates\n",
				syncName(sync), r.dedupeDone.Seconds(), r.elapsed.Seconds(), r.drops(), harness.Thousands(r.withTopics), 100*float64(r.withTopics)/float64(max(r.delivered, 1)), harness.Thousands(r.topicCopies),
				r.metrics["newswire_stage_messages_total{result=retry}"], r.rawDups)
		}
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// median takes the median of f over rs (the upper one of an even count).
func median(rs []result, f func(result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "**not met**"
}
