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

// topicsVerbs are topics' subcommands.
var topicsVerbs = []string{"list", "test"}

func cmdTopics(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "topics", "[--config FILE] [--topics FILE] list | test (TEXT | --file F | --jsonl F [--half tune|check] [--show-errors])")
	configPath := fs.String("config", defaultConfigPath(e), "config file (for its topics_file)")
	topicsPath := fs.String("topics", "", "topic rules file to use instead of the config's")
	file := fs.String("file", "", "with test: read the text from this file (- for stdin); its first line is the title")
	jsonl := fs.String("jsonl", "", "with test: tag each JSON line of this file (title, summary, content, language); score it when lines carry labels")
	lang := fs.String("lang", "", "with test TEXT or --file: the text's language (default: detected)")
	showErrors := fs.Bool("show-errors", false, "with --jsonl: explain every item a labelled topic got wrong")
	half := fs.String("half", "", "with --jsonl: only the items of this half, tune or check (fixed by a hash of each item's id)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		fs.Usage()
		return usagef("want list or test")
	}
	rules, err := topicRules(*configPath, *topicsPath)
	if err != nil {
		return err
	}
	switch rest[0] {
	case "list":
		for _, name := range rules.Topics() {
			fmt.Fprintln(e.stdout, name)
		}
		return nil
	case "test":
		if *jsonl != "" {
			if len(rest) > 1 || *file != "" {
				return usagef("topics test: --jsonl takes no text and no --file")
			}
			if *half != "" && *half != "tune" && *half != "check" {
				return usagef("topics test: --half %q: want tune or check", *half)
			}
			return testJSONL(e, rules, *jsonl, *half, *showErrors)
		}
		doc, err := topicsTestInput(e, *file, rest[1:])
		if err != nil {
			return err
		}
		doc.Language = *lang
		printReport(e.stdout, rules.Explain(doc))
		return nil
	default:
		return unknownCommand("topics command", rest[0], topicsVerbs, "newswire topics --help")
	}
}

// topicRules compiles the rules of topicsPath, else those the config
// names. Problems are usage errors naming file, line and key.
func topicRules(configPath, topicsPath string) (*tag.Rules, error) {
	if topicsPath != "" {
		r, err := compileTopics(configs.LoadTopics(topicsPath))
		if err != nil {
			return nil, usageError{err}
		}
		return r, nil
	}
	cfg, err := configs.Load(configPath, nil) // its topics file only: no environment
	if err != nil {
		return nil, usageError{err}
	}
	r, err := loadRules(cfg)
	if err != nil {
		return nil, usageError{err}
	}
	return r, nil
}

// topicsTestInput reads the text to test: the arguments (title only) or a
// file whose first line is the title and the rest the summary.
func topicsTestInput(e *env, file string, args []string) (tag.Document, error) {
	if file == "" {
		if len(args) == 0 {
			return tag.Document{}, usagef("topics test: give a text, --file or --jsonl")
		}
		return tag.Document{Title: strings.Join(args, " ")}, nil
	}
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(e.stdin)
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return tag.Document{}, usagef("topics test: %v", err)
	}
	title, summary, _ := strings.Cut(string(data), "\n")
	return tag.Document{Title: title, Summary: summary}, nil
}

// printReport shows, for each topic with any evidence, its verdict and
// every hit with what it added or why it did not count.
func printReport(w io.Writer, rep tag.Report) {
	how := "given"
	if rep.Detected {
		how = "detected"
	} else if rep.Language == "unknown" {
		how = "every language's lists apply"
	}
	fmt.Fprintf(w, "language: %s (%s)\n", rep.Language, how)
	if len(rep.Topics) == 0 {
		fmt.Fprintln(w, "no topic phrase occurs in this text")
	}
	for _, x := range rep.Topics {
		verdict := "no match"
		switch {
		case x.NoneOf != "":
			verdict = fmt.Sprintf("VETOED by none_of %q in the %s", x.NoneOf, x.NoneOfField)
		case x.OtherSense:
			verdict = "VETOED: read in another sense"
		case x.Matched:
			verdict = "MATCH"
		}
		fmt.Fprintf(w, "%s: %s (score %.1f, needs %.1f)\n", x.Topic, verdict, x.Score, x.MinScore)
		if len(x.OtherSenses) > 0 {
			fmt.Fprintf(w, "  senses: other %d %q, context %d %q\n", len(x.OtherSenses), x.OtherSenses, len(x.Context), x.Context)
		}
		for _, h := range x.Hits {
			note := fmt.Sprintf("+%.1f", h.Score)
			switch {
			case h.VetoedBy != "":
				note = fmt.Sprintf("vetoed by exclude %q", h.VetoedBy)
			case h.NoContext:
				note = "no require phrase near it"
			case h.Score == 0 && h.SameMention:
				note = "part of a mention counted above"
			case h.Score == 0:
				note = "already counted"
			case h.Background != "":
				note += fmt.Sprintf(" (in passing: after background %q)", h.Background)
			case h.Passing:
				note += " (in passing: past the lede)"
			}
			fmt.Fprintf(w, "  %-7s %-6s %-30q %s\n", h.Field, h.Kind, h.Phrase, note)
		}
	}
}
