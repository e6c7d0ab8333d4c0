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
// Sections are functions of the config; a new one (the dedupe stage's
// throughput on JetStream) is added to sections.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dedupe:", err)
		os.Exit(1)
	}
}

type config struct {
	sizes   []int
	queries int
	repeat  int
	only    string
}

// section measures one thing and writes its table to w.
type section struct {
	name string
	run  func(ctx context.Context, c config, w io.Writer) error
}

var sections = []section{
	{"index", runIndex},
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dedupe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("sizes", "10000,100000,1000000", "window sizes (stories remembered), comma-separated")
	var c config
	fs.IntVar(&c.queries, "queries", 2000, "queries timed per size and repeat")
	fs.IntVar(&c.repeat, "repeat", 5, "repeats; the table shows medians")
	fs.StringVar(&c.only, "section", "", "run only this section (default: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("bad -sizes entry %q", s)
		}
		c.sizes = append(c.sizes, n)
	}
	if c.queries < 1 || c.repeat < 1 {
		return errors.New("-queries and -repeat must be positive")
	}
	for _, s := range sections {
		if c.only != "" && c.only != s.name {
			continue
		}
		if err := s.run(ctx, c, stdout); err != nil {
			return fmt.Errorf("section %s: %w", s.name, err)
		}
	}
	return nil
}
