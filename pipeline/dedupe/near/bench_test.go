package near_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/newswire/newswire/feeds"
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

// BenchmarkAdd adds stories to the newest generation of an index of 100k
// stories.
func BenchmarkAdd(b *testing.B) {
	x, _ := FilledIndex(100_000, 1000)
	gen := neartest.New(43)
	sigs, ids := make([]near.Signature, 4096), make([]string, 4096)
	for i := range sigs {
		sigs[i], ids[i] = near.Sign(gen.Story()), storyID(100_000+i)
	}
	at := t0.Add(x.Window() - time.Second)
	b.ResetTimer()
	i := 0
	for b.Loop() {
		x.Add(ids[i%len(ids)], at, sigs[i%len(sigs)])
		i++
	}
}

// storyID is the id of story i, 32 lower-case hex digits like the
// stage's (feeds.ArticleID).
func storyID(i int) string {
	return feeds.ArticleID("bench", strconv.Itoa(i), "", "", time.Time{})
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
		x.Add(storyID(i), t0.Add(time.Duration(i)*step), near.Sign(ti, su))
		if i%(n/q) == 0 {
			queries = append(queries, near.Sign(gen.Copy(ti, su)))
		}
	}
	return x, queries
}
