package near_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/newswire/newswire/pipeline/dedupe/near"
	"github.com/newswire/newswire/pipeline/dedupe/near/neartest"
)

func BenchmarkSign(b *testing.B) {
	for b.Loop() {
		near.Sign(title, summary)
	}
}

// BenchmarkQuery queries an index of 10k, 100k and 1M synthetic stories
// spread over its 72 h window with copies of remembered stories; the cost
// should stay nearly flat as the window grows.
func BenchmarkQuery(b *testing.B) {
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("stories=%d", n), func(b *testing.B) {
			x, queries := FilledIndex(n, 1000)
			b.ResetTimer()
			i := 0
			for b.Loop() {
				x.Query(queries[i%len(queries)])
				i++
			}
		})
	}
}

// FilledIndex returns an index of n synthetic stories and signatures of
// copies of q of them.
func FilledIndex(n, q int) (*near.Index, []near.Signature) {
	x := near.NewIndex(near.IndexConfig{Window: 72 * time.Hour})
	gen := neartest.New(42)
	step := x.Window() / time.Duration(n)
	var queries []near.Signature
	for i := 0; i < n; i++ {
		ti, su := gen.Story()
		x.Add(fmt.Sprint(i), t0.Add(time.Duration(i)*step), near.Sign(ti, su))
		if i%(n/q) == 0 {
			queries = append(queries, near.Sign(gen.Copy(ti, su)))
		}
	}
	return x, queries
}
