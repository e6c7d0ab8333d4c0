// Command poll measures what polling costs newswire's poller and, in the
// same run, a baseline of gofeed's ParseURL in a loop, against the same
// local feed server, and prints a markdown table of medians.
//
//	go run ./bench/poll [-feeds 10000] [-rounds 3] [-repeat 3]
//
// The program re-executes itself: one child process serves the feeds
// (-mode serve), and every measured side runs in a child of its own
// (-mode newswire, -mode baseline), so each side's CPU time and peak
// resident memory are its own and exclude the feed server. See
// bench/README.md for what is measured and why.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/newswire/newswire/internal/harness"
)

func main() {
	harness.Main("poll", func(ctx context.Context) error { return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr) })
}

// config is every flag of every mode; the parent passes the relevant ones
// on to its children.
type config struct {
	mode         string
	feeds        int
	feedsPerHost int
	rounds       int
	warmup       int
	interval     time.Duration
	concurrency  int
	repeat       int
	slow         time.Duration
	docBytes     int
	corpus       string
	control      string // the feed server's control URL (children)
	cpuProfile   string
	memProfile   string
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("poll", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.mode, "mode", "", "internal: serve, newswire or baseline (the child processes); empty runs the benchmark")
	fs.IntVar(&c.feeds, "feeds", 10000, "number of feeds served and polled")
	fs.IntVar(&c.feedsPerHost, "feeds-per-host", 4, "feeds per distinct host (loopback address 127.1.x.y)")
	fs.IntVar(&c.rounds, "rounds", 3, "measured rounds: each side makes rounds × feeds polls after the warm-up")
	fs.IntVar(&c.warmup, "warmup", 1, "unmeasured warm-up rounds before the measured ones (newswire's first poll of a feed is unconditional and publishes every item)")
	fs.DurationVar(&c.interval, "interval", 10*time.Second, "newswire: every feed's pinned poll interval")
	fs.IntVar(&c.concurrency, "concurrency", 64, "polls in progress at once, for both sides")
	fs.IntVar(&c.repeat, "repeat", 3, "runs of each side; the table shows medians")
	fs.DurationVar(&c.slow, "slow", 3*time.Second, "longest delay of a slow feed; delays are spread between a third of it and it")
	fs.IntVar(&c.docBytes, "doc-bytes", 0, "mean size of a feed document (sizes spread from a third of it to five thirds); 0: each document as long as a whole feed of the corpus (10 items or more), or 40000 without the corpus")
	fs.StringVar(&c.corpus, "corpus", "../shared/corpus/feeds", "folder of real feed documents whose items serve as templates; generated text when absent")
	fs.StringVar(&c.control, "control", "", "internal: the feed server's control URL")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of newswire's measured window (first run) to this file")
	fs.StringVar(&c.memProfile, "memprofile", "", "write a heap profile of newswire at the end of its first run to this file")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case c.feeds < 1, c.docBytes != 0 && c.docBytes < 1000, c.feedsPerHost < 1, c.rounds < 1, c.warmup < 0, c.concurrency < 1, c.repeat < 1:
		return c, errors.New("-doc-bytes must be 0 or at least 1000; -feeds, -feeds-per-host, -rounds, -concurrency and -repeat must be positive, -warmup at least 0")
	case c.interval <= 0:
		return c, errors.New("-interval must be positive")
	}
	return c, nil
}

// run is the whole program. stdin matters only to the feed server, which
// exits when it reaches EOF (its parent closed the pipe or died).
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	switch c.mode {
	case "":
		return runBenchmark(ctx, c, stdout, stderr)
	case "serve":
		return serveFeeds(ctx, c, stdin, stdout)
	case "newswire":
		return runSide(ctx, c, stdout, newswireSide)
	case "baseline":
		return runSide(ctx, c, stdout, baselineSide)
	default:
		return fmt.Errorf("-mode %q: want serve, newswire or baseline", c.mode)
	}
}
