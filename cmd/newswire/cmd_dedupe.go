package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/internal/labelled"
	"github.com/newswire/newswire/pipeline/dedupe"
	"github.com/newswire/newswire/pipeline/dedupe/near"
	"github.com/newswire/newswire/pipeline/tag"
)

// dedupeVerbs are dedupe's subcommands (also for completion).
var dedupeVerbs = []string{"test"}

func cmdDedupe(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "dedupe", "test --jsonl PAIRS [--half tune|check] [--strictness D | --curve] [--show-errors]")
	jsonl := fs.String("jsonl", "", "labelled pairs, one JSON object a line: {pair_id, label: same_story|different_story, a: {title, summary, link}, b: {…}}")
	half := fs.String("half", "", "only the pairs of this half, tune or check (fixed by a hash of each pair's id, as topics test)")
	strictness := fs.Float64("strictness", 0, "judge with the near-duplicate thresholds moved by D, as dedupe.strictness does")
	curve := fs.Bool("curve", false, "print precision and recall for strictness from -0.2 to 0.2 instead")
	showErrors := fs.Bool("show-errors", false, "explain every pair judged against its label: scores and the rule that decided")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		fs.Usage()
		return usagef("want: dedupe test --jsonl PAIRS")
	}
	if rest[0] != "test" {
		return unknownCommand("dedupe command", rest[0], dedupeVerbs, "newswire dedupe --help")
	}
	if len(rest) != 1 {
		return usagef("dedupe test takes no arguments, got %q", rest[1:])
	}
	if *jsonl == "" {
		return usagef("dedupe test: --jsonl is required")
	}
	if *half != "" && *half != "tune" && *half != "check" {
		return usagef("dedupe test: --half %q: want tune or check", *half)
	}
	pairs, err := readPairs(*jsonl, *half)
	if err != nil {
		return err
	}
	if *curve {
		return pairCurve(e.stdout, pairs)
	}
	return testPairs(e.stdout, pairs, near.DefaultParams().Stricter(*strictness), *showErrors)
}

// readPairs reads a pairs file, only the pairs of half when it is set.
func readPairs(path, half string) ([]labelled.Pair, error) {
	all, err := labelled.ReadPairs(path)
	if err != nil {
		return nil, usagef("dedupe test: %v", err)
	}
	var pairs []labelled.Pair
	for _, p := range all {
		if half == "" || tag.Half(p.ID) == half {
			pairs = append(pairs, p)
		}
	}
	return pairs, nil
}

// pairCurve prints precision and recall of the pairs, and of their check
// half, as dedupe.strictness moves.
func pairCurve(w io.Writer, pairs []labelled.Pair) error {
	fmt.Fprintf(w, "%d pairs\n", len(pairs))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "strictness\tsame→same\tdifferent→same\tsame missed\tprecision\trecall\tcheck half P\tcheck half R\t")
	for d := -0.2; d < 0.2001; d += 0.05 {
		d = math.Round(d*100) / 100
		params := near.DefaultParams().Stricter(d)
		var all, check tag.Confusion
		for _, p := range pairs {
			got, want := judgePair(p.A, p.B, params).same, p.Same()
			all.Add(got, want)
			if tag.Half(p.ID) == "check" {
				check.Add(got, want)
			}
		}
		p, r, _ := all.Scores()
		cp, cr, _ := check.Scores()
		fmt.Fprintf(tw, "%+.2f\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t\n", d, all.TP, all.FP, all.FN, p, r, cp, cr)
	}
	return tw.Flush()
}

// pairVerdict is how the stage's rules judge one pair: an exact key both
// items share (url, content), else the near-duplicate rule.
type pairVerdict struct {
	same   bool
	rule   string
	scores near.Scores
}

// judgePair applies what the dedupe stage applies to two items of
// different feeds: the same canonical URL or the same text is a copy;
// otherwise params decide on the items' signatures.
func judgePair(a, b labelled.Item, params near.Params) pairVerdict {
	ka, kb := keysOf(a), keysOf(b)
	for kind, name := range ka {
		if kb[kind] == name {
			return pairVerdict{same: true, rule: "exact " + kind}
		}
	}
	s := near.Compare(near.SignLinked(a.Title, a.Summary, a.Link), near.SignLinked(b.Title, b.Summary, b.Link))
	same, rule := params.Decide(s)
	return pairVerdict{same: same, rule: rule, scores: s}
}

func keysOf(it labelled.Item) map[string]uint64 {
	a := &feeds.Article{Title: it.Title, Summary: it.Summary}
	if u, err := feeds.CanonicalURL(it.Link, nil); err == nil {
		a.URL = u
	}
	keys := map[string]uint64{}
	for _, k := range dedupe.Keys(a) {
		keys[k.Kind] = k.Hash
	}
	return keys
}

func testPairs(w io.Writer, pairs []labelled.Pair, params near.Params, showErrors bool) error {
	rows := map[string]*tag.Confusion{}
	order := []string{"all", "certain only", "Polish"}
	add := func(row string, got, want bool) {
		if rows[row] == nil {
			rows[row] = &tag.Confusion{}
		}
		rows[row].Add(got, want)
	}
	for _, p := range pairs {
		v := judgePair(p.A, p.B, params)
		want := p.Same()
		add("all", v.same, want)
		if !p.Uncertain {
			add("certain only", v.same, want)
		}
		if polish(p.A.Title+p.A.Summary) || polish(p.B.Title+p.B.Summary) {
			add("Polish", v.same, want)
		}
		if showErrors && v.same != want {
			fmt.Fprintf(w, "--- %s (%s%s): judged %s by %s, labelled %s\n", p.ID, p.Kind, map[bool]string{true: ", uncertain"}[p.Uncertain],
				map[bool]string{true: "same", false: "different"}[v.same], v.rule, p.Label)
			fmt.Fprintf(w, "  a: %s\n  b: %s\n", p.A.Title, p.B.Title)
			if !strings.HasPrefix(v.rule, "exact") {
				s := v.scores
				fmt.Fprintf(w, "  summaries: jaccard %.2f containment %.2f (smaller has %d shingles); headline words in the other item %.2f\n",
					s.Jaccard, s.Containment, s.MinSize, s.Support)
				fmt.Fprintf(w, "  headlines: %.2f of the shorter's bigrams, %.2f of the longer's, %d shared; headline-only %.2f\n",
					s.Headline, s.HeadlineLonger, s.HeadlineShared, s.HeadlineOnly)
				fmt.Fprintf(w, "  items: %s and %s; same publisher %s, same article number %s; headline numbers agree %s\n",
					s.Kinds[0], s.Kinds[1], yesNo(s.SameSite), yesNo(s.SameLink), yesNo(s.SameNumbers))
			}
		}
	}
	fmt.Fprintf(w, "%d pairs\n", len(pairs))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "pairs\tjudged\tsame→same\tdifferent→same\tsame missed\tprecision\trecall\t")
	for _, name := range order {
		c := rows[name]
		if c == nil {
			continue
		}
		p, r, _ := c.Scores()
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.3f\t%.3f\t\n", name, c.TP+c.FP+c.FN+c.TN, c.TP, c.FP, c.FN, p, r)
	}
	return tw.Flush()
}

// polish reports whether text has letters only Polish among the feeds'
// languages writes (ą ę ł ń ś ź ż ć).
func polish(text string) bool { return strings.ContainsAny(text, "ąęłńśźżćĄĘŁŃŚŹŻĆ") }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
