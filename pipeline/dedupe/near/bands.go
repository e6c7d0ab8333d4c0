package near

import (
	"math/bits"
	"slices"
)

// Banding: an item is filed under BodyBands keys of its summary's MinHash
// (Signature.Mins; a signature with fewer values than BodyBands × BodyRows
// fills fewer bands) and HeadBands keys of a MinHash of its headline
// bigrams computed here (headlines are tiny), each key the hash of Rows
// consecutive MinHash values. Two items meet as candidates when they share
// a key; for sets of Jaccard similarity J that happens with probability
// 1 − (1 − J^Rows)^Bands (the S-curve, see sCurve).
//
// A key shared by many remembered stories is common vocabulary, not
// evidence of a copy: the Index files at most IndexConfig.KeyLimit stories
// under one key per generation and ignores, when it queries, a key that
// KeyLimit stories of the window share (see Index.Query). That is what
// keeps the cost of a query flat as the window grows.

// Banding is the LSH layout of an Index.
type Banding struct {
	BodyBands, BodyRows int // over the summary's shingles
	HeadBands, HeadRows int // over the headline's bigrams
}

// defaultBanding: 20 bands of 1 MinHash value of the summary, and 12 bands
// of 3 of the headline. Single values find a trimmed copy by containment:
// a 25-shingle lede inside a 160-shingle standfirst + lede + more has
// Jaccard 0.15, found with probability 0.96 (0.1: 0.88, 0.2: 0.99), where
// bands of 2 values found it with 0.42. Headlines of Jaccard ≥ 0.7 are found
// with probability ≥ 0.99. A single value is often a common shingle
// ("according to the", a feed's boilerplate): KeyLimit keeps such keys from
// making the lookup cost grow with the window (TestBandingDedupeDev,
// bench/dedupe -section corpus). 32 entries per story.
func defaultBanding() Banding {
	return Banding{BodyBands: 20, BodyRows: 1, HeadBands: 12, HeadRows: 3}
}

// defaultKeyLimit is the default IndexConfig.KeyLimit.
const defaultKeyLimit = 16

// sCurve is the probability that two sets of Jaccard similarity j share at
// least one of b bands of r rows.
func sCurve(j float64, b, r int) float64 {
	p := 1.0
	for i := 0; i < r; i++ {
		p *= j
	}
	miss := 1.0
	for i := 0; i < b; i++ {
		miss *= 1 - p
	}
	return 1 - miss
}

// keys appends the band keys of sig to dst. Keys are never 0 (0 marks an
// empty slot of a band table) and carry the band number, so equal values
// in different bands do not meet.
func (bd Banding) keys(dst []uint32, sig Signature, scratch []uint32) ([]uint32, []uint32) {
	add := func(mins []uint32, bands, rows int, salt uint64) {
		bands = min(bands, len(mins)/max(rows, 1))
		for b := 0; b < bands; b++ {
			h := salt + uint64(b)
			for _, m := range mins[b*rows : (b+1)*rows] {
				h = mix64(h*0x9e3779b97f4a7c15 ^ uint64(m))
			}
			k := uint32(h >> 32)
			if k == 0 {
				k = 1
			}
			dst = append(dst, k)
		}
	}
	add(sig.Mins, bd.BodyBands, bd.BodyRows, 0x100)
	if len(sig.Head) > 0 {
		n := bd.HeadBands * bd.HeadRows
		if cap(scratch) < n {
			scratch = make([]uint32, n)
		}
		add(minhashInto(scratch[:n], sig.Head), bd.HeadBands, bd.HeadRows, 0x200)
	}
	if sig.LinkID != 0 { // one publisher's one article, whatever its text became
		add([]uint32{sig.LinkID}, 1, 1, 0x300)
	}
	return dst, scratch
}

// bandTable is a multimap from band key to the slots of a generation's
// stories: open addressing with linear probing over 8-byte entries
// (key << 32 | slot), no per-key allocation. Entries are never deleted: a
// generation is dropped whole. Every entry of a key lies on the probe path
// from the key's home slot to the next empty slot. It holds the entries
// added since the generation was last packed (packedTable).
type bandTable struct {
	entries []uint64
	n       int
}

