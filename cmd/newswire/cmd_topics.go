package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/pipeline/tag"
)

func cmdTopics(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "topics", "[--config FILE] list | test (TEXT | --file F)")
	configPath := fs.String("config", defaultConfigPath(e), "config file (for its topics_file)")
	file := fs.String("file", "", "with test: read the text from this file (- for stdin); its first line is the title")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		fs.Usage()
		return usagef("want list or test")
	}
	cfg, err := configs.Load(*configPath)
	if err != nil {
		return usageError{err}
	}
	rules, err := loadRules(cfg)
	if err != nil {
		return usageError{err}
	}
	switch rest[0] {
	case "list":
		for _, name := range rules.Topics() {
			fmt.Fprintln(e.stdout, name)
		}
		return nil
	case "test":
		title, summary, err := topicsTestInput(e, *file, rest[1:])
		if err != nil {
			return err
		}
		printExplanations(e.stdout, rules.Explain(title, summary))
		return nil
	default:
		return usagef("unknown topics command %q (want list or test)", rest[0])
	}
}

// topicsTestInput reads the text to test: the arguments (title only) or a
// file whose first line is the title and the rest the summary.
func topicsTestInput(e *env, file string, args []string) (title, summary string, err error) {
	if file == "" {
		if len(args) == 0 {
			return "", "", usagef("topics test: give a text or --file")
		}
		return strings.Join(args, " "), "", nil
	}
	var data []byte
	if file == "-" {
		data, err = io.ReadAll(e.stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return "", "", usagef("topics test: %v", err)
	}
	title, summary, _ = strings.Cut(string(data), "\n")
	return title, summary, nil
}

func printExplanations(w io.Writer, ex []tag.Explanation) {
	any := false
	for _, x := range ex {
		if len(x.Hits) == 0 {
			continue
		}
		any = true
		verdict := "no match"
		if x.Matched {
			verdict = "MATCH"
		}
		fmt.Fprintf(w, "%s: %s (score %.1f, needs %.1f)\n", x.Topic, verdict, x.Score, x.MinScore)
		for _, h := range x.Hits {
			note := fmt.Sprintf("+%.1f", h.Score)
			if h.VetoedBy != "" {
				note = fmt.Sprintf("vetoed by %q", h.VetoedBy)
			} else if h.Score == 0 {
				note = "already counted"
			}
			fmt.Fprintf(w, "  %-7s %-6s %-30q %s\n", h.Field, h.Kind, h.Phrase, note)
		}
	}
	if !any {
		fmt.Fprintln(w, "no topic phrase occurs in this text")
	}
}
