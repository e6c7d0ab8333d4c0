package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

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
	rules, taxonomy, err := topicTaxonomy(*configPath, *topicsPath)
	if err != nil {
		return err
	}
	switch rest[0] {
	case "list":
		return listTopics(e.stdout, taxonomy)
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
	r, _, err := topicTaxonomy(configPath, topicsPath)
	return r, err
}

// topicTaxonomy is topicRules that also returns the rules as written (for
// the topics' descriptions).
func topicTaxonomy(configPath, topicsPath string) (*tag.Rules, *configs.Topics, error) {
	var t *configs.Topics
	var err error
	switch {
	case topicsPath != "":
		t, err = configs.LoadTopics(topicsPath)
	default:
		cfg, lerr := configs.Load(configPath, nil) // its topics file only: no environment
		if lerr != nil {
			return nil, nil, usageError{lerr}
		}
		if cfg.TopicsFile != "" {
			t, err = configs.LoadTopics(cfg.TopicsFile)
		} else {
			t, err = configs.DefaultTopics()
		}
	}
	r, err := compileTopics(t, err)
	if err != nil {
		return nil, nil, usageError{err}
	}
	return r, t, nil
}

// listTopics prints each topic and its description (its first sentence),
// or, for a topic without one, its first strong phrases.
func listTopics(w io.Writer, t *configs.Topics) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, tp := range t.Topics {
		fmt.Fprintf(tw, "%s\t%s\n", tp.Name, topicSummary(tp))
	}
	return tw.Flush()
}

func topicSummary(tp configs.Topic) string {
	desc := strings.Join(strings.Fields(tp.Description), " ")
	if desc != "" {
		if i := strings.Index(desc, ". "); i >= 0 {
			desc = desc[:i+1]
		}
		return desc
	}
	strong := tp.Strong
	if len(strong) > 3 {
		strong = strong[:3]
	}
	if len(strong) == 0 {
		return "-"
	}
	hint := "strong: " + strings.Join(strong, ", ")
	if len(tp.Strong) > 3 {
		hint += ", …"
	}
	return hint
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
