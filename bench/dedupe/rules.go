package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"path/filepath"

	"github.com/newswire/newswire/internal/harness"
	"github.com/newswire/newswire/internal/labelled"
	"github.com/newswire/newswire/pipeline/dedupe/near"
	"github.com/newswire/newswire/pipeline/tag"
)

// runRules is section "rules": how the near-duplicate rule's precision and
// recall move on the labelled pairs of ../shared/eval, one knob of
// near.DefaultParams at a time, and how choosing the knobs by measurement
// holds up on pairs the choice did not see (cross-validation). It is the
// tool the thresholds were chosen with; the pairs are judged pairwise, by
// the rule alone (`newswire dedupe test` adds the exact keys).
func runRules(_ context.Context, c config, w io.Writer) error {
	pairs, err := readPairs(c.evalDir)
	if err != nil {
		return err
	}
	scores := make([]near.Scores, len(pairs))
	for i, p := range pairs {
		scores[i] = near.Compare(near.SignLinked(p.A.Title, p.A.Summary, p.A.Link), near.SignLinked(p.B.Title, p.B.Summary, p.B.Link))
	}
	fmt.Fprintf(w, "near-duplicate rule on %d labelled pairs (both files)\n\none knob at a time around the defaults:\n\n", len(pairs))
	fmt.Fprintln(w, "| knob | value | P | R | P certain | R certain |\n| --- | ---: | ---: | ---: | ---: | ---: |")
	for _, k := range knobs {
		for _, v := range k.vals {
			p := near.DefaultParams()
			k.set(&p, v)
			all, cert := judge(pairs, scores, p, nil)
			fmt.Fprintf(w, "| %s | %g | %.3f | %.3f | %.3f | %.3f |\n", k.name, v, all.precision(), all.recall(), cert.precision(), cert.recall())
		}
	}

	// Choosing every knob on k−1 folds (the grid point of highest
	// TP − 19·FP: a false merge must be paid for by 19 copies found, the
	// break-even of precision 0.95) and scoring the fold left out.
	fmt.Fprintf(w, "\ncross-validated choice (folds by a hash of the pair id, 5 salts):\n\n")
	fmt.Fprintln(w, "| choice | folds | P | R | P certain | R certain |\n| --- | ---: | ---: | ---: | ---: | ---: |")
	grid := paramGrid()
	for _, k := range []int{2, 5} {
		var all, cert confusion
		for salt := range 5 {
			for f := range k {
				held := func(i int) bool { return foldOf(pairs[i].ID, salt, k) == f }
				p := choose(pairs, scores, grid, func(i int) bool { return !held(i) })
				a, ce := judge(pairs, scores, p, held)
				all.merge(a)
				cert.merge(ce)
			}
		}
		fmt.Fprintf(w, "| grid of %d points | %d | %.3f | %.3f | %.3f | %.3f |\n", len(grid), k, all.precision(), all.recall(), cert.precision(), cert.recall())
	}
	all, cert := judge(pairs, scores, near.DefaultParams(), nil)
	fmt.Fprintf(w, "| DefaultParams, chosen on all pairs | – | %.3f | %.3f | %.3f | %.3f |\n", all.precision(), all.recall(), cert.precision(), cert.recall())
	return nil
}

// knob is one of near.Params' thresholds and the values the sweep tries.
type knob struct {
	name string
	set  func(*near.Params, float64)
	vals []float64
}

