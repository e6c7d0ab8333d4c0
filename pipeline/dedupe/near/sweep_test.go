package near

import (
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"testing"
)

// TestSweepDedupeDev prints how precision and recall move with each
// parameter and with k and n, to choose DefaultParams by measurement. It
// runs only with NEAR_SWEEP=1: it is a tool, not a check.
func TestSweepDedupeDev(t *testing.T) {
	if os.Getenv("NEAR_SWEEP") == "" {
		t.Skip("set NEAR_SWEEP=1 to print the parameter sweep")
	}
	pairs := loadEval(t)
	var b strings.Builder

	// k by exact sets, each with its best body threshold under the other
	// defaults.
	fmt.Fprintf(&b, "body shingle k (exact sets), other params default:\n| k | containment | P | R | P certain | R certain |\n|---|---|---|---|---|---|\n")
	for k := 2; k <= 5; k++ {
		scores := make([]Scores, len(pairs))
		for i, e := range pairs {
			scores[i] = exactScores(e.A, e.B, k)
		}
		for _, c := range []float64{0.5, 0.6, 0.7, 0.8} {
			p := DefaultParams()
			p.Containment = c
			all, cert := score(pairs, scores, p)
			fmt.Fprintf(&b, "| %d | %.2f | %.3f | %.3f | %.3f | %.3f |\n", k, c, all.precision(), all.recall(), cert.precision(), cert.recall())
		}
	}

	// One parameter at a time around the defaults (exact sets, k default).
	scores := make([]Scores, len(pairs))
	for i, e := range pairs {
		scores[i] = exactScores(e.A, e.B, bodyShingle)
	}
	fmt.Fprintf(&b, "\none parameter at a time (exact sets):\n| param | value | P | R | P certain | R certain |\n|---|---|---|---|---|---|\n")
	type knob struct {
		name string
		set  func(*Params, float64)
		vals []float64
	}
	knobs := []knob{
		{"Jaccard", func(p *Params, v float64) { p.Jaccard = v }, []float64{0.6, 0.7, 0.8, 0.9, 1.01}},
		{"Containment", func(p *Params, v float64) { p.Containment = v }, []float64{0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9}},
		{"Support", func(p *Params, v float64) { p.Support = v }, []float64{0, 0.3, 0.4, 0.5, 0.6, 0.7}},
		{"MinShingles", func(p *Params, v float64) { p.MinShingles = int(v) }, []float64{1, 2, 4, 6, 8}},
		{"Headline", func(p *Params, v float64) { p.Headline = v }, []float64{0.7, 0.8, 0.9, 1, 1.01}},
		{"HeadlineLonger", func(p *Params, v float64) { p.HeadlineLonger = v }, []float64{0, 0.5, 0.6, 0.7, 0.8, 0.9}},
		{"HeadlineMinShared", func(p *Params, v float64) { p.HeadlineMinShared = int(v) }, []float64{4, 5, 6, 7, 8, 9, 10, 12}},
		{"CorroboratedContainment", func(p *Params, v float64) { p.CorroboratedContainment = v }, []float64{0.4, 0.5, 0.6, 0.7, 1.01}},
		{"CorroboratedHeadline", func(p *Params, v float64) { p.CorroboratedHeadline = v }, []float64{0.4, 0.5, 0.6, 0.7, 0.8}},
		{"CorroboratedMinShared", func(p *Params, v float64) { p.CorroboratedMinShared = int(v) }, []float64{3, 4, 5, 6, 7, 8}},
		{"HeadlineOnly", func(p *Params, v float64) { p.HeadlineOnly = v }, []float64{0.6, 0.7, 0.8, 0.9, 1}},
		{"HeadlineOnlyMinShared", func(p *Params, v float64) { p.HeadlineOnlyMinShared = int(v) }, []float64{1, 2, 3, 4, 5, 6}},
	}
	for _, k := range knobs {
		for _, v := range k.vals {
			p := DefaultParams()
			k.set(&p, v)
			all, cert := score(pairs, scores, p)
			fmt.Fprintf(&b, "| %s | %g | %.3f | %.3f | %.3f | %.3f |\n", k.name, v, all.precision(), all.recall(), cert.precision(), cert.recall())
		}
	}

	// n: error of the MinHash containment against the exact one, and P/R.
	fmt.Fprintf(&b, "\nsummary containment estimated from an n-value MinHash instead of the exact set (k=%d):\n| n | mean abs err C | p95 abs err C | P | R | P certain | R certain |\n|---|---|---|---|---|---|---|\n", bodyShingle)
	for _, n := range []int{16, 32, 64, 128, 256} {
		var errs []float64
		est := make([]Scores, len(pairs))
		for i, e := range pairs {
			est[i] = scoresWithN(e.A, e.B, n)
			if scores[i].MinSize > 0 {
				errs = append(errs, math.Abs(est[i].Containment-scores[i].Containment))
			}
		}
		sort.Float64s(errs)
		mean := 0.0
		for _, x := range errs {
			mean += x
		}
		all, cert := score(pairs, est, DefaultParams())
		fmt.Fprintf(&b, "| %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |\n", n, mean/float64(len(errs)), errs[len(errs)*95/100],
			all.precision(), all.recall(), cert.precision(), cert.recall())
	}
	t.Log("\n" + b.String())
}

func score(pairs []evalPair, scores []Scores, p Params) (all, certain confusion) {
	for i, e := range pairs {
		got := p.Same(scores[i])
		all.add(e.same(), got)
		if !e.Uncertain {
			certain.add(e.same(), got)
		}
	}
	return all, certain
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
