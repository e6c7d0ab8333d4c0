package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/internal/harness"
	"github.com/newswire/newswire/pipeline/dedupe/near"
	"github.com/newswire/newswire/pipeline/dedupe/near/neartest"
)

// indexRow is one line of the index table.
type indexRow struct {
	stories       int
	bytesPerStory float64
	queryCopy     time.Duration // median Query of a copy of a remembered story
	queryNew      time.Duration // median Query of a story not remembered
	add           time.Duration // median Add
	found         float64       // share of copies found
}

func runIndex(ctx context.Context, c config, w io.Writer) error {
	sign, err := medianSign(c)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "near-duplicate index (%s, GOMAXPROCS %d); Sign: %.1f µs per story\n\n", runtime.Version(), runtime.GOMAXPROCS(0), micros(sign))
	fmt.Fprintln(w, "| stories remembered | heap per story | Query, copy (median) | Query, new story (median) | Add (median) | copies found |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|")
	for _, n := range c.sizes {
		if err := ctx.Err(); err != nil {
			return err
		}
		r := measureIndex(n, c)
		fmt.Fprintf(w, "| %s | %.0f B | %.1f µs | %.1f µs | %.1f µs | %.1f %% |\n", harness.Thousands(r.stories), r.bytesPerStory,
			micros(r.queryCopy), micros(r.queryNew), micros(r.add), 100*r.found)
	}
	fmt.Fprintln(w)
	return nil
}

func measureIndex(n int, c config) indexRow {
	window := configs.Default().Dedupe.Window.D()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	step := window / time.Duration(n)

	before := liveHeap()
	x := near.NewIndex(near.IndexConfig{Window: window})
	gen := neartest.New(uint64(n))
	var copies []near.Signature
	every := max(1, n/c.queries)
	for i := 0; i < n; i++ {
		t, s := gen.Story()
		x.Add(storyID(i), start.Add(time.Duration(i)*step), near.Sign(t, s))
		if i%every == 0 && len(copies) < c.queries {
			copies = append(copies, near.Sign(gen.Copy(t, s)))
		}
	}
	fresh := make([]near.Signature, c.queries)
	for i := range fresh {
		fresh[i] = near.Sign(gen.Story())
	}
	after := liveHeap()
	sigBytes := 0 // the query signatures are not part of the index
	for _, s := range append(slices.Clip(copies), fresh...) {
		sigBytes += 4*cap(s.Mins) + 2*(cap(s.Body)+cap(s.Head)+cap(s.HeadWords)+cap(s.Words)) + 5*24
	}
	row := indexRow{stories: x.Len(), bytesPerStory: float64(int64(after)-int64(before)-int64(sigBytes)) / float64(n)}

	var qc, qn []time.Duration
	found := 0
	for r := 0; r < c.repeat; r++ {
		found = 0
		for _, s := range copies {
			t0 := time.Now()
			if len(x.Query(s)) > 0 {
				found++
			}
			qc = append(qc, time.Since(t0))
		}
		for _, s := range fresh {
			t0 := time.Now()
			x.Query(s)
			qn = append(qn, time.Since(t0))
		}
	}
	row.queryCopy, row.queryNew = median(qc), median(qn)
	row.found = float64(found) / float64(len(copies))

	// Add: into the newest generation, as the stage does.
	var adds []time.Duration
	at := start.Add(window - time.Second)
	for i, s := range fresh {
		t0 := time.Now()
		x.Add(storyID(n+i), at, s)
		adds = append(adds, time.Since(t0))
	}
	row.add = median(adds)
	runtime.KeepAlive(x)
	return row
}

// storyID is the id of synthetic story i, shaped like the stage's ids
// (feeds.ArticleID: 32 lower-case hex digits), so that the index holds
// them as it holds real ones.
func storyID(i int) string {
	return feeds.ArticleID("bench", strconv.Itoa(i), "", "", time.Time{})
}

func medianSign(c config) (time.Duration, error) {
	gen := neartest.New(7)
	var ds []time.Duration
	for r := 0; r < c.repeat; r++ {
		for i := 0; i < c.queries; i++ {
			t, s := gen.Story()
			t0 := time.Now()
			near.Sign(t, s)
			ds = append(ds, time.Since(t0))
		}
	}
	return median(ds), nil
}

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
