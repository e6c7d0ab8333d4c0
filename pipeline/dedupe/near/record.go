package near

import (
	"encoding/binary"
	"math/bits"
	"slices"
)

// A record is how a generation of the Index keeps what Compare reads of a
// remembered story — its facts and its four sets — in about three quarters
// of the bytes of the sets as they are (2 bytes a value):
//
//	kind      1 byte
//	modes     1 byte: how each set is coded, 2 bits each (Body, Head,
//	          HeadWords, Words from the low bits): modeRice or modeRaw, and
//	          for HeadWords modeSubset
//	site      2 bytes, little-endian
//	numbers   2 bytes, little-endian
//	link id   uvarint
//	lengths   uvarint each: Body, Head, HeadWords, Words
//	bits      Body, Head, Words, then HeadWords, LSB first, padded to a byte
//
// A set of sorted distinct 16-bit values (what Sign makes and Decode
// insists on) is Rice coded: each gap to the previous value (the first
// from -1), minus one, as a unary quotient and riceK(len) remainder bits.
// For n random values of 16 bits that is about log2(65536/n) + 1.5 bits a
// value, within a few per cent of the entropy of such a set: a 38-shingle
// summary takes 58 bytes instead of 76. HeadWords is part of Words when
// Sign made both (headline words come first among every word): it is then
// one bit per value of Words, set for the headline's. A set that is not
// sorted and distinct (a Signature built by hand) is kept raw, 16 bits a
// value, so that a record always gives back the signature it was made of.
//
// Query reads a record only to verify a candidate, and then counts the
// values against its probe as it decodes them (probe.compareRecord)
// without building the sets.
const (
	modeRice   = 0
	modeRaw    = 1
	modeSubset = 2 // HeadWords only: a bitmask over Words
)

