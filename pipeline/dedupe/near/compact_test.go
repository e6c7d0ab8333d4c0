package near

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline/dedupe/near/neartest"
)

// TestIndexMatchesReference holds the compact Index to the answers of the
// index it replaced (reference_test.go), which kept every id, time and set
// as it was and every band table as a hash table: the same candidates,
// times, scores and order, and the same count of verified candidates, for
// copies, new stories and remembered ones, on synthetic stories spread over
// several generations, stories that arrive late into packed generations,
// ids of every shape, a tight KeyLimit, MaxStories, Expire (its cut inside
// the newest generation too), and on the labelled pairs of dedupe-dev.
func TestIndexMatchesReference(t *testing.T) {
	defer func(m int) { minTable = m }(minTable)
	minTable = 1 << 10 // many packings of the newest generation
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, c := range map[string]struct {
		cfg IndexConfig
		lag time.Duration // of Expire's cut behind the last story, in windows/24
	}{
		"default":     {IndexConfig{Window: 72 * time.Hour}, 21},
		"key-limit-2": {IndexConfig{Window: 72 * time.Hour, KeyLimit: 2}, 21},
		"max-stories": {IndexConfig{Window: 72 * time.Hour, Generations: 3, MaxStories: 5000}, 21},
		"wide":        {IndexConfig{Window: 1000 * time.Hour, Generations: 2}, 21}, // generations wider than atLo, atHi hold
		// the cut inside the newest generation, which holds entries over
		// the limit (generation.over)
		"cut-close": {IndexConfig{Window: 72 * time.Hour, KeyLimit: 3}, 1},
	} {
		cfg := c.cfg
		t.Run(name, func(t *testing.T) {
			x, ref := NewIndex(cfg), newRefIndex(cfg)
			add := func(id string, at time.Time, sig Signature) {
				x.Add(id, at, sig)
				ref.Add(id, at, sig)
			}
			gen := neartest.New(5)
			rng := rand.New(rand.NewPCG(5, 6))
			var queries []Signature
			const n = 12000
			step := cfg.Window / n
			for i := range n {
				ti, su := gen.Story()
				at := start.Add(time.Duration(i)*step + time.Duration(rng.IntN(1000)))
				id := feeds.ArticleID("test", fmt.Sprint(i), "", "", time.Time{})
				switch i % 97 {
				case 1:
					id = fmt.Sprint("short-", i)
				case 2:
					at = at.Add(-cfg.Window / 2) // late, into a packed generation
				case 3:
					id = "0123456789ABCDEF0123456789abcdef" // upper case: kept as it is
				case 4:
					id = "00000000000000000000000000000000"
				case 5:
					at = at.Add(-cfg.Window * 9 / 10) // late, about the cutoff
				}
				sig := Sign(ti, su)
				add(id, at, sig)
				if i%5 == 0 {
					add(id, at, sig) // twice: remembered twice
				}
				if i%40 == 0 {
					queries = append(queries, Sign(gen.Copy(ti, su)), sig, Sign(gen.Story()), Sign(ti, ""))
				}
				if i == n/2 {
					compare(t, x, ref, queries)
				}
				if i%1500 == 0 { // the cutoff crosses a generation that grows
					x.Expire(at.Add(-cfg.Window * c.lag / 24))
					ref.Expire(at.Add(-cfg.Window * c.lag / 24))
				}
				if i%3000 == 0 {
					compare(t, x, ref, queries)
				}
			}
			found := compare(t, x, ref, queries)
			x.Expire(start.Add(cfg.Window / 3))
			ref.Expire(start.Add(cfg.Window / 3))
			found += compare(t, x, ref, queries)
			if found == 0 && cfg.KeyLimit == 0 {
				t.Error("no query found anything: the comparison proves little")
			}
			if x.Len() != ref.Len() || x.Dropped() != ref.Dropped() {
				t.Errorf("Len, Dropped = %d, %d; reference %d, %d", x.Len(), x.Dropped(), ref.Len(), ref.Dropped())
			}
		})
	}
	t.Run("dedupe-dev", func(t *testing.T) {
		cfg := IndexConfig{Window: 72 * time.Hour}
		x, ref := NewIndex(cfg), newRefIndex(cfg)
		var queries []Signature
		for i, e := range loadEval(t) {
			id := feeds.ArticleID("eval", e.ID, "", "", time.Time{})
			a := SignLinked(e.A.Title, e.A.Summary, e.A.Link)
			at := start.Add(time.Duration(i) * 7 * time.Minute)
			x.Add(id, at, a)
			ref.Add(id, at, a)
			queries = append(queries, SignLinked(e.B.Title, e.B.Summary, e.B.Link), a)
		}
		if compare(t, x, ref, queries) == 0 {
			t.Error("no query found anything: the comparison proves little")
		}
	})
}

// querier is an index as compare asks it.
type querier interface {
	QueryCounted(Signature) ([]Candidate, int)
}

// compare fails t unless x and ref answer queries alike, and returns how
// many candidates they found.
func compare(t *testing.T, x, ref querier, queries []Signature) (found int) {
	t.Helper()
	for i, q := range queries {
		got, gotN := x.QueryCounted(q)
		want, wantN := ref.QueryCounted(q)
		if !reflect.DeepEqual(got, want) || gotN != wantN {
			t.Fatalf("query %d: got %d verified %+v\nreference %d verified %+v", i, gotN, got, wantN, want)
		}
		found += len(got)
	}
	return found
}

