package tag

// symbolTable maps tokens to symbols during a scan, looked up by the hash
// the scan computed while reading the token's bytes: one probe into an
// open-addressed table instead of hashing the token again in a map. A
// filter in front of it, small enough to stay in cache, turns most absent
// tokens away before the probe.
type symbolTable struct {
	filter hashFilter
	slots  []symbolSlot // power-of-two length, at most half full
	words  []string     // symbol → token
}

type symbolSlot struct {
	hash uint64
	sym  int32 // symbol + 1; 0 marks an empty slot
}

// FNV-1a, computed byte by byte so that a token's heads are hashed on
// the way to the whole token.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashBytes(b []byte) uint64 {
	h := uint64(fnvOffset)
	for _, c := range b {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return h
}

// newSymbolTable indexes words, symbol → token.
func newSymbolTable(words map[string]int32) symbolTable {
	n := 16
	for n < 2*len(words) {
		n <<= 1
	}
	t := symbolTable{filter: newHashFilter(len(words)), slots: make([]symbolSlot, n), words: make([]string, len(words))}
	for w, sym := range words {
		t.words[sym] = w
		h := hashBytes([]byte(w))
		t.filter.add(h)
		i := mix(h) & uint64(n-1)
		for t.slots[i].sym != 0 {
			i = (i + 1) & uint64(n-1)
		}
		t.slots[i] = symbolSlot{hash: h, sym: sym + 1}
	}
	return t
}

// lookup returns the symbol of tok, whose hashBytes is h.
func (t *symbolTable) lookup(tok []byte, h uint64) (int32, bool) {
	if !t.filter.has(h) {
		return 0, false
	}
	mask := uint64(len(t.slots) - 1)
	for i := mix(h) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s.sym == 0 {
			return 0, false
		}
		if s.hash == h && t.words[s.sym-1] == string(tok) {
			return s.sym - 1, true
		}
	}
}

func mix(h uint64) uint64 { return h * 0x9E3779B97F4A7C15 }

// hashFilter is a set of hashes with false positives: one bit each, in a
// table of 16 to 32 bits per key, so about one absent key in 16 passes.
type hashFilter struct {
	bits  []uint64
	shift uint8
}

func newHashFilter(keys int) hashFilter {
	shift := uint8(64 - 10)
	for n := 1 << 10; n < 16*keys; n <<= 1 {
		shift--
	}
	return hashFilter{bits: make([]uint64, (1<<(64-shift))/64), shift: shift}
}

// index uses the top bits of the mixed hash; the table uses the bottom.
func (f *hashFilter) index(h uint64) uint64 { return mix(h) >> f.shift }

func (f *hashFilter) add(h uint64) {
	i := f.index(h)
	f.bits[i>>6] |= 1 << (i & 63)
}

func (f *hashFilter) has(h uint64) bool {
	i := f.index(h)
	return f.bits[i>>6]&(1<<(i&63)) != 0
}
