package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline/dedupe"
	"github.com/newswire/newswire/pipeline/dedupe/near"
	"github.com/newswire/newswire/pipeline/tag"
)

func cmdDedupe(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "dedupe", "test --jsonl PAIRS [--half tune|check] [--show-errors]")
	jsonl := fs.String("jsonl", "", "labelled pairs, one JSON object a line: {pair_id, label: same_story|different_story, a: {title, summary, link}, b: {…}}")
	half := fs.String("half", "", "only the pairs of this half, tune or check (fixed by a hash of each pair's id, as topics test)")
	showErrors := fs.Bool("show-errors", false, "explain every pair judged against its label: scores and the rule that decided")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 || rest[0] != "test" {
		fs.Usage()
		return usagef("want: dedupe test --jsonl PAIRS")
	}
	if *jsonl == "" {
		return usagef("dedupe test: --jsonl is required")
	}
	if *half != "" && *half != "tune" && *half != "check" {
		return usagef("dedupe test: --half %q: want tune or check", *half)
	}
	f, err := os.Open(*jsonl)
	if err != nil {
		return usagef("dedupe test: %v", err)
	}
	defer f.Close()
	return testPairs(e.stdout, f, *jsonl, *half, *showErrors)
}

// dedupePair is one line of a pairs file (shared/eval/dedupe-dev*.jsonl).
type dedupePair struct {
	ID        string     `json:"pair_id"`
	Label     string     `json:"label"`
	Kind      string     `json:"kind"`
	Uncertain bool       `json:"uncertain"`
	A         dedupeItem `json:"a"`
	B         dedupeItem `json:"b"`
}

type dedupeItem struct {
	Title, Summary, Link string
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
// otherwise near.DefaultParams decide on the items' signatures.
func judgePair(a, b dedupeItem) pairVerdict {
	ka, kb := keysOf(a), keysOf(b)
	for kind, name := range ka {
		if kb[kind] == name {
			return pairVerdict{same: true, rule: "exact " + kind}
		}
	}
	s := near.Compare(near.SignLinked(a.Title, a.Summary, a.Link), near.SignLinked(b.Title, b.Summary, b.Link))
	same, rule := near.DefaultParams().Decide(s)
	return pairVerdict{same: same, rule: rule, scores: s}
}

func keysOf(it dedupeItem) map[string]string {
	a := &feeds.Article{Title: it.Title, Summary: it.Summary}
	if u, err := feeds.CanonicalURL(it.Link, nil); err == nil {
		a.URL = u
	}
	keys := map[string]string{}
	for _, k := range dedupe.Keys(a) {
		keys[k.Kind] = k.Name
	}
	return keys
}

func testPairs(w io.Writer, r io.Reader, path, half string, showErrors bool) error {
	rows := map[string]*tag.Confusion{}
	order := []string{"all", "certain only", "Polish"}
	add := func(row string, got, want bool) {
		if rows[row] == nil {
			rows[row] = &tag.Confusion{}
		}
		rows[row].Add(got, want)
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 16<<20)
	n := 0
	for line := 1; sc.Scan(); line++ {
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		var p dedupePair
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return usagef("dedupe test: %s:%d: %v", path, line, err)
		}
		if p.Label != "same_story" && p.Label != "different_story" {
			return usagef("dedupe test: %s:%d: label %q: want same_story or different_story", path, line, p.Label)
		}
		if half != "" && tag.Half(p.ID) != half {
			continue
		}
		n++
		v := judgePair(p.A, p.B)
		want := p.Label == "same_story"
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
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("dedupe test: %s: %w", path, err)
	}
	fmt.Fprintf(w, "%d pairs\n", n)
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