// appendRecord appends the record of sig to dst.
func appendRecord(dst []byte, sig Signature) []byte {
	sets := [4][]uint16{sig.Body, sig.Head, sig.HeadWords, sig.Words}
	var modes [4]byte
	for i, s := range sets {
		if !increasing(s) {
			modes[i] = modeRaw
		}
	}
	if modes[2] == modeRice && modes[3] == modeRice && len(sig.HeadWords) > 0 && subset(sig.HeadWords, sig.Words) {
		modes[2] = modeSubset
	}
	dst = append(dst, byte(sig.Kind), modes[0]|modes[1]<<2|modes[2]<<4|modes[3]<<6)
	dst = binary.LittleEndian.AppendUint16(dst, sig.Site)
	dst = binary.LittleEndian.AppendUint16(dst, sig.Numbers)
	dst = binary.AppendUvarint(dst, uint64(sig.LinkID))
	for _, s := range sets {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
	}
	w := bitWriter{buf: dst}
	for _, i := range [4]int{0, 1, 3, 2} {
		switch modes[i] {
		case modeRice:
			w.rice(sets[i])
		case modeRaw:
			for _, v := range sets[i] {
				w.write(uint64(v), 16)
			}
		case modeSubset:
			j := 0
			for _, v := range sig.Words {
				in := j < len(sig.HeadWords) && sig.HeadWords[j] == v
				if in {
					j++
				}
				w.write(b2u(in), 1)
			}
		}
	}
	return w.flush()
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// increasing reports whether s is sorted and distinct.
func increasing(s []uint16) bool {
	for i := 1; i < len(s); i++ {
		if s[i] <= s[i-1] {
			return false
		}
	}
	return true
}

// subset reports whether every value of the sorted set a is in the sorted
// set b.
func subset(a, b []uint16) bool {
	j := 0
	for _, v := range a {
		for j < len(b) && b[j] < v {
			j++
		}
		if j == len(b) || b[j] != v {
			return false
		}
	}
	return true
}

// riceK is the Rice parameter of a set of n values: about log2 of the
// mean gap × ln 2, the best for geometric gaps.
func riceK(n int) uint {
	return uint(max(bits.Len(uint(45426/max(n, 1))), 1) - 1) // 45426 ≈ 65536 ln 2
}

// recordHead is a record's fixed part, read by readRecordHead.
type recordHead struct {
	Facts
	modes [4]byte
	lens  [4]int // Body, Head, HeadWords, Words
}

// readRecordHead reads the head of rec and returns it with the bits that
// follow.
func readRecordHead(rec []byte) (h recordHead, rest []byte) {
	h.Kind = Kind(rec[0])
	for i := range h.modes {
		h.modes[i] = rec[1] >> (2 * i) & 3
	}
	h.Site = binary.LittleEndian.Uint16(rec[2:])
	h.Numbers = binary.LittleEndian.Uint16(rec[4:])
	rest = rec[6:]
	v, n := binary.Uvarint(rest)
	h.LinkID, rest = uint32(v), rest[n:]
	for i := range h.lens {
		v, n := binary.Uvarint(rest)
		h.lens[i], rest = int(v), rest[n:]
	}
	return h, rest
}

// readSet decodes the next set of r, of n values coded in mode (modeRice
// or modeRaw), into dst[:0].
func (r *bitReader) readSet(dst []uint16, n int, mode byte) []uint16 {
	dst = dst[:0]
	if mode == modeRaw {
		for range n {
			dst = append(dst, uint16(r.read(16)))
		}
		return dst
	}
	dst = slices.Grow(dst, n)[:n]
	r.riceSet(n, riceK(n), dst, nil)
	return dst
}

// decodeRecord returns the signature rec was made of (without Mins); its
// sets are new slices.
func decodeRecord(rec []byte) Signature {
	h, rest := readRecordHead(rec)
	r := bitReader{b: rest}
	sig := Signature{Facts: h.Facts}
	sig.Body = nilIfEmpty(r.readSet(make([]uint16, 0, h.lens[0]), h.lens[0], h.modes[0]))
	sig.Head = nilIfEmpty(r.readSet(make([]uint16, 0, h.lens[1]), h.lens[1], h.modes[1]))
	sig.Words = nilIfEmpty(r.readSet(make([]uint16, 0, h.lens[3]), h.lens[3], h.modes[3]))
	if h.modes[2] == modeSubset {
		sig.HeadWords = make([]uint16, 0, h.lens[2])
		for _, v := range sig.Words {
			if r.read(1) == 1 {
				sig.HeadWords = append(sig.HeadWords, v)
			}
		}
	} else {
		sig.HeadWords = nilIfEmpty(r.readSet(make([]uint16, 0, h.lens[2]), h.lens[2], h.modes[2]))
	}
	return sig
}

func nilIfEmpty(s []uint16) []uint16 {
	if len(s) == 0 {
		return nil
	}
	return s
}

// compareRecord is compare for the story of record rec: it counts the
// values of each set against the probe's bitsets as it decodes them, with
// words as scratch for the values of Words.
func (p *probe) compareRecord(rec []byte, words *[]uint16) Scores {
	h, rest := readRecordHead(rec)
	r := bitReader{b: rest}
	var o overlaps
	o.body = r.countSet(&p.body, h.lens[0], h.modes[0])
	o.head = r.countSet(&p.head, h.lens[1], h.modes[1])
	*words = r.readSet(*words, h.lens[3], h.modes[3])
	o.headWordsOfA = p.headWords.count(*words)
	if h.modes[2] == modeSubset {
		ws := *words
		for i := 0; i < len(ws); i += 32 {
			for m := r.read(uint(min(32, len(ws)-i))); m != 0; m &= m - 1 {
				v := ws[i+bits.TrailingZeros64(m)]
				o.headWordsOfB += int(p.words[v>>6] >> (v & 63) & 1)
			}
		}
	} else {
		o.headWordsOfB = r.countSet(&p.words, h.lens[2], h.modes[2])
	}
	return scores(shapeOf(p.sig), shape{body: h.lens[0], head: h.lens[1], headWords: h.lens[2], Facts: h.Facts}, o)
}

// countSet decodes the next set of r as readSet does and returns how many
// of its values are in b.
func (r *bitReader) countSet(b *bitset16, n int, mode byte) int {
	c := 0
	if mode == modeRaw {
		for range n {
			v := r.read(16)
			c += int(b[v>>6] >> (v & 63) & 1)
		}
		return c
	}
	return r.riceSet(n, riceK(n), nil, b)
}

// bitWriter appends bits to a byte slice, least significant first.
type bitWriter struct {
	buf []byte
	acc uint64
	n   uint
}

// write appends the low bits (at most 32) of v.
func (w *bitWriter) write(v uint64, bits uint) {
	w.acc |= (v & (1<<bits - 1)) << w.n
	w.n += bits
	if w.n >= 32 {
		w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(w.acc))
		w.acc >>= 32
		w.n -= 32
	}
}