// insert files slot under key unless limit entries already hold key,
// counting have entries held elsewhere (the generation's packedTable); it
// reports whether it did.
func (t *bandTable) insert(key, slot uint32, limit, have int) bool {
	if have >= limit {
		return false
	}
	if (t.n+1)*4 > len(t.entries)*3 {
		t.grow()
	}
	mask := len(t.entries) - 1
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

func (t *bandTable) put(e uint64) {
	mask := len(t.entries) - 1
	for i := int(mix32(uint32(e>>32))) & mask; ; i = (i + 1) & mask {
		if t.entries[i] == 0 {
			t.entries[i] = e
			return
		}
	}
}

func (t *bandTable) grow() {
	old := t.entries
	t.entries = make([]uint64, max(64, 2*len(old)))
	for _, e := range old {
		if e != 0 {
			t.put(e)
		}
	}
}

// lookup calls fn with the slot of every entry filed under key until fn
// returns false; it reports whether fn never did.
func (t *bandTable) lookup(key uint32, fn func(slot uint32) bool) bool {
	if len(t.entries) == 0 {
		return true
	}
	mask := len(t.entries) - 1
	for i := int(mix32(key)) & mask; ; i = (i + 1) & mask {
		e := t.entries[i]
		if e == 0 {
			return true
		}
		if uint32(e>>32) == key && !fn(uint32(e)) {
			return false
		}
	}
}

// packedTable is the band multimap of a generation that is no longer the
// newest: its entries sorted by key and slot in 4 bytes each, without
// empty slots, where a bandTable spends 8 bytes an entry at a load of
// 37–75 % (11–21 bytes). The top bucketBits bits of a key choose its
// bucket, entries[starts[h]:starts[h+1]]; an entry holds the key's other
// bits above the slot's slotBits (slotBits ≤ bucketBits, so both fit 32
// bits). With 2^bucketBits about the number of stories, a bucket holds
// 16–32 entries and starts adds 4–8 bytes a story. A key's slots are
// ascending, as a bandTable's are in the order they were inserted.
type packedTable struct {
	bucketBits, slotBits uint
	starts               []uint32
	entries              []uint32
}

// maxPackedSlotBits bounds the stories of a generation packedTable holds
// (2^28); a larger generation keeps its bandTable.
const maxPackedSlotBits = 28

func (t *packedTable) bucket(key uint32) []uint32 {
	h := key >> (32 - t.bucketBits)
	return t.entries[t.starts[h]:t.starts[h+1]]
}

// first returns the index in b of key's first entry (or where it would be)
// and the value its entries have above the slot bits. Keys are hashes,
// spread evenly over a bucket: the search starts where the key would be
// in proportion and steps from there, about two steps.
func (t *packedTable) first(b []uint32, key uint32) (int, uint32) {
	low := uint32(uint64(key) & (1<<(32-t.bucketBits) - 1) << t.slotBits)
	i := int(uint64(low) * uint64(len(b)) >> 32)
	for i > 0 && b[i-1] >= low {
		i--
	}
	for i < len(b) && b[i] < low {
		i++
	}
	return i, low
}

// lookup is bandTable.lookup.
func (t *packedTable) lookup(key uint32, fn func(slot uint32) bool) bool {
	if len(t.starts) == 0 {
		return true
	}
	b := t.bucket(key)
	i, low := t.first(b, key)
	slotMask := uint32(1)<<t.slotBits - 1
	for ; i < len(b) && b[i]&^slotMask == low; i++ {
		if !fn(b[i] & slotMask) {
			return false
		}
	}
	return true
}

// count returns the number of entries filed under key.
func (t *packedTable) count(key uint32) int {
	if len(t.starts) == 0 {
		return 0
	}
	b := t.bucket(key)
	i, low := t.first(b, key)
	slotMask := uint32(1)<<t.slotBits - 1
	j := i
	for j < len(b) && b[j]&^slotMask == low {
		j++
	}
	return j - i
}

// each calls fn with every entry as a bandTable holds it (key << 32 | slot).
func (t *packedTable) each(fn func(e uint64)) {
	slotMask := uint32(1)<<t.slotBits - 1
	for h := 0; h+1 < len(t.starts); h++ {
		for _, e := range t.entries[t.starts[h]:t.starts[h+1]] {
			key := uint32(uint64(h)<<(32-t.bucketBits)) | e>>t.slotBits
			fn(uint64(key)<<32 | uint64(e&slotMask))
		}
	}
}

// repack rebuilds t with its entries and those of tail, for a generation
// of n stories, keeping the first limit entries of a key (the ones of
// lowest slot: those bandTable.insert would have kept had it counted
// them all); it reports false, leaving t as it was, for a generation too
// large to pack.
func (t *packedTable) repack(tail *bandTable, n, limit int) bool {
	slotBits := uint(bits.Len(uint(max(n-1, 0))))
	if slotBits > maxPackedSlotBits {
		return false
	}
	nt := packedTable{bucketBits: max(slotBits, 1), slotBits: slotBits}
	nt.starts = make([]uint32, 1<<nt.bucketBits+1)
	all := func(fn func(e uint64)) {
		t.each(fn)
		for _, e := range tail.entries {
			if e != 0 {
				fn(e)
			}
		}
	}
	shift := 32 - nt.bucketBits
	all(func(e uint64) { nt.starts[uint32(e>>32)>>shift+1]++ })
	for h := 1; h < len(nt.starts); h++ {
		nt.starts[h] += nt.starts[h-1]
	}
	nt.entries = make([]uint32, nt.starts[len(nt.starts)-1])
	next := slices.Clone(nt.starts[:len(nt.starts)-1])
	lowMask := uint64(1)<<shift - 1
	all(func(e uint64) {
		key := uint32(e >> 32)
		h := key >> shift
		nt.entries[next[h]] = uint32((uint64(key)&lowMask)<<nt.slotBits) | uint32(e)
		next[h]++
	})
	slotMask := uint32(1)<<nt.slotBits - 1
	w, from := uint32(0), uint32(0)
	for h := 0; h+1 < len(nt.starts); h++ {
		b := nt.entries[from:nt.starts[h+1]]
		from = nt.starts[h+1]
		slices.Sort(b)
		nt.starts[h] = w
		run := 0
		for i, e := range b {
			if i > 0 && e&^slotMask == b[i-1]&^slotMask {
				run++
			} else {
				run = 1
			}
			if run <= limit {
				nt.entries[w] = e
				w++
			}
		}
	}
	nt.starts[len(nt.starts)-1] = w
	nt.entries = slices.Clip(nt.entries[:w])
	*t = nt
	return true
}

func mix32(x uint32) uint32 {
	x ^= x >> 16
	x *= 0x7feb352d
	x ^= x >> 15
	x *= 0x846ca68b
	x ^= x >> 16
	return x
}
