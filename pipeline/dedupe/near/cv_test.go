package near

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

// TestCrossValidateDedupeDev estimates how the way DefaultParams were chosen
// holds up on pairs it has not seen. The choice — the grid point of highest
// TP − 19·FP (a false merge must be paid for by 19 copies found: the
// break-even of precision 0.95), ties to the stricter point — is made on
// all but one fold of the dev pairs and scored on the fold left out; the
// table pools the held-out answers over 2 and 5 folds (by a hash of the
// pair id, five salts each). Two grids: every knob of the rule, and only
// the two this version changed (HeadlineLonger, HeadlineMinShared). The last
// rows give DefaultParams fold by fold, chosen once on all pairs: the spread
// there is that of the sample, not of the choice. It runs only with
// NEAR_SWEEP=1: a tool, not a check.
func TestCrossValidateDedupeDev(t *testing.T) {
	if os.Getenv("NEAR_SWEEP") == "" {
		t.Skip("set NEAR_SWEEP=1 to cross-validate the choice of parameters")
	}
	pairs := loadEval(t)
	scores := make([]Scores, len(pairs))
	for i, e := range pairs {
		scores[i] = Compare(Sign(e.A.Title, e.A.Summary), Sign(e.B.Title, e.B.Summary))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "| choice | folds | P | R | P certain | R certain | P range over folds | R range over folds |\n|---|---|---|---|---|---|---|---|\n")
	for _, g := range []struct {
		name string
		grid []Params
	}{
		{"every knob", paramGrid(false)},
		{"HeadlineLonger, HeadlineMinShared", paramGrid(true)},
		{"none: DefaultParams", []Params{DefaultParams()}},
	} {
		for _, k := range []int{2, 5} {
			var all, cert confusion
			loP, hiP, loR, hiR := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
			for salt := range 5 {
				for f := range k {
					fold := func(e evalPair) bool { return foldOf(e.ID, salt, k) == f }
					p := choose(pairs, scores, g.grid, func(e evalPair) bool { return !fold(e) })
					var c confusion
					for i, e := range pairs {
						if !fold(e) {
							continue
						}
						got := p.Same(scores[i])
						c.add(e.same(), got)
						all.add(e.same(), got)
						if !e.Uncertain {
							cert.add(e.same(), got)
						}
					}
					loP, hiP = min(loP, c.precision()), max(hiP, c.precision())
					loR, hiR = min(loR, c.recall()), max(hiR, c.recall())
				}
			}
			fmt.Fprintf(&b, "| %s (%d points) | %d | %.3f | %.3f | %.3f | %.3f | %.2f–%.2f | %.2f–%.2f |\n", g.name, len(g.grid), k,
				all.precision(), all.recall(), cert.precision(), cert.recall(), loP, hiP, loR, hiR)
		}
	}
	all, cert := score(pairs, scores, DefaultParams())
	fmt.Fprintf(&b, "| DefaultParams on all pairs (chosen on them) | – | %.3f | %.3f | %.3f | %.3f | | |\n", all.precision(), all.recall(), cert.precision(), cert.recall())
	t.Log("\n" + b.String())
}

// foldOf assigns a pair to one of k folds by a hash of its id and a salt.
func foldOf(id string, salt, k int) int {
	return int(mix64(fnv1a(fmt.Sprintf("%d/%s", salt, id))) % uint64(k))
}

// choose returns the grid point of highest TP − 19·FP on the pairs in,
// ties to the first (stricter) point of the grid.
func choose(pairs []evalPair, scores []Scores, grid []Params, in func(evalPair) bool) Params {
	best, bestU := grid[0], math.MinInt
	for _, p := range grid {
		var c confusion
		for i, e := range pairs {
			if in(e) {
				c.add(e.same(), p.Same(scores[i]))
			}
		}
		if u := c.tp - 19*c.fp; u > bestU {
			best, bestU = p, u
		}
	}
	return best
}

// paramGrid lists candidate parameters, each knob from strict to lenient
// around the defaults; headOnly varies only HeadlineLonger and
// HeadlineMinShared.
func paramGrid(headOnly bool) []Params {
	vals := func(all []float64, def float64) []float64 {
		if headOnly {
			return []float64{def}
		}
		return all
	}
	ivals := func(all []int, def int) []int {
		if headOnly {
			return []int{def}
		}
		return all
	}
	d := DefaultParams()
	var out []Params
	for _, j := range vals([]float64{0.9, 0.8}, d.Jaccard) {
		for _, c := range vals([]float64{0.8, 0.7, 0.6}, d.Containment) {
			for _, sup := range vals([]float64{0.6, 0.5, 0.4}, d.Support) {
				for _, h := range vals([]float64{1, 0.9, 0.8}, d.Headline) {
					for _, hl := range []float64{0.8, 0.7, 0.6, 0.5, 0} {
						for _, hn := range []int{10, 9, 8, 7, 6} {
							for _, cc := range vals([]float64{0.6, 0.5, 0.4}, d.CorroboratedContainment) {
								for _, ch := range vals([]float64{0.7, 0.6, 0.5}, d.CorroboratedHeadline) {
									for _, cn := range ivals([]int{7, 6, 5}, d.CorroboratedMinShared) {
										p := d
										p.Jaccard, p.Containment, p.Support = j, c, sup
										p.Headline, p.HeadlineLonger, p.HeadlineMinShared = h, hl, hn
										p.CorroboratedContainment, p.CorroboratedHeadline, p.CorroboratedMinShared = cc, ch, cn
										out = append(out, p)
									}
								}
							}
						}
					}
				}
			}
		}
	}
	return out
}
