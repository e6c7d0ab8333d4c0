package near

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/internal/labelled"
	"github.com/newswire/newswire/pipeline/tag"
)

// evalPair and evalItem are lines of ../shared/eval/dedupe-dev*.jsonl.
type (
	evalPair = labelled.Pair
	evalItem = labelled.Item
)

// evalFiles are the labelled pair files, in ../shared/eval, without .jsonl.
var evalFiles = []string{"dedupe-dev", "dedupe-dev-2"}

// loadEval reads the labelled pair files, or skips the test when the
// shared folder (a sibling of the repository root) is absent.
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
	var paths []string
	for _, name := range evalFiles {
		path := filepath.Join(filepath.Dir(dir), "shared", "eval", name+".jsonl")
		if _, err := os.Stat(path); os.IsNotExist(err) {
			t.Skipf("evaluation set %s absent: skipping the measurement", path)
		}
		paths = append(paths, path)
	}
	pairs, err := labelled.ReadPairs(paths...)
	if err != nil {
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

func methods(p Params) []method {
	near := func(e evalPair) bool {
		return sameStory(SignLinked(e.A.Title, e.A.Summary, e.A.Link), SignLinked(e.B.Title, e.B.Summary, e.B.Link), p)
	}
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
		all.add(e.Same(), got)
		if !e.Uncertain {
			certain.add(e.Same(), got)
		}
		if got != e.Same() {
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

// TestEvalDedupeDev measures every level on the labelled pairs of both
// files and pins the shipped rule: same-story precision and recall of the
// combined levels, on all pairs and on the check half (pairs the rules
// were not tuned on, by tag.Half of the pair id), must not fall below the
// floors.
func TestEvalDedupeDev(t *testing.T) {
	pairs := loadEval(t)
	var b strings.Builder
	fmt.Fprintf(&b, "%d pairs\n| method | pairs | TP | FP | FN | P | R | P certain | R certain |\n|---|---|---|---|---|---|---|---|---|\n", len(pairs))
	row := func(name, subset string, pairs []evalPair, same func(evalPair) bool) confusion {
		all, certain, wrong := evaluate(pairs, same)
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %.3f | %.3f | %.3f | %.3f |\n", name, subset, all.tp, all.fp, all.fn,
			all.precision(), all.recall(), certain.precision(), certain.recall())
		if testing.Verbose() && subset == "all" && strings.HasPrefix(name, "1+2+3") {
			defer t.Logf("errors of the combined levels:\n%s", strings.Join(wrong, "\n"))
		}
		return all
	}
	var combined, check confusion
	for _, m := range methods(DefaultParams()) {
		all := row(m.name, "all", pairs, m.same)
		if !strings.HasPrefix(m.name, "1+2+3") {
			continue
		}
		combined = all
		for _, f := range evalFiles {
			row(m.name, f, filterPairs(pairs, func(p evalPair) bool { return p.File == f }), m.same)
		}
		row(m.name, "tune half", filterPairs(pairs, func(p evalPair) bool { return tag.Half(p.ID) == "tune" }), m.same)
		check = row(m.name, "check half", filterPairs(pairs, func(p evalPair) bool { return tag.Half(p.ID) == "check" }), m.same)
	}
	t.Log("\n" + b.String())
	if p, r := combined.precision(), combined.recall(); p < wantPrecision || r < wantRecall {
		t.Errorf("combined levels: P %.3f R %.3f, want P ≥ %.2f and R ≥ %.2f", p, r, wantPrecision, wantRecall)
	}
	if p, r := check.precision(), check.recall(); p < wantPrecisionCheck || r < wantRecallCheck {
		t.Errorf("combined levels, check half: P %.3f R %.3f, want P ≥ %.2f and R ≥ %.2f", p, r, wantPrecisionCheck, wantRecallCheck)
	}
}

func filterPairs(pairs []evalPair, keep func(evalPair) bool) []evalPair {
	var out []evalPair
	for _, p := range pairs {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// scoresWithN is Compare with the summaries' Jaccard and containment
// estimated from n-value MinHashes of the stored sets, as a signature of
// MinHash values and set size would give them: C = J(|A|+|B|)/((1+J)min).
func scoresWithN(a, b evalItem, n int) Scores {
	sa, sb := Sign(a.Title, a.Summary), Sign(b.Title, b.Summary)
	s := Compare(sa, sb)
	ma, mb := minHash(sa.Body, n), minHash(sb.Body, n)
	if ma == nil || mb == nil {
		return s
	}
	eq := 0
	for i := range ma {
		if ma[i] == mb[i] {
			eq++
		}
	}
	j := float64(eq) / float64(n)
	s.Jaccard = j
	s.Containment = min(1, j*float64(len(sa.Body)+len(sb.Body))/((1+j)*float64(s.MinSize)))
	return s
}