var knobs = []knob{
	{"Jaccard", func(p *near.Params, v float64) { p.Jaccard = v }, []float64{0.7, 0.8, 0.9, 1.01}},
	{"Containment", func(p *near.Params, v float64) { p.Containment = v }, []float64{0.6, 0.65, 0.7, 0.75, 0.8}},
	{"Support", func(p *near.Params, v float64) { p.Support = v }, []float64{0.3, 0.4, 0.5, 0.6, 0.7}},
	{"MinShingles", func(p *near.Params, v float64) { p.MinShingles = int(v) }, []float64{2, 4, 6, 8}},
	{"Headline", func(p *near.Params, v float64) { p.Headline = v }, []float64{0.8, 0.9, 1, 1.01}},
	{"HeadlineLonger", func(p *near.Params, v float64) { p.HeadlineLonger = v }, []float64{0.5, 0.6, 0.7, 0.8}},
	{"HeadlineMinShared", func(p *near.Params, v float64) { p.HeadlineMinShared = int(v) }, []float64{6, 7, 8, 9, 10}},
	{"CorroboratedContainment", func(p *near.Params, v float64) { p.CorroboratedContainment = v }, []float64{0.4, 0.5, 0.6, 0.7}},
	{"CorroboratedHeadline", func(p *near.Params, v float64) { p.CorroboratedHeadline = v }, []float64{0.5, 0.6, 0.7, 0.8}},
	{"CorroboratedMinShared", func(p *near.Params, v float64) { p.CorroboratedMinShared = int(v) }, []float64{4, 5, 6, 7}},
	{"HeadlineOnly", func(p *near.Params, v float64) { p.HeadlineOnly = v }, []float64{0.7, 0.8, 0.9}},
	{"Publisher", func(p *near.Params, v float64) { p.Publisher = v }, []float64{0.6, 0.7, 0.8, 0.9, 1.01}},
	{"PublisherMinShared", func(p *near.Params, v float64) { p.PublisherMinShared = int(v) }, []float64{2, 3, 4, 5}},
}

// paramGrid lists candidate parameters: the corroborated and publisher
// knobs, which this version chose, from strict to lenient.
func paramGrid() []near.Params {
	var out []near.Params
	for _, cc := range []float64{0.6, 0.5, 0.4} {
		for _, ch := range []float64{0.7, 0.6, 0.5} {
			for _, cn := range []int{6, 5, 4} {
				for _, pub := range []float64{0.9, 0.8, 0.7} {
					p := near.DefaultParams()
					p.CorroboratedContainment, p.CorroboratedHeadline, p.CorroboratedMinShared, p.Publisher = cc, ch, cn, pub
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// choose returns the grid point of highest TP − 19·FP on the pairs in,
// ties to the first (stricter) point of the grid.
func choose(pairs []labelled.Pair, scores []near.Scores, grid []near.Params, in func(int) bool) near.Params {
	best, bestU := grid[0], math.MinInt
	for _, p := range grid {
		all, _ := judge(pairs, scores, p, in)
		if u := all.TP - 19*all.FP; u > bestU {
			best, bestU = p, u
		}
	}
	return best
}

// judge scores p on the pairs in (all when in is nil).
func judge(pairs []labelled.Pair, scores []near.Scores, p near.Params, in func(int) bool) (all, certain confusion) {
	for i, pr := range pairs {
		if in != nil && !in(i) {
			continue
		}
		got, want := p.Same(scores[i]), pr.Same()
		all.Add(got, want)
		if !pr.Uncertain {
			certain.Add(got, want)
		}
	}
	return all, certain
}

// foldOf assigns a pair to one of k folds by a hash of its id and a salt.
func foldOf(id string, salt, k int) int {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s", salt, id)
	return int(h.Sum64() % uint64(k))
}

// confusion is tag.Confusion with the sums and ratios the tables print.
type confusion struct{ tag.Confusion }

func (c *confusion) merge(o confusion) {
	c.TP, c.FP, c.FN, c.TN = c.TP+o.TP, c.FP+o.FP, c.FN+o.FN, c.TN+o.TN
}

func (c confusion) precision() float64 { p, _, _ := c.Scores(); return p }
func (c confusion) recall() float64    { _, r, _ := c.Scores(); return r }

// readPairs reads both labelled pair files from dir (default ../shared/eval
// beside the repository).
func readPairs(dir string) ([]labelled.Pair, error) {
	if dir == "" {
		root, err := harness.RepoRoot()
		if err != nil {
			return nil, err
		}
		dir = filepath.Join(root, "..", "shared", "eval")
	}
	return labelled.ReadPairs(filepath.Join(dir, "dedupe-dev.jsonl"), filepath.Join(dir, "dedupe-dev-2.jsonl"))
}
