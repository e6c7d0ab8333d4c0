package near

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newswire/newswire/feeds"
)

// evalItem and evalPair are lines of ../shared/eval/dedupe-dev.jsonl.
type evalItem struct {
	Title, Summary, Link, Publisher, Published string
}

type evalPair struct {
	ID        string `json:"pair_id"`
	Label     string `json:"label"`
	Kind      string `json:"kind"`
	Uncertain bool   `json:"uncertain"`
	A, B      evalItem
}

func (p evalPair) same() bool { return p.Label == "same_story" }

// loadEval reads the dev set, or skips the test when the shared folder (a
// sibling of the repository root) is absent.
func loadEval(t testing.TB) []evalPair {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("no go.mod above the working directory: cannot find ../shared")
		}
		dir = parent
	}
	path := filepath.Join(filepath.Dir(dir), "shared", "eval", "dedupe-dev.jsonl")
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		t.Skipf("evaluation set %s absent: skipping the measurement", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var pairs []evalPair
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var p evalPair
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		pairs = append(pairs, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return pairs
}

// confusion counts one method's answers.
type confusion struct{ tp, fp, fn, tn int }

func (c *confusion) add(gold, got bool) {
	switch {
	case gold && got:
		c.tp++
	case got:
		c.fp++
	case gold:
		c.fn++
	default:
		c.tn++
	}
}

func (c confusion) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1 // nothing claimed, nothing wrong
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}

func (c confusion) recall() float64 {
	if c.tp+c.fn == 0 {
		return 0
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}

// method is one way of calling a pair the same story.
type method struct {
	name string
	same func(p evalPair) bool
}

// linkKey is a link without query and fragment, scheme, "www." and a
// trailing slash: the most a pair can offer of a canonical URL.
func linkKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return strings.TrimPrefix(strings.ToLower(u.Host), "www.") + strings.TrimSuffix(u.Path, "/")
}

// exactScores is Compare with the summaries' Jaccard and containment
// computed from the shingle sets instead of estimated from MinHash.
func exactScores(a, b evalItem, k int) Scores {
	sa, sb := Sign(a.Title, a.Summary), Sign(b.Title, b.Summary)
	s := Compare(sa, sb)
	x := shingles(prepare(a.Title, a.Summary).body, k)
	y := shingles(prepare(b.Title, b.Summary).body, k)
	s.Jaccard, s.Containment, s.MinSize = exactSets(x, y)
	return s
}

func exactSets(x, y []uint64) (j, c float64, minSize int) {
	if len(x) == 0 || len(y) == 0 {
		return 0, 0, 0
	}
	in := make(map[uint64]bool, len(x))
	for _, h := range x {
		in[h] = true
	}
	common := 0
	for _, h := range y {
		if in[h] {
			common++
		}
	}
	minSize = min(len(x), len(y))
	return float64(common) / float64(len(x)+len(y)-common), float64(common) / float64(minSize), minSize
}

func methods(p Params) []method {
	near := func(e evalPair) bool { return Same(Sign(e.A.Title, e.A.Summary), Sign(e.B.Title, e.B.Summary), p) }
	url := func(e evalPair) bool { return linkKey(e.A.Link) == linkKey(e.B.Link) }
	hash := func(e evalPair) bool {
		return feeds.ContentHash(e.A.Title, e.A.Summary) == feeds.ContentHash(e.B.Title, e.B.Summary)
	}
	title := func(e evalPair) bool {
		ta := feeds.NormaliseForHash(e.A.Title)
		return ta != "" && ta == feeds.NormaliseForHash(e.B.Title)
	}
	return []method{
		{"1 link (no query/fragment)", url},
		{"2 content hash", hash},
		{"  equal normalised title", title},
		{"3 near, if estimated by 64-value MinHash", func(e evalPair) bool { return p.Same(scoresWithN(e.A, e.B, 64)) }},
		{"3 near (shipped: exact sets)", near},
		{"1+2+3 combined", func(e evalPair) bool { return url(e) || hash(e) || near(e) }},
	}
}

// evaluate returns the confusion of m over pairs, all and certain only.
func evaluate(pairs []evalPair, same func(evalPair) bool) (all, certain confusion, wrong []string) {
	for _, e := range pairs {
		got := same(e)
		all.add(e.same(), got)
		if !e.Uncertain {
			certain.add(e.same(), got)
		}
		if got != e.same() {
			tag := "FN"
			if got {
				tag = "FP"
			}
			u := ""
			if e.Uncertain {
				u = " (uncertain)"
			}
			wrong = append(wrong, fmt.Sprintf("%s %s %s%s", tag, e.ID, e.Kind, u))
		}
	}
	return all, certain, wrong
}

// TestEvalDedupeDev measures every level on the labelled dev pairs and
// pins the shipped rule: same-story precision and recall of the combined
// levels must not fall below what DefaultParams were chosen for.
func TestEvalDedupeDev(t *testing.T) {
	pairs := loadEval(t)
	var b strings.Builder
	fmt.Fprintf(&b, "%d pairs\n| method | TP | FP | FN | P | R | P certain | R certain |\n|---|---|---|---|---|---|---|---|\n", len(pairs))
	var combined, combinedCertain confusion
	for _, m := range methods(DefaultParams()) {
		all, certain, wrong := evaluate(pairs, m.same)
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %.3f | %.3f | %.3f | %.3f |\n", m.name, all.tp, all.fp, all.fn,
			all.precision(), all.recall(), certain.precision(), certain.recall())
		if strings.HasPrefix(m.name, "1+2+3") {
			combined, combinedCertain = all, certain
			if testing.Verbose() {
				defer t.Logf("errors of the combined levels:\n%s", strings.Join(wrong, "\n"))
			}
		}
	}
	t.Log("\n" + b.String())
	if p, r := combined.precision(), combined.recall(); p < wantPrecision || r < wantRecall {
		t.Errorf("combined levels: P %.3f R %.3f, want P ≥ %.2f and R ≥ %.2f", p, r, wantPrecision, wantRecall)
	}
	if p, r := combinedCertain.precision(), combinedCertain.recall(); p < wantPrecisionCertain || r < wantRecallCertain {
		t.Errorf("combined levels, certain pairs: P %.3f R %.3f, want P ≥ %.2f and R ≥ %.2f", p, r, wantPrecisionCertain, wantRecallCertain)
	}
}
