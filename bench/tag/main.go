// Command tag measures what tagging a 4 KB article costs newswire's topic
// engine (pipeline/tag: one multi-pattern pass, then scoring per topic) at
// 100, 1,000 and 10,000 phrases, next to a baseline of one regexp per topic
// (the topic's phrases alternated between \b word boundaries,
// case-insensitive) in the same run, and prints a markdown table of medians.
//
//	go run ./bench/tag [-phrases 100,1000,10000] [-runs 7] [-min-time 200ms]
//
// See bench/README.md for what is measured and why.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/newswire/newswire/internal/harness"
	"github.com/newswire/newswire/pipeline/tag/tagtest"
)

func main() {
	harness.Main("tag", func(ctx context.Context) error { return run(ctx, os.Args[1:], os.Stdout, os.Stderr) })
}

type config struct {
	phrases      []int
	perTopic     int
	articleBytes int
	runs         int
	minTime      time.Duration
	baseline     bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	c := config{}
	fs := flag.NewFlagSet("tag", flag.ContinueOnError)
	fs.SetOutput(stderr)
	phrases := fs.String("phrases", "100,1000,10000", "comma-separated phrase counts")
	fs.IntVar(&c.perTopic, "per-topic", 100, "phrases per topic")
	fs.IntVar(&c.articleBytes, "article-bytes", 4096, "size of the article body (plus an 80-byte title)")
	fs.IntVar(&c.runs, "runs", 7, "timed runs of each side at each size; the table shows medians")
	fs.DurationVar(&c.minTime, "min-time", 200*time.Millisecond, "least time one run of the engine takes (the baseline runs at least 3 articles)")
	fs.BoolVar(&c.baseline, "baseline", true, "measure the regexp baseline too")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, p := range strings.Split(*phrases, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n <= 0 {
			return c, fmt.Errorf("-phrases: %q is not a positive number", p)
		}
		c.phrases = append(c.phrases, n)
	}
	if c.runs < 1 || c.perTopic < 1 || c.articleBytes < 1 {
		return c, errors.New("-runs, -per-topic and -article-bytes must be positive")
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	title, body := tagtest.Article(80), tagtest.Article(c.articleBytes)
	var rows []row
	for _, n := range c.phrases {
		topics := tagtest.PhraseTopics(n, c.perTopic)
		nw, err := newEngine(topics)
		if err != nil {
			return err
		}
		r := row{phrases: n, topics: len(topics.Topics), hits: nw.hits(title, body)}
		var base *regexpTagger
		if c.baseline {
			if base, err = newRegexpTagger(topics); err != nil {
				return err
			}
			if got, want := base.topics(title, body), nw.topicsWithHits(title, body); got != want {
				// Both find the same phrases: a sanity check that the
				// baseline does the same work, not a different one.
				fmt.Fprintf(stderr, "note: %d phrases: baseline sees %d topics with hits, engine %d\n", n, got, want)
			}
		}
		// Interleave the sides run by run, so that a busy spell on a
		// shared machine hurts both rather than one.
		for i := range c.runs {
			if err := ctx.Err(); err != nil {
				return err
			}
			r.engine = append(r.engine, measure(c.minTime, 1, func() { nw.tag(title, body) }))
			if base != nil {
				r.regexp = append(r.regexp, measure(c.minTime/4, 3, func() { base.tag(title, body) }))
			}
			fmt.Fprintf(stderr, "\r%d phrases: run %d/%d", n, i+1, c.runs)
		}
		fmt.Fprintln(stderr)
		rows = append(rows, r)
	}
	printTable(stdout, c, len(title)+len(body), rows)
	return nil
}
