package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/pipeline/dedupe/near"
)

// runCorpus is section "corpus": what a query of the index costs on real
// feed text, whose common shingles and per-feed boilerplate the synthetic
// stories of section "index" lack. -corpus names a JSON-lines file of
// {"title", "summary"} items in feed order. Stories are filed as the stage
// files them (added when Query finds no copy) over the window; then the
// next 2,000 are queried: candidates verified per query, time per query,
// heap per remembered story, for the default banding and for bands of two
// values without the key limit (the layout before it).
//
// On 255,987 items of October–December 2023 (github.com/rumca-js/
// RSS-Link-Database-2023 at 08b89dd9b, about 150 feeds; used for cost
// only, never to choose the rule) the default verified 4.1, 7.6 and 11.3
// candidates per query at 10k, 48k and 239k stories; the old layout 1.1,
// 26.0 and 190.0.
func runCorpus(_ context.Context, c config, w io.Writer) error {
	if c.corpus == "" {
		return errors.New("-corpus: a JSON-lines file of feed items is required")
	}
	sigs, err := loadCorpus(c.corpus)
	if err != nil {
		return err
	}
	const nq = 2000
	if len(sigs) <= nq {
		return fmt.Errorf("%s: %d items, want more than %d", c.corpus, len(sigs), nq)
	}
	window := configs.Default().Dedupe.Window.D()
	fmt.Fprintf(w, "%d items\n\n| layout | stories | copies found | verified/query mean | p50 | p99 | max | µs/query | heap/story |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n", len(sigs))
	for _, l := range []struct {
		name string
		cfg  near.IndexConfig
	}{
		{"24×2 body + 12×3 head, no key limit", near.IndexConfig{Window: window, Banding: near.Banding{BodyBands: 24, BodyRows: 2, HeadBands: 12, HeadRows: 3}, KeyLimit: 1 << 30}},
		{"default", near.IndexConfig{Window: window}},
	} {
		for _, n := range []int{10_000, 50_000, 250_000} {
			n = min(n, len(sigs)-nq)
			r := queryCost(l.cfg, sigs[:n], sigs[n:n+nq])
			fmt.Fprintf(w, "| %s | %d | %d | %.1f | %d | %d | %d | %.1f | %.0f B |\n", l.name, r.stories, r.copies,
				r.mean, r.p50, r.p99, r.max, r.micros, r.heap)
		}
	}
	return nil
}

type corpusCost struct {
	stories, copies int
	mean            float64
	p50, p99, max   int
	micros, heap    float64
}

// queryCost files stories as the stage does, then queries queries.
func queryCost(cfg near.IndexConfig, stories, queries []near.Signature) corpusCost {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	x := near.NewIndex(cfg)
	start := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	step := x.Window() / time.Duration(len(stories))
	var r corpusCost
	for i, s := range stories {
		if out, _ := x.QueryCounted(s); len(out) > 0 {
			r.copies++
			continue
		}
		x.Add(strconv.Itoa(i), start.Add(time.Duration(i)*step), s)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	r.stories = x.Len()
	r.heap = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(r.stories)
	counts := make([]int, 0, len(queries))
	t0 := time.Now()
	for _, s := range queries {
		_, v := x.QueryCounted(s)
		counts = append(counts, v)
	}
	r.micros = float64(time.Since(t0).Nanoseconds()) / 1000 / float64(len(queries))
	slices.Sort(counts)
	sum := 0
	for _, v := range counts {
		sum += v
	}
	n := len(counts)
	r.mean, r.p50, r.p99, r.max = float64(sum)/float64(n), counts[n/2], counts[n*99/100], counts[n-1]
	runtime.KeepAlive(x)
	return r
}

func loadCorpus(path string) ([]near.Signature, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var sigs []near.Signature
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var it struct{ Title, Summary string }
		if err := json.Unmarshal(sc.Bytes(), &it); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		sigs = append(sigs, near.Sign(it.Title, it.Summary))
	}
	return sigs, sc.Err()
}
