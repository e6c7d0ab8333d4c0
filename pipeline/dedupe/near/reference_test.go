package near

// The Index as it was before its generations were compacted (commit
// 1c045b0): every story's id, time and sets as they are, every band
// table a hash table. TestIndexMatchesReference holds the Index to the
// same answers.

import (
	"slices"
	"sync"
	"time"
)

func newRefIndex(cfg IndexConfig) *refIndex {
	x := NewIndex(cfg)
	return &refIndex{cfg: x.cfg, width: x.width}
}

// refIndex is Index as it was (see the top of this file).
type refIndex struct {
	cfg     IndexConfig
	width   time.Duration // of one generation
	mu      sync.RWMutex
	gens    []*refGeneration // oldest first
	n       int
	dropped int      // stories forgotten early (MaxStories)
	cutoff  int64    // unix nanoseconds: Query ignores stories before it
	keyBuf  []uint32 // scratch of Add, under mu
	minsBuf []uint32
	scratch sync.Pool // *refScratch
}

// generation holds the stories whose time falls in [start, start+width).
type refGeneration struct {
	start int64 // unix nanoseconds
	ids   []string
	ats   []int64
	// sets holds every story's Body, Head, HeadWords and Words back to
	// back; story i's sets start at offs[4*i] and the last ends at
	// offs[4*i+4] (the next story's start).
	sets  []uint16
	offs  []uint32
	facts []Facts
	table refBandTable
}

// Len is the number of stories held, including those older than the last
// Expire that share a generation with younger ones.
func (x *refIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.n
}

// Add remembers a story. Adding the same id twice remembers it twice;
// the caller adds a story once, after deciding it is new.
func (x *refIndex) Add(id string, at time.Time, sig Signature) {
	x.mu.Lock()
	defer x.mu.Unlock()
	g := x.generationFor(at.UnixNano())
	slot := uint32(len(g.ids))
	g.ids = append(g.ids, id)
	g.ats = append(g.ats, at.UnixNano())
	g.facts = append(g.facts, sig.Facts)
	if len(g.offs) == 0 {
		g.offs = append(g.offs, 0)
	}
	for _, set := range [][]uint16{sig.Body, sig.Head, sig.HeadWords, sig.Words} {
		g.sets = append(g.sets, set...)
		g.offs = append(g.offs, uint32(len(g.sets)))
	}
	x.keyBuf, x.minsBuf = x.cfg.Banding.keys(x.keyBuf[:0], sig, x.minsBuf)
	for _, k := range x.keyBuf {
		g.table.insert(k, slot, x.cfg.KeyLimit)
	}
	x.n++
	for x.cfg.MaxStories > 0 && x.n > x.cfg.MaxStories && len(x.gens) > 1 {
		old := x.gens[0]
		x.n -= len(old.ids)
		x.cutoff = max(x.cutoff, old.start+int64(x.width))
		x.gens = slices.Delete(x.gens, 0, 1)
		x.dropped += len(old.ids)
	}
}

// Dropped is the number of stories forgotten early because of MaxStories.
func (x *refIndex) Dropped() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.dropped
}

// generationFor returns the generation of time t, creating it.
func (x *refIndex) generationFor(t int64) *refGeneration {
	start := t - mod(t, int64(x.width))
	i, found := slices.BinarySearchFunc(x.gens, start, func(g *refGeneration, s int64) int {
		switch {
		case g.start < s:
			return -1
		case g.start > s:
			return 1
		}
		return 0
	})
	if !found {
		x.gens = slices.Insert(x.gens, i, &refGeneration{start: start})
	}
	return x.gens[i]
}

// signature returns story slot's signature; its slices alias g.sets.
func (g *refGeneration) signature(slot uint32) Signature {
	o := g.offs[4*slot : 4*slot+5]
	return Signature{
		Body:      g.sets[o[0]:o[1]:o[1]],
		Head:      g.sets[o[1]:o[2]:o[2]],
		HeadWords: g.sets[o[2]:o[3]:o[3]],
		Words:     g.sets[o[3]:o[4]:o[4]],
		Facts:     g.facts[slot],
	}
}

// Expire forgets the stories older than before: Query no longer returns
// them, and generations that end at or before it are dropped.
func (x *refIndex) Expire(before time.Time) {
	x.mu.Lock()
	defer x.mu.Unlock()
	cut := before.UnixNano()
	x.cutoff = max(x.cutoff, cut)
	drop := 0
	for drop < len(x.gens) && x.gens[drop].start+int64(x.width) <= cut {
		x.n -= len(x.gens[drop].ids)
		drop++
	}
	x.gens = slices.Delete(x.gens, 0, drop)
}

