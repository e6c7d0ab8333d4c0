// Command pipeline measures newswire's pipeline end to end and prints a
// markdown table (bench/README.md, "Pipeline throughput"):
//
//	go run ./bench/pipeline [-articles 200000] [-repeat 3] [-sync default,always]
//
// Articles of about 2 KB (schema v1, text recombined from the real feeds
// in ../shared/corpus/feeds and the news items of ../shared/eval), 30% of
// them copies (the same page in another feed, the same text under another
// link, syndicated copies with an edited headline), are published on news.raw.<feed> with the poller's
// Nats-Msg-Id and go through the dedupe and tag stages of a fresh daemon
// (`newswire run --only dedupe,tag` with its embedded server, a new store
// per run) until every new story has come out on news.tagged.<feed>. In
// the same run the same messages make one plain JetStream hop, as a
// ceiling: async publish to NEWS_RAW on a daemon that runs no stage
// (`--only poll`, no feeds: the embedded server alone), pull-consumed and
// acked by this process through the durable consumer the dedupe stage
// would use. Each is measured at every JetStream sync setting in -sync.
//
// Per run: articles per second (from the first publish to the last
// article out), CPU seconds of the daemon process (which holds the
// server) and of this process per 100,000 articles, and the daemon's
// peak resident set. Every new story must come out exactly once: the
// counts are checked and printed.
//
// The daemon is the real binary, built from this tree (-daemon newswire),
// or this command itself in -mode daemon (-daemon inproc), which wires the
// embedded server and the stages as cmd/newswire does and can write CPU
// and mutex profiles of the measured window.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/newswire/newswire/internal/harness"
)

func main() {
	harness.Main("pipeline", func(ctx context.Context) error { return run(ctx, os.Args[1:], os.Stdout, os.Stderr) })
}

// config is every flag of both modes.
type config struct {
	mode     string
	articles int
	repeat   int
	syncs    []string // "default", "always" or a duration
	daemon   string   // newswire or inproc
	bin      string
	corpus   string
	seed     uint64
	floor    bool
	memLimit string // GOMEMLIMIT of the daemon (not of this process)

	cpuProfile   string
	mutexProfile string
	memProfile   string

	// -mode daemon
	store, listen, http, parts string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("pipeline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.mode, "mode", "", "internal: daemon (the in-process daemon of -daemon inproc); empty runs the benchmark")
	fs.IntVar(&c.articles, "articles", 200000, "articles injected per run")
	fs.IntVar(&c.repeat, "repeat", 3, "runs of each side at each sync setting, interleaved; the table shows medians")
	syncs := fs.String("sync", "default,always", "JetStream sync settings to measure, comma-separated: default (the server's, 2m), always, or a duration")
	fs.StringVar(&c.daemon, "daemon", "newswire", "what runs the stages and the server: newswire (the binary, built from this tree) or inproc (this command in -mode daemon)")
	fs.StringVar(&c.bin, "bin", "", "a newswire binary to run instead of building one")
	fs.StringVar(&c.corpus, "corpus", "", "folder of real feed documents whose text the articles recombine (default: ../shared/corpus/feeds next to the repository); generated text when absent")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the generated articles")
	fs.StringVar(&c.memLimit, "memlimit", "", "the daemon's GOMEMLIMIT (a soft limit of its Go heap, e.g. 448MiB); this process keeps its own")
	fs.BoolVar(&c.floor, "floor", false, "also measure the broker floor: this process making the story stage's broker calls (publishes, acks) with none of its work, on the daemon's server (floor.go)")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "with -daemon inproc: write a CPU profile of the daemon during the first pipeline run (first -sync setting) to this file")
	fs.StringVar(&c.mutexProfile, "mutexprofile", "", "with -daemon inproc: write a mutex contention profile of the same window to this file")
	fs.StringVar(&c.memProfile, "memprofile", "", "with -daemon inproc: write a heap profile of the daemon at the end of the same window to this file")
	fs.StringVar(&c.store, "store", "", "internal (-mode daemon): JetStream store folder")
	fs.StringVar(&c.listen, "listen", "", "internal (-mode daemon): NATS listen address")
	fs.StringVar(&c.http, "http", "", "internal (-mode daemon): HTTP listen address (/readyz, /metrics)")
	fs.StringVar(&c.parts, "parts", "", "internal (-mode daemon): dedupe,tag or none")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, s := range strings.Split(*syncs, ",") {
		s = strings.TrimSpace(s)
		if _, err := syncPolicy(s); err != nil {
			return c, err
		}
		c.syncs = append(c.syncs, s)
	}
	switch {
	case c.articles < 1 || c.repeat < 1:
		return c, errors.New("-articles and -repeat must be positive")
	case c.daemon != "newswire" && c.daemon != "inproc":
		return c, fmt.Errorf("-daemon %q: want newswire or inproc", c.daemon)
	case c.profiles() && c.daemon != "inproc" && c.mode == "":
		return c, errors.New("-cpuprofile, -mutexprofile and -memprofile need -daemon inproc (the newswire binary writes no profiles)")
	}
	return c, nil
}

func (c config) profiles() bool {
	return c.cpuProfile != "" || c.mutexProfile != "" || c.memProfile != ""
}

// syncPolicy is what the server reports for a -sync value (see
// pipeline.EmbeddedServer.SyncPolicy).
func syncPolicy(s string) (string, error) {
	switch s {
	case "default":
		return (2 * time.Minute).String(), nil
	case "always":
		return "always", nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return "", fmt.Errorf("-sync %q: want default, always or a positive duration", s)
	}
	return d.String(), nil
}

// run is the whole program.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	switch c.mode {
	case "":
		return runBenchmark(ctx, c, stdout, stderr)
	case "daemon":
		return runDaemon(ctx, c, stderr)
	}
	return fmt.Errorf("-mode %q: want daemon or nothing", c.mode)
}