// unary appends q zeros and a one.
func (w *bitWriter) unary(q uint64) {
	for ; q >= 31; q -= 31 {
		w.write(0, 31)
	}
	w.write(1<<q, uint(q)+1)
}

// rice appends the sorted distinct set s Rice coded.
func (w *bitWriter) rice(s []uint16) {
	k := riceK(len(s))
	prev := -1
	for _, v := range s {
		d := uint64(int(v) - prev - 1)
		prev = int(v)
		if q := d >> k; q+1+uint64(k) <= 32 {
			w.write(1<<q|(d&(1<<k-1))<<(q+1), uint(q)+1+k)
		} else {
			w.unary(q)
			w.write(d, k)
		}
	}
}

// flush appends the bits left, the last byte padded with zeros, and
// returns the slice.
func (w *bitWriter) flush() []byte {
	for ; w.n > 0; w.n -= min(w.n, 8) {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
	}
	w.acc = 0
	return w.buf
}

// bitReader reads what a bitWriter wrote. Reading past the end gives
// zeros (unary: the bits left), which a record never asks for.
type bitReader struct {
	b   []byte
	acc uint64
	n   uint // valid bits in acc
}

// refill loads acc with at least 57 bits while the input lasts. Loading
// 8 bytes at once may put the first bits of a byte it does not count
// (beyond n) in acc: the next refill ORs the same bits there again.
func (r *bitReader) refill() {
	if len(r.b) >= 8 {
		r.acc |= binary.LittleEndian.Uint64(r.b) << r.n
		took := (64 - r.n) / 8
		r.b = r.b[took:]
		r.n += took * 8
		return
	}
	for r.n <= 56 && len(r.b) > 0 {
		r.acc |= uint64(r.b[0]) << r.n
		r.b = r.b[1:]
		r.n += 8
	}
}

// read returns the next bits bits (at most 32).
func (r *bitReader) read(bits uint) uint64 {
	if r.n < bits {
		r.refill()
	}
	v := r.acc & (1<<bits - 1)
	r.acc >>= bits
	r.n -= min(bits, r.n)
	return v
}

// riceSet decodes a Rice-coded set of n values and parameter k into dst
// (at least n long) or, with dst nil, counts the ones in b. It is the hot
// loop of a verification: acc and n stay in registers.
func (r *bitReader) riceSet(n int, k uint, dst []uint16, b *bitset16) (count int) {
	acc, nb, buf := r.acc, r.n, r.b
	mask := uint64(1)<<k - 1
	v := -1
	for i := 0; i < n; i++ {
		if nb < 48 && len(buf) >= 8 {
			acc |= binary.LittleEndian.Uint64(buf) << nb
			took := (64 - nb) / 8
			buf = buf[took:]
			nb += took * 8
		}
		var g uint64
		if z := uint(bits.TrailingZeros64(acc)); z+1+k <= nb {
			g = uint64(z)<<k | acc>>(z+1)&mask
			acc >>= z + 1 + k
			nb -= z + 1 + k
		} else { // near the end of the input, or a long gap
			r.acc, r.n, r.b = acc, nb, buf
			g = r.rice(k)
			acc, nb, buf = r.acc, r.n, r.b
		}
		v += int(g) + 1
		if dst != nil {
			dst[i] = uint16(v)
		} else {
			count += int(b[v>>6&1023] >> (v & 63) & 1)
		}
	}
	r.acc, r.n, r.b = acc, nb, buf
	return count
}

// rice returns the next Rice-coded value of parameter k (at most 16): at
// once when acc holds all of it, the usual case.
func (r *bitReader) rice(k uint) uint64 {
	if r.n < 48 {
		r.refill()
	}
	z := uint(bits.TrailingZeros64(r.acc))
	if z+1+k <= r.n {
		v := uint64(z)<<k | r.acc>>(z+1)&(1<<k-1)
		r.acc >>= z + 1 + k
		r.n -= z + 1 + k
		return v
	}
	q := r.unary()
	return q<<k | r.read(k)
}

// unary returns the number of zeros before the next one and skips both.
func (r *bitReader) unary() uint64 {
	var q uint64
	for {
		if r.n <= 56 {
			r.refill()
		}
		if z := uint(bits.TrailingZeros64(r.acc)); z < r.n {
			r.acc >>= z + 1
			r.n -= z + 1
			return q + uint64(z)
		}
		// n zeros: the bits of acc beyond them are still in b
		q += uint64(r.n)
		r.acc, r.n = 0, 0
		if len(r.b) == 0 {
			return q
		}
	}
}