// A record gives back the signature it was made of.
func TestRecordRoundTrip(t *testing.T) {
	full := make([]uint16, 256) // the most Sign keeps of a summary
	for i := range full {
		full[i] = uint16(i * 257)
	}
	dense := make([]uint16, 4096) // the most Decode accepts, gaps of 1
	for i := range dense {
		dense[i] = uint16(i)
	}
	sigs := []Signature{
		{},
		{Facts: Facts{Kind: Video, Site: 0xffff, LinkID: 0xffffffff, Numbers: 1}},
		{Body: []uint16{0}, Head: []uint16{65535}, HeadWords: []uint16{7}, Words: []uint16{7}},
		{Body: full, Words: dense, HeadWords: dense[:48]},
		{Body: []uint16{0, 65535}, Head: []uint16{3, 2, 1}, HeadWords: []uint16{5, 5}, Words: []uint16{9, 8}}, // not sorted: raw
		{HeadWords: []uint16{1, 2}, Words: []uint16{2, 3}},                                                    // not a subset
		Sign(wireTitle, wireSummary),
		Sign(wireTitle, ""),
		Sign("", wireSummary),
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 200 {
		set := func(n int) []uint16 {
			m := map[uint16]bool{}
			for len(m) < n {
				m[uint16(rng.Uint32())] = true
			}
			var s []uint16
			for v := range m {
				s = append(s, v)
			}
			slices.Sort(s)
			return s
		}
		words := set(rng.IntN(97))
		var head []uint16
		for _, w := range words {
			if rng.IntN(3) == 0 {
				head = append(head, w)
			}
		}
		sigs = append(sigs, Signature{Body: set(rng.IntN(257)), Head: set(rng.IntN(49)), HeadWords: head, Words: words,
			Facts: Facts{Kind: Kind(rng.IntN(int(numKinds))), Site: uint16(rng.Uint32()), LinkID: rng.Uint32(), Numbers: uint16(rng.Uint32())}})
	}
	var p probe
	var words []uint16
	for i, s := range sigs {
		rec := appendRecord([]byte{0xee}, s)[1:]
		got := decodeRecord(rec)
		s.Mins = nil
		if !reflect.DeepEqual(got, s) {
			t.Fatalf("signature %d: decoded %+v\nwant %+v", i, got, s)
		}
		for _, q := range sigs[:12] {
			p.load(q)
			// what Query measured before: probe.compare of the signature
			// as it was (Compare too for sorted distinct sets)
			if got, want := p.compareRecord(rec, &words), p.compare(s); got != want {
				t.Fatalf("signature %d: compareRecord %+v\ncompare %+v", i, got, want)
			}
			p.clear()
		}
	}
}

// A packedTable finds what the bandTable it was made of finds, in the
// same order, and counts it.
func TestPackedTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{1, 2, 3, 100, 4097} {
		var bt bandTable
		keys := make([]uint32, 0, 32*n)
		for slot := range n {
			for range 1 + rng.IntN(32) {
				k := rng.Uint32() | 1
				if rng.IntN(4) == 0 && len(keys) > 0 {
					k = keys[rng.IntN(len(keys))] // shared
				}
				if bt.insert(k, uint32(slot), 16, 0) {
					keys = append(keys, k)
				}
			}
		}
		for _, limit := range []int{16, 2} {
			var pt packedTable
			if !pt.repack(&bt, n, limit) {
				t.Fatal("repack refused")
			}
			total := 0
			for _, k := range append(keys, 2, 0xfffffffe) {
				var want, got []uint32
				bt.lookup(k, func(s uint32) bool { want = append(want, s); return true })
				pt.lookup(k, func(s uint32) bool { got = append(got, s); return true })
				slices.Sort(want) // a bandTable's are in insertion order but for a wrapped probe path
				want = want[:min(len(want), limit)]
				if !slices.Equal(got, want) || pt.count(k) != len(want) {
					t.Fatalf("n=%d limit %d key %x: packed %v (count %d), table %v", n, limit, k, got, pt.count(k), want)
				}
			}
			for k := range slices.Values(slices.Compact(slices.Sorted(slices.Values(keys)))) {
				total += pt.count(k)
			}
			if limit == 16 && total != bt.n || len(pt.entries) != total {
				t.Errorf("n=%d limit %d: %d packed entries, %d found, table %d", n, limit, len(pt.entries), total, bt.n)
			}
		}
	}
}

func TestHexID(t *testing.T) {
	for id, ok := range map[string]bool{
		"0123456789abcdef0123456789abcdef":  true,
		"00000000000000000000000000000000":  true,
		"0123456789ABCDEF0123456789abcdef":  false,
		"0123456789abcdef0123456789abcde":   false,
		"0123456789abcdef0123456789abcdefa": false,
		"0123456789abcdef0123456789abcdeg":  false,
		"":                                  false,
	} {
		b, got := hexID(id)
		if got != ok {
			t.Errorf("hexID(%q) ok = %v", id, got)
		}
		if ok && fmt.Sprintf("%x", b) != id {
			t.Errorf("hexID(%q) = %x", id, b)
		}
	}
}
