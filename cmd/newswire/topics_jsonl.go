package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/newswire/newswire/pipeline/tag"
)

// jsonlItem is one line of a `topics test --jsonl` file. Other keys are
// ignored.
type jsonlItem struct {
	ID       string         `json:"id"`
	Title    string         `json:"title"`
	Summary  string         `json:"summary"`
	Content  string         `json:"content"`
	Language string         `json:"language"`
	Labels   map[string]int `json:"labels"` // topic → 1 (about it) or 0 (not)
}

// testJSONL tags every line of path (only those of half, tune or check,
// when half is set). Without labels it prints each line's id and topics;
// with labels, a precision/recall/F1 table per labelled topic, and one per
// language when the items are in more than one (with showErrors, the
// explanation of each miss).
func testJSONL(e *env, rules *tag.Rules, path, half string, showErrors bool) error {
	f, err := os.Open(path)
	if err != nil {
		return usagef("topics test: %v", err)
	}
	defer f.Close()
	scores := map[string]*tag.Confusion{}
	byLang := map[string]map[string]*tag.Confusion{} // language → topic → counts
	langItems := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	n := 0
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var it jsonlItem
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			return usagef("topics test: %s:%d: %v", path, line, err)
		}
		if half != "" && tag.Half(it.ID) != half {
			continue
		}
		n++
		lang := primaryLanguage(it.Language)
		langItems[lang]++
		doc := tag.Document{Title: it.Title, Summary: it.Summary, Content: it.Content, Language: it.Language}
		var got []string
		for _, m := range rules.Match(doc) {
			got = append(got, m.Name)
		}
		if len(it.Labels) == 0 {
			fmt.Fprintf(e.stdout, "%s\t%v\n", cmp.Or(it.ID, fmt.Sprintf("line %d", line)), got)
			continue
		}
		if byLang[lang] == nil {
			byLang[lang] = map[string]*tag.Confusion{}
		}
		for topic, label := range it.Labels {
			has := slices.Contains(got, topic)
			count(scores, topic).Add(has, label == 1)
			count(byLang[lang], topic).Add(has, label == 1)
			if showErrors && has != (label == 1) {
				fmt.Fprintf(e.stdout, "--- %s %s: got %v, labelled %d: %s\n", cmp.Or(it.ID, fmt.Sprintf("line %d", line)), topic, has, label, it.Title)
				printReport(e.stdout, onlyTopic(rules.Explain(doc), topic))
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("topics test: %s: %w", path, err)
	}
	if len(scores) > 0 {
		printScores(e.stdout, n, scores)
		if len(byLang) > 1 {
			langs := slices.Sorted(maps.Keys(byLang))
			for _, lang := range langs {
				fmt.Fprintf(e.stdout, "\nlanguage %s: ", lang)
				printScores(e.stdout, langItems[lang], byLang[lang])
			}
		}
	}
	return nil
}

func count(m map[string]*tag.Confusion, topic string) *tag.Confusion {
	c := m[topic]
	if c == nil {
		c = &tag.Confusion{}
		m[topic] = c
	}
	return c
}

// primaryLanguage is the language of a tag ("pl-PL" → "pl"), or "unknown".
func primaryLanguage(tag string) string {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	primary, _, _ = strings.Cut(primary, "_")
	return cmp.Or(primary, "unknown")
}

func onlyTopic(rep tag.Report, topic string) tag.Report {
	rep.Topics = slices.DeleteFunc(rep.Topics, func(x tag.Explanation) bool { return x.Topic != topic })
	return rep
}

func printScores(w io.Writer, items int, scores map[string]*tag.Confusion) {
	names := make([]string, 0, len(scores))
	for name := range scores {
		names = append(names, name)
	}
	slices.Sort(names)
	fmt.Fprintf(w, "%d items\n", items)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "topic\tlabelled\ttp\tfp\tfn\tprecision\trecall\tF1\t")
	for _, name := range names {
		c := scores[name]
		p, r, f1 := c.Scores()
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t\n", name, c.TP+c.FP+c.FN+c.TN, c.TP, c.FP, c.FN, p, r, f1)
	}
	tw.Flush()
}
