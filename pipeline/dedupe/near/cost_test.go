package near

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestQueryCostCorpus measures what a query costs on real feed text, whose
// common shingles and per-feed boilerplate the synthetic stories of
// BenchmarkQuery lack. It runs only with NEAR_CORPUS set to a JSON-lines
// file of {"title", "summary"} items in feed order: a tool, not a check.
//
// Stories are filed as the stage files them (a story is added when Query
// finds no copy) over a 72 h window; then the next 2,000 are queried, and
// the test prints the candidates verified per query, the time per query and
// the heap per remembered story, for the default layout and for the one
// before it (24 bands of 2 values, no KeyLimit).
//
// On 255,987 distinct items (title + description) of the *_entries.json
// files of October–December 2023 in github.com/rumca-js/RSS-Link-Database-2023
// (commit 08b89dd9b; about 150 feeds, English and Polish; used for cost
// only, never to choose the rule), on a shared 2-core machine:
//
//	layout                    stories  copies  verified/query   p99  µs/query  heap/story
//	24×2 + 12×3, no key limit   9,767     233        1.1          26      9.8      889 B
//	                           48,337   1,663       26.0         682     35.3      826 B
//	                          239,267  10,733      190.0       5,123    189.2      713 B
//	24×2 + 12×3, limit 16     239,322  10,678        2.0          18     35.6      711 B
//	default: 20×1 + 12×3,       9,763     237        4.1          26     14.4      835 B
//	limit 16                   48,316   1,684        7.6          36     27.4      825 B
//	                          239,246  10,754       11.3          44     44.7      712 B
//
// Real feeds repeat shingles (a feed's boilerplate, "according to the")
// far more than synthetic stories: without the key limit the work of a
// query grew with the window. With it, the default layout verifies a few
// more candidates than bands of 2 values under the same limit and finds 76
// more copies (21 more than without a limit): the trimmed and standfirst
// copies of low Jaccard. Memory per story is the same.
func TestQueryCostCorpus(t *testing.T) {
	path := os.Getenv("NEAR_CORPUS")
	if path == "" {
		t.Skip("set NEAR_CORPUS to a JSON-lines file of feed items to measure the query cost")
	}
	sigs := loadCorpus(t, path)
	const nq = 2000
	var b strings.Builder
	fmt.Fprintf(&b, "%d items\n| layout | stories | copies found | verified/query mean | p50 | p99 | max | µs/query | heap/story |\n|---|---|---|---|---|---|---|---|---|\n", len(sigs))
	layouts := []struct {
		name string
		cfg  IndexConfig
	}{
		{"24×2 body + 12×3 head, no key limit", IndexConfig{Window: 72 * time.Hour, Banding: Banding{24, 2, 12, 3}, KeyLimit: 1 << 30}},
		{"24×2 body + 12×3 head, key limit 16", IndexConfig{Window: 72 * time.Hour, Banding: Banding{24, 2, 12, 3}}},
		{"default", IndexConfig{Window: 72 * time.Hour}},
	}
	for _, l := range layouts {
		for _, n := range []int{10_000, 50_000, 250_000} {
			n = min(n, len(sigs)-nq)
			c := measureCost(l.cfg, sigs[:n], sigs[n:n+nq])
			fmt.Fprintf(&b, "| %s | %d | %d | %.1f | %d | %d | %d | %.1f | %.0f B |\n", l.name, c.stories, c.copies,
				c.mean, c.p50, c.p99, c.max, c.micros, c.heap)
		}
	}
	t.Log("\n" + b.String())
}

type cost struct {
	stories, copies int
	mean            float64
	p50, p99, max   int
	micros, heap    float64
}

// measureCost files stories as the stage does, then queries queries.
func measureCost(cfg IndexConfig, stories, queries []Signature) cost {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := NewIndex(cfg)
	step := x.Window() / time.Duration(len(stories))
	var c cost
	for i, s := range stories {
		if out, _ := x.query(s); len(out) > 0 {
			c.copies++
			continue
		}
		x.Add(fmt.Sprint(i), t0.Add(time.Duration(i)*step), s)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	c.stories = x.Len()
	c.heap = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(c.stories)
	counts := make([]int, 0, len(queries))
	start := time.Now()
	for _, s := range queries {
		_, v := x.query(s)
		counts = append(counts, v)
	}
	c.micros = float64(time.Since(start).Nanoseconds()) / 1000 / float64(len(queries))
	slices.Sort(counts)
	sum := 0
	for _, v := range counts {
		sum += v
	}
	n := len(counts)
	c.mean, c.p50, c.p99, c.max = float64(sum)/float64(n), counts[n/2], counts[n*99/100], counts[n-1]
	runtime.KeepAlive(x)
	return c
}

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func loadCorpus(t *testing.T, path string) []Signature {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var sigs []Signature
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var it struct{ Title, Summary string }
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		sigs = append(sigs, Sign(it.Title, it.Summary))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return sigs
}
