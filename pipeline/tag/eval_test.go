package tag

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/newswire/newswire/configs"
)

// evalItem is one line of shared/eval/tagging-dev*.jsonl.
type evalItem struct {
	ID       string         `json:"id"`
	Title    string         `json:"title"`
	Summary  string         `json:"summary"`
	Language string         `json:"language"`
	Labels   map[string]int `json:"labels"`
	file     string         // the file's name without .jsonl
}

// evalFiles are the labelled sets the shipped ceasefire and sanctions
// rules are measured on.
var evalFiles = []string{"tagging-dev.jsonl", "tagging-dev-2.jsonl"}

// TestEvalTagging scores the shipped taxonomy against both labelled sets:
// each file, each half (Half: tune, check), Polish apart, and all items
// together, next to the keyword baseline of shared/eval/README.md. Rules
// were tuned on the tune half only; the check half says whether that holds
// on items nobody tuned on.
func TestEvalTagging(t *testing.T) {
	// The lowest scores the shipped rules may reach on all 509 items and
	// on the check half: about 0.02 under what they scored when last
	// tuned (docs/topics.md: ceasefire 0.912, P 0.912, check 0.897;
	// sanctions 0.907, P 0.912, check 0.846), so a rule change that loses
	// ground fails here.
	floors := map[string]struct{ f1, precision, checkF1 float64 }{
		"ceasefire": {0.89, 0.89, 0.87},
		"sanctions": {0.885, 0.89, 0.82},
	}
	items := loadEvalItems(t)
	rules := compileShipped(t)
	baseline := map[string]*regexp.Regexp{
		"ceasefire": regexp.MustCompile(`(?i)ceasefire|cease-fire|truce|armistice`),
		"sanctions": regexp.MustCompile(`(?i)sanction|embargo`),
	}
	for _, topic := range []string{"ceasefire", "sanctions"} {
		rows := map[string]*[2]Confusion{} // row → rules, baseline
		var order []string
		add := func(row string, got, base, want bool) {
			c := rows[row]
			if c == nil {
				c = &[2]Confusion{}
				rows[row] = c
				order = append(order, row)
			}
			c[0].Add(got, want)
			c[1].Add(base, want)
		}
		for _, it := range items {
			want := it.Labels[topic] == 1
			got := false
			for _, m := range rules.Match(Document{Title: it.Title, Summary: it.Summary, Language: it.Language}) {
				got = got || m.Name == topic
			}
			base := baseline[topic].MatchString(it.Title + " " + it.Summary)
			if testing.Verbose() && got != want {
				t.Logf("%s %s: got %v, want %v: %s | %.200s", it.ID, topic, got, want, it.Title, it.Summary)
			}
			lang := "not Polish"
			if languageOf(it.Language) == langOf("pl") {
				lang = "Polish"
			}
			for _, row := range []string{"all", it.file + " " + Half(it.ID), "half " + Half(it.ID), lang} {
				add(row, got, base, want)
			}
		}
		slices.Sort(order)
		for _, row := range order {
			p, rc, f := rows[row][0].Scores()
			_, _, bf := rows[row][1].Scores()
			c := rows[row][0]
			t.Logf("%-10s %-26s P %.3f R %.3f F1 %.3f (tp %3d fp %2d fn %2d)  keyword F1 %.3f", topic, row, p, rc, f, c.TP, c.FP, c.FN, bf)
		}
		p, _, f := rows["all"][0].Scores()
		if fl := floors[topic]; f < fl.f1 || p < fl.precision {
			t.Errorf("%s on all items: F1 %.3f, precision %.3f; want at least %.2f and %.2f", topic, f, p, fl.f1, fl.precision)
		}
		_, _, tuneF1 := rows["half tune"][0].Scores()
		_, _, checkF1 := rows["half check"][0].Scores()
		t.Logf("%-10s check half F1 %.3f, tune half %.3f: %+.3f", topic, checkF1, tuneF1, checkF1-tuneF1)
		if checkF1 < floors[topic].checkF1 {
			t.Errorf("%s on the check half: F1 %.3f, want at least %.2f", topic, checkF1, floors[topic].checkF1)
		}
	}
}

// loadEvalItems reads the labelled sets from the shared folder next to
// the repository (or any folder above the test), skipping when absent.
func loadEvalItems(t *testing.T) []evalItem {
	t.Helper()
	var items []evalItem
	for _, name := range evalFiles {
		path := findUp(t, filepath.Join("shared", "eval", name))
		if path == "" {
			t.Skipf("shared/eval/%s not found in any folder above the test; the labelled sets live beside the repository", name)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		n := len(items)
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if len(bytes.TrimSpace(sc.Bytes())) == 0 {
				continue
			}
			var it evalItem
			if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			it.file = strings.TrimSuffix(name, ".jsonl")
			items = append(items, it)
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if len(items) == n {
			t.Fatalf("%s: no items", path)
		}
	}
	return items
}

// findUp returns the first dir/rel that exists, for dir the working
// directory and each of its parents, or "".
func findUp(t *testing.T, rel string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if p := filepath.Join(dir, rel); fileExists(p) {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// compileShipped compiles configs/topics.yaml, the taxonomy the binary
// embeds, loaded as the daemon loads it.
func compileShipped(t testing.TB) *Rules {
	t.Helper()
	topics, err := configs.LoadTopics(filepath.Join("..", "..", "configs", "topics.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := Compile(topics)
	if err != nil {
		t.Fatalf("configs/topics.yaml: %v", err)
	}
	return rules
}

// TestBuiltinTopicsCompile checks that the taxonomy embedded in the binary
// compiles, and that it is the file tested above.
func TestBuiltinTopicsCompile(t *testing.T) {
	topics, err := configs.DefaultTopics()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := Compile(topics)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rules.Version(), compileShipped(t).Version(); got != want {
		t.Errorf("built-in rules version %s, configs/topics.yaml %s", got, want)
	}
	if got := len(rules.Topics()); got < 10 {
		t.Errorf("built-in taxonomy has %d topics, want at least 10", got)
	}
}
