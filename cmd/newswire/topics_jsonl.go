package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
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

// testJSONL tags every line of path. Without labels it prints each
// line's id and topics; with labels, a precision/recall/F1 table per
// labelled topic (and with showErrors, the explanation of each miss).
func testJSONL(e *env, rules *tag.Rules, path string, showErrors bool) error {
	f, err := os.Open(path)
	if err != nil {
		return usagef("topics test: %v", err)
	}
	defer f.Close()
	scores := map[string]*tag.Confusion{}
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
		n++
		doc := tag.Document{Title: it.Title, Summary: it.Summary, Content: it.Content, Language: it.Language}
		var got []string
		for _, m := range rules.Match(doc) {
			got = append(got, m.Name)
		}
		if len(it.Labels) == 0 {
			fmt.Fprintf(e.stdout, "%s\t%v\n", cmp.Or(it.ID, fmt.Sprintf("line %d", line)), got)
			continue
		}
		for topic, label := range it.Labels {
			c := scores[topic]
			if c == nil {
				c = &tag.Confusion{}
				scores[topic] = c
			}
			has := slices.Contains(got, topic)
			c.Add(has, label == 1)
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
	}
	return nil
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
