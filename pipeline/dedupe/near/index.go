package near

import (
	"encoding/hex"
	"math"
	"slices"
	"sync"
	"time"
)

// IndexConfig configures an Index; the zero value of a field means its
// default.
type IndexConfig struct {
	Window      time.Duration // how long a story is remembered; required (dedupe.window, configs)
	Generations int           // the window is kept in this many time buckets; default 6
	Banding     Banding       // default defaultBanding()
	Params      Params        // default DefaultParams()
	// KeyLimit: a band key shared by this many stories of the window is
	// common vocabulary and not looked up (see Query); default
	// defaultKeyLimit.
	KeyLimit int
	// MaxStories caps the stories held: past it, Add forgets the oldest
	// generation (a Generations-th of the window) at once; the newest
	// generation is always kept. Zero: no cap but the window.
	MaxStories int
}

// Index remembers the signatures of recent stories and finds the ones a
// new story duplicates. It is safe for concurrent use: Query takes a read
// lock, Add and Expire a write lock.
//
// Stories live in generations, one per Window/Generations of their time
// (Add's at): Expire drops whole generations, so expiry costs nothing per
// story, and from then on Query ignores stories older than Expire's cut,
// so the window is exact while memory is released a generation at a time.
// Every generation costs one probe per band and query: few generations
// keep Query fast (BenchmarkQuery), many release memory sooner.
//
// A remembered story costs about 320 bytes of heap at 1,000,000 stories
// (bench/dedupe -section index; 734 when ids were strings, times int64,
// sets 16-bit values and every band table a hash table):
// 16 its id, 6 its time, 4+155 its record (Rice-coded sets, record.go),
// 130 its 31 band entries (packedTable) and 8 the band table of the
// newest stories. The sets are within a few per cent of their entropy
// (about 140 bytes for random 16-bit hashes) and the band entries within
// a sixth of the least an exact multimap of 32-bit keys to slots can take
// (about 28.5 bits an entry, 112 bytes): a story keeps exactly what
// Compare and the bands read, and Query answers as the index that kept
// every set as it was (TestIndexMatchesReference).
type Index struct {
	cfg       IndexConfig
	width     time.Duration // of one generation
	mu        sync.RWMutex
	gens      []*generation // oldest first
	n         int
	dropped   int      // stories forgotten early (MaxStories)
	cutoff    int64    // unix nanoseconds: Query ignores stories before it
	keyBuf    []uint32 // scratch of Add, under mu
	minsBuf   []uint32
	candidate sync.Pool // *queryScratch
}

// generation holds the stories whose time falls in [start, start+width),
// story i at slot i, in a few flat slices (no pointer per story):
//
//   - ids: 16 bytes a story, the id decoded from its hex (ids are
//     feeds.ArticleID, 32 lower-case hex digits); another id is kept as
//     it is in otherIDs, with zeros in ids;
//   - the time as nanoseconds since start, 48 bits (atLo, atHi: a
//     generation of up to 78 hours; a wider one keeps ats, unix
//     nanoseconds);
//   - recs: the story's record (record.go), its facts and Rice-coded
//     sets, from offs[i] to offs[i+1] (the last to the end of recs);
//   - its band keys: in packed (packedTable, 4 bytes an entry) and, for
//     the stories added since the last packing, in table (a bandTable,
//     8 bytes an entry and room to grow). A generation is packed when its
//     table outgrows a quarter of what is packed (minTable, tableShare) and
//     when a newer generation begins (seal, which also trims the slack of
//     its slices). A key's entries are looked up in packed, then in table:
//     slots in the order they were added.
type generation struct {
	start    int64 // unix nanoseconds
	n        int   // stories
	ids      []byte
	otherIDs map[uint32]string
	atLo     []uint32
	atHi     []uint16
	ats      []int64
	recs     []byte
	offs     []uint32
	packed   packedTable
	table    bandTable
	// over: table may hold entries of a key beyond KeyLimit counting
	// those of packed. Add counts a key's entries in table only, sparing
	// a look-up in packed per key, while every story of the generation is
	// at or after the cutoff: Query then counts all of a key's entries,
	// and a generation that holds KeyLimit of them skips the key either
	// way, so the entries over the limit change no answer. pack drops
	// them (the latest, which insert would have refused), and so does
	// settle for a generation the cutoff comes to cross.
	over bool
}

// A generation's table is packed when it holds more than minTable entries
// and more than 1/tableShare of those packed: the table costs 11–21 bytes
// an entry, the packed ones 4, and packing costs a pass over all of them,
// so every entry is packed about tableShare+1 times over the life of a
// generation and the table is at most a fifth of it.
const tableShare = 4