// refScratch is reused by Query through a sync.Pool.
type refScratch struct {
	keys, mins []uint32
	found      []uint64 // generation << 32 | slot, of one key
	seen       map[uint64]struct{}
	probe      probe
}

// Query returns the remembered stories that sig duplicates under the
// index's Params, best first (by Scores.Score, then the earliest). The
// candidates come from shared LSH bands; each is verified with Compare.
//
// A band key that KeyLimit stories of the window share is skipped: a
// shingle or headline that common says nothing about which story this is
// (a copy shares other keys with its original), and skipping it bounds the
// work of a query by bands × KeyLimit verifications, whatever the size of
// the window.
func (x *refIndex) Query(sig Signature) []Candidate {
	out, _ := x.QueryCounted(sig)
	return out
}

// QueryCounted is Query, also counting the candidates it verified: what a
// query cost (bench/dedupe -section corpus).
func (x *refIndex) QueryCounted(sig Signature) (out []Candidate, verified int) {
	qs, _ := x.scratch.Get().(*refScratch)
	if qs == nil {
		qs = &refScratch{seen: make(map[uint64]struct{})}
	}
	defer x.scratch.Put(qs)
	qs.keys, qs.mins = x.cfg.Banding.keys(qs.keys[:0], sig, qs.mins)
	clear(qs.seen)
	qs.probe.load(sig)
	defer qs.probe.clear()

	x.mu.RLock()
	defer x.mu.RUnlock()
	limit := x.cfg.KeyLimit
	for _, k := range qs.keys {
		qs.found = qs.found[:0]
		for gi, g := range x.gens {
			if g.start+int64(x.width) <= x.cutoff {
				continue
			}
			g.table.lookup(k, func(slot uint32) bool {
				if g.ats[slot] >= x.cutoff {
					qs.found = append(qs.found, uint64(gi)<<32|uint64(slot))
				}
				return len(qs.found) < limit
			})
			if len(qs.found) >= limit {
				break
			}
		}
		if len(qs.found) >= limit {
			continue // common vocabulary
		}
		for _, id := range qs.found {
			if _, dup := qs.seen[id]; dup {
				continue
			}
			qs.seen[id] = struct{}{}
			verified++
			g, slot := x.gens[id>>32], uint32(id)
			s := qs.probe.compare(g.signature(slot))
			if x.cfg.Params.Same(s) {
				out = append(out, Candidate{ID: g.ids[slot], At: time.Unix(0, g.ats[slot]), Scores: s})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Candidate) int {
		if sa, sb := a.Scores.Score(), b.Scores.Score(); sa != sb {
			if sa > sb {
				return -1
			}
			return 1
		}
		return a.At.Compare(b.At)
	})
	return out, verified
}

// refBandTable is a multimap from band key to the slots of a generation's
// stories: open addressing with linear probing over 8-byte entries
// (key << 32 | slot), no per-key allocation. Entries are never deleted: a
// generation is dropped whole. Every entry of a key lies on the probe path
// from the key's home slot to the next empty slot.
type refBandTable struct {
	entries []uint64
	n       int
}

// insert files slot under key unless limit entries already hold key; it
// reports whether it did.
func (t *refBandTable) insert(key, slot uint32, limit int) bool {
	if (t.n+1)*4 > len(t.entries)*3 {
		t.grow()
	}
	mask := len(t.entries) - 1
	have := 0
	for i := int(mix32(key)) & mask; ; i = (i + 1) & mask {
		e := t.entries[i]
		if e == 0 {
			t.entries[i] = uint64(key)<<32 | uint64(slot)
			t.n++
			return true
		}
		if uint32(e>>32) == key {
			if have++; have >= limit {
				return false
			}
		}
	}
}

func (t *refBandTable) put(e uint64) {
	mask := len(t.entries) - 1
	for i := int(mix32(uint32(e>>32))) & mask; ; i = (i + 1) & mask {
		if t.entries[i] == 0 {
			t.entries[i] = e
			return
		}
	}
}

func (t *refBandTable) grow() {
	old := t.entries
	t.entries = make([]uint64, max(64, 2*len(old)))
	for _, e := range old {
		if e != 0 {
			t.put(e)
		}
	}
}

// lookup calls fn with the slot of every entry filed under key until fn
// returns false.
func (t *refBandTable) lookup(key uint32, fn func(slot uint32) bool) {
	if len(t.entries) == 0 {
		return
	}
	mask := len(t.entries) - 1
	for i := int(mix32(key)) & mask; ; i = (i + 1) & mask {
		e := t.entries[i]
		if e == 0 {
			return
		}
		if uint32(e>>32) == key && !fn(uint32(e)) {
			return
		}
	}
}
