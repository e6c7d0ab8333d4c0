// Command dedupe measures newswire's near-duplicate detection
// (pipeline/dedupe/near) and prints a markdown table per section:
//
//	go run ./bench/dedupe [-sizes 10000,100000,1000000] [-queries 2000] [-repeat 5]
//
// Section "index": for each window size, an Index filled with that many
// synthetic stories spread over its 72 h window: heap per remembered story
// (live heap after GC, divided by the stories), the median time of Query
// for copies of remembered stories and for new stories, and the median
// time of Add. Signing is measured apart (Sign), since the stage signs
// once per article whatever the window.
//
// Section "stage": the dedupe stage as the daemon runs it (dedupe.New with
// a near-duplicate Window, under pipeline.NewRunner) on an embedded
// JetStream server in this process, for each window size in -remembered:
//
//	go run ./bench/dedupe -section stage [-remembered 10000,1000000] [-articles 50000] [-stage-runs 3]
//
// The window's stories are stored on NEWS_TAGGED once per size (as the
// stage publishes them, its story and signature headers included), and
// every run starts a server on a copy of that store: the first run loads
// memory from the stream ("load from the stream") and stores a snapshot,
// the second restarts from that snapshot ("restart"). The
// -articles inputs (70% new stories, 10% exact copies of earlier inputs
// from other feeds, 10% edited and trimmed copies of remembered stories,
// 10% such copies of earlier inputs) are then stored on news.raw.<feed> with the
// poller's Nats-Msg-Id, and the stage is timed from its start until the
// dedupe consumer has nothing pending or unacked. CPU time is the whole
// process's (getrusage), so it includes the embedded server; the heap per
// remembered story is what dropping the Window releases, after GC.
//
// Sections "rules" (the near-duplicate rule on the labelled pairs, knob by
// knob and cross-validated) and "corpus" (the index's query cost on a file
// of real feed items, -corpus) run only when named with -section.
//
// Sections are functions of the config, listed in sections.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/newswire/newswire/internal/harness"
)

func main() {
	harness.Main("dedupe", func(ctx context.Context) error { return run(ctx, os.Args[1:], os.Stdout, os.Stderr) })
}

type config struct {
	sizes   []int
	queries int
	repeat  int
	only    string

	// section stage
	remembered   []int
	articles     int
	stageRuns    int
	concurrency  int
	cpuProfile   string
	mutexProfile string

	evalDir, corpus string // sections rules and corpus

	progress io.Writer // lines about runs in progress
}

// section measures one thing and writes its table to w.
type section struct {
	name      string
	run       func(ctx context.Context, c config, w io.Writer) error
	whenAsked bool // runs only when named with -section
}

var sections = []section{
	{"index", runIndex, false},
	{"stage", runStage, false},
	{"rules", runRules, true},
	{"corpus", runCorpus, true},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dedupe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("sizes", "10000,100000,1000000", "window sizes (stories remembered), comma-separated")
	var c config
	fs.IntVar(&c.queries, "queries", 2000, "queries timed per size and repeat")
	fs.IntVar(&c.repeat, "repeat", 5, "repeats; the table shows medians")
	fs.StringVar(&c.only, "section", "", "run only this section: index, stage, rules or corpus (default: index and stage)")
	fs.StringVar(&c.evalDir, "eval", "", "rules: folder with dedupe-dev*.jsonl (default ../shared/eval beside the repository)")
	fs.StringVar(&c.corpus, "corpus", "", "corpus: a JSON-lines file of {title, summary} feed items in feed order")
	remembered := fs.String("remembered", "10000,1000000", "stage: stories remembered by the near-duplicate window, comma-separated")
	fs.IntVar(&c.articles, "articles", 50000, "stage: articles injected per run")
	fs.IntVar(&c.stageRuns, "stage-runs", 3, "stage: runs per window size; the table shows medians")
	fs.IntVar(&c.concurrency, "concurrency", 64, "stage: messages handled at once (the runner's default)")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "stage: write a CPU profile of the first measured run of the last window size to this file")
	fs.StringVar(&c.mutexProfile, "mutexprofile", "", "stage: write a mutex contention profile of the same run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.progress = stderr
	var err error
	if c.sizes, err = positiveInts("-sizes", *sizes); err != nil {
		return err
	}
	if c.remembered, err = positiveInts("-remembered", *remembered); err != nil {
		return err
	}
	if c.queries < 1 || c.repeat < 1 || c.articles < 1 || c.stageRuns < 1 || c.concurrency < 1 {
		return errors.New("-queries, -repeat, -articles, -stage-runs and -concurrency must be positive")
	}
	if c.only != "" && !slices.ContainsFunc(sections, func(s section) bool { return s.name == c.only }) {
		return fmt.Errorf("no section %q", c.only)
	}
	for _, s := range sections {
		if c.only != "" && c.only != s.name || c.only == "" && s.whenAsked {
			continue
		}
		if err := s.run(ctx, c, stdout); err != nil {
			return fmt.Errorf("section %s: %w", s.name, err)
		}
	}
	return nil
}

func positiveInts(flag, list string) ([]int, error) {
	var out []int
	for _, s := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("bad %s entry %q", flag, s)
		}
		out = append(out, n)
	}
	return out, nil
}