var minTable = 1 << 16 // a variable for tests

// maxSpan is the widest generation whose times fit atLo and atHi.
const maxSpan = 1 << 48

// Candidate is a remembered story that a queried one duplicates.
type Candidate struct {
	ID     string
	At     time.Time
	Scores Scores
}

// NewIndex returns an empty index. cfg.Window must be positive: it is the
// user's setting (dedupe.window), whose default is the configuration's.
func NewIndex(cfg IndexConfig) *Index {
	if cfg.Window <= 0 {
		panic("near: IndexConfig.Window must be positive")
	}
	if cfg.Generations <= 0 {
		cfg.Generations = 6
	}
	if cfg.Banding == (Banding{}) {
		cfg.Banding = defaultBanding()
	}
	if cfg.Params == (Params{}) {
		cfg.Params = DefaultParams()
	}
	if cfg.KeyLimit <= 0 {
		cfg.KeyLimit = defaultKeyLimit
	}
	return &Index{cfg: cfg, width: max(cfg.Window/time.Duration(cfg.Generations), time.Nanosecond)}
}

// Len is the number of stories held, including those older than the last
// Expire that share a generation with younger ones.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.n
}

// Add remembers a story. Adding the same id twice remembers it twice;
// the caller adds a story once, after deciding it is new.
func (x *Index) Add(id string, at time.Time, sig Signature) {
	x.mu.Lock()
	defer x.mu.Unlock()
	t := at.UnixNano()
	g, created := x.generationFor(t)
	if created && g == x.gens[len(x.gens)-1] {
		// the generations before the new one will rarely change again
		for _, old := range x.gens[:len(x.gens)-1] {
			if old.table.n > 0 || cap(old.recs) > len(old.recs) {
				old.seal(x.cfg.KeyLimit)
			}
		}
	}
	slot := uint32(g.n)
	g.n++
	if b, ok := hexID(id); ok {
		g.ids = append(g.ids, b[:]...)
	} else {
		g.ids = append(g.ids, make([]byte, 16)...)
		if g.otherIDs == nil {
			g.otherIDs = make(map[uint32]string)
		}
		g.otherIDs[slot] = id
	}
	if x.width > maxSpan {
		g.ats = append(g.ats, t)
	} else {
		d := uint64(t - g.start)
		g.atLo, g.atHi = append(g.atLo, uint32(d)), append(g.atHi, uint16(d>>32))
	}
	g.offs = append(g.offs, uint32(len(g.recs)))
	g.recs = appendRecord(g.recs, sig)
	if uint64(len(g.recs)) > math.MaxUint32 { // offs would not reach the next record
		panic("near: a generation of the index holds over 4 GiB of records")
	}
	x.keyBuf, x.minsBuf = x.cfg.Banding.keys(x.keyBuf[:0], sig, x.minsBuf)
	// KeyLimit per generation: counted in packed only where the count
	// can matter to Query (see generation.over)
	exact := g.start < x.cutoff || g.n > 1<<maxPackedSlotBits
	for _, k := range x.keyBuf {
		have := 0
		if exact {
			have = g.packed.count(k)
		}
		if g.table.insert(k, slot, x.cfg.KeyLimit, have) && !exact && len(g.packed.entries) > 0 {
			g.over = true
		}
	}
	if g.table.n > max(minTable, len(g.packed.entries)/tableShare) {
		g.pack(x.cfg.KeyLimit)
	}
	x.n++
	for x.cfg.MaxStories > 0 && x.n > x.cfg.MaxStories && len(x.gens) > 1 {
		old := x.gens[0]
		x.n -= old.n
		x.cutoff = max(x.cutoff, old.start+int64(x.width))
		x.gens = slices.Delete(x.gens, 0, 1)
		x.dropped += old.n
		x.settle()
	}
}

// settle packs the generations the cutoff crosses that hold entries over
// KeyLimit (generation.over): Query counts only some of their stories.
func (x *Index) settle() {
	for _, g := range x.gens {
		if g.start < x.cutoff && g.over {
			g.pack(x.cfg.KeyLimit)
		}
	}
}

// hexID decodes an id of 32 lower-case hex digits.
func hexID(id string) (b [16]byte, ok bool) {
	if len(id) != 32 {
		return b, false
	}
	for i := range 32 {
		c := id[i]
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		default:
			return b, false
		}
		b[i/2] |= v << (4 * (1 - i%2))
	}
	return b, true
}

// Dropped is the number of stories forgotten early because of MaxStories.
func (x *Index) Dropped() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.dropped
}

// generationFor returns the generation of time t, creating it (then
// created is true).
func (x *Index) generationFor(t int64) (g *generation, created bool) {
	start := t - mod(t, int64(x.width))
	i, found := slices.BinarySearchFunc(x.gens, start, func(g *generation, s int64) int {
		switch {
		case g.start < s:
			return -1
		case g.start > s:
			return 1
		}
		return 0
	})
	if !found {
		x.gens = slices.Insert(x.gens, i, &generation{start: start})
	}
	return x.gens[i], !found
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// id returns the id of story slot.
func (g *generation) id(slot uint32) string {
	if id, ok := g.otherIDs[slot]; ok {
		return id
	}
	return hex.EncodeToString(g.ids[16*slot : 16*slot+16])
}

// at returns the time of story slot in unix nanoseconds.
func (g *generation) at(slot uint32) int64 {
	if g.ats != nil {
		return g.ats[slot]
	}
	return g.start + (int64(g.atHi[slot])<<32 | int64(g.atLo[slot]))
}

// record returns the record of story slot.
func (g *generation) record(slot uint32) []byte {
	end := uint32(len(g.recs))
	if int(slot)+1 < len(g.offs) {
		end = g.offs[slot+1]
	}
	return g.recs[g.offs[slot]:end]
}

// pack moves the band entries of g's table into packed.
func (g *generation) pack(limit int) {
	if g.table.n > 0 && g.packed.repack(&g.table, g.n, limit) {
		g.table = bandTable{}
		g.over = false
	}
}

// seal packs g and trims the slack of its slices: g is no longer the
// newest generation, stories are rarely added to it.
func (g *generation) seal(limit int) {
	g.pack(limit)
	g.ids = slices.Clip(slices.Clone(g.ids))
	g.atLo = slices.Clip(slices.Clone(g.atLo))
	g.atHi = slices.Clip(slices.Clone(g.atHi))
	g.ats = slices.Clip(slices.Clone(g.ats))
	g.recs = slices.Clip(slices.Clone(g.recs))
	g.offs = slices.Clip(slices.Clone(g.offs))
}

// Expire forgets the stories older than before: Query no longer returns
// them, and generations that end at or before it are dropped.
func (x *Index) Expire(before time.Time) {
	x.mu.Lock()
	defer x.mu.Unlock()
	cut := before.UnixNano()
	x.cutoff = max(x.cutoff, cut)
	defer x.settle()
	drop := 0
	for drop < len(x.gens) && x.gens[drop].start+int64(x.width) <= cut {
		x.n -= x.gens[drop].n
		drop++
	}
	x.gens = slices.Delete(x.gens, 0, drop)
}

// Window is how long the index remembers a story; the caller calls
// Expire(now - Window) from time to time.
func (x *Index) Window() time.Duration { return x.cfg.Window }

// queryScratch is reused by Query through a sync.Pool.
type queryScratch struct {
	keys, mins []uint32
	found      []uint64 // generation << 32 | slot, of one key
	seen       map[uint64]struct{}
	probe      probe
	words      []uint16 // a candidate's Words
}

// BandKeys returns the LSH band keys the index files sig under: two
// signatures that share none never meet in Query.
func (x *Index) BandKeys(sig Signature) []uint32 {
	keys, _ := x.cfg.Banding.keys(nil, sig, nil)
	return keys
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
func (x *Index) Query(sig Signature) []Candidate {
	out, _ := x.QueryCounted(sig)
	return out
}

// QueryCounted is Query, also counting the candidates it verified: what a
// query cost (bench/dedupe -section corpus).
func (x *Index) QueryCounted(sig Signature) (out []Candidate, verified int) {
	qs, _ := x.candidate.Get().(*queryScratch)
	if qs == nil {
		qs = &queryScratch{seen: make(map[uint64]struct{})}
	}
	defer x.candidate.Put(qs)
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
			visit := func(slot uint32) bool {
				if g.at(slot) >= x.cutoff {
					qs.found = append(qs.found, uint64(gi)<<32|uint64(slot))
				}
				return len(qs.found) < limit
			}
			if g.packed.lookup(k, visit) {
				g.table.lookup(k, visit)
			}
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
			s := qs.probe.compareRecord(g.record(slot), &qs.words)
			if x.cfg.Params.Same(s) {
				out = append(out, Candidate{ID: g.id(slot), At: time.Unix(0, g.at(slot)), Scores: s})
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
