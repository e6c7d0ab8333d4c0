package near

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

const (
	// bodyShingle is k of the word k-shingles of a summary. Measured on
	// dedupe-dev (by a sweep since retired, in git history as
	// pipeline/dedupe/near/sweep_test.go): 2-shingles rank paraphrases of
	// the same event too high, 4- and 5-shingles lose lightly edited
	// copies ("skies" for "sky" breaks four 4-shingles).
	bodyShingle = 3
	// headShingle is k of the shingles of a headline: headlines are short,
	// so bigrams keep enough of them to measure an edit.
	headShingle = 2

	// numHashes is the length of Signature.Mins: enough for the body bands
	// of defaultBanding (20 × 1) with room for other layouts.
	numHashes = 48

	maxBodyHashes = 256 // summary shingles kept (feeds caps summaries at 1000 runes: about 170)
	maxHeadHashes = 48  // headline bigrams or words kept
	maxWordHashes = 96  // words of the whole item kept, headline first
)

// Signature is what near-duplicate detection keeps of a story. It is a
// value: Sign returns a new one, and nothing here modifies one.
//
// Similarity is measured on exact sets, stored as sorted distinct 16-bit
// hashes, not estimated from the MinHash: summaries are short (feeds caps
// them at 1000 runes), so the exact set of a typical one (40 shingles, 80
// bytes) is smaller than a 64-value MinHash (256 bytes), and on dedupe-dev
// a 64-value MinHash estimates containment with a 95th-percentile error of
// 0.16, which moves decisions (measured by the sweep retired with it). Two different shingles
// share a 16-bit hash with probability 1/65536: for a 40- and a 170-shingle
// summary that adds 0.1 spurious common shingles on average. The MinHash,
// computed from the full 64-bit shingle hashes, only files the story in
// the Index's LSH bands.
type Signature struct {
	// Mins is the MinHash of the summary's shingles (numHashes values, or
	// none without a summary), for LSH only.
	Mins []uint32
	// Body holds the shingles of the summary (word 3-shingles); none when
	// the item has no summary of its own.
	Body []uint16
	// Head holds the headline's word bigrams, HeadWords its words, Words
	// every word of the item (headline first, the first maxWordHashes).
	Head      []uint16
	HeadWords []uint16
	Words     []uint16
	Facts
}

// Facts are what a signature holds of a story besides the sets of its
// text: a few fixed-size values the Index keeps as they are.
type Facts struct {
	// Kind is the sort of item (article, live coverage, video …), read
	// from the link's folders and the text; items of different kinds are
	// never the same story, live coverage is never the same as anything.
	Kind Kind
	// Site identifies the publisher (a hash of its name, 0: no link), and
	// LinkID the publisher's article number in the link (0: none).
	Site   uint16
	LinkID uint32
	// Numbers is a hash of the numbers in the headline (0: none).
	Numbers uint16
}

// Size is the number of distinct shingles of the summary.
func (s Signature) Size() int { return len(s.Body) }

// Sign computes the signature of a story from its title and summary as the
// feed gave them (plain text; see feeds.PlainText).
func Sign(title, summary string) Signature { return SignLinked(title, summary, "") }

// SignLinked is Sign with what the story's link says: its kind (a /video/
// or /live/ folder), its publisher and article number (see Signature).
func SignLinked(title, summary, link string) Signature {
	it := prepare(title, summary)
	body := it.bodyShingles(bodyShingle)
	var mins []uint32
	if len(body) > 0 {
		mins = minhashInto(make([]uint32, numHashes), body)
	}
	lf := readLink(link)
	kind := lf.kind
	switch {
	case it.live:
		kind = Live
	case kind == Article && it.sheet:
		kind = Newsletter
	}
	return Signature{
		Mins:      mins,
		Body:      short16(body, maxBodyHashes),
		Head:      short16(shingles(it.head, headShingle), maxHeadHashes),
		HeadWords: short16(it.head, maxHeadHashes),
		Words:     short16(it.all, maxWordHashes),
		Facts:     Facts{Kind: kind, Site: lf.site, LinkID: lf.id, Numbers: it.nums},
	}
}

// permutation i of MinHash is x ↦ (a·x + b) >> 32 with odd a: multiply-shift
// hashing, whose seeds come from splitmix64 of a fixed constant so that
// every process and version computes the same signature.
type permutation struct{ a, b uint64 }

func permutations(n int) []permutation {
	ps := make([]permutation, n)
	state := uint64(0x6e6577737769_7265) // "newswire"
	next := func() uint64 {
		state += 0x9e3779b97f4a7c15
		return mix64(state)
	}
	for i := range ps {
		ps[i] = permutation{a: next() | 1, b: next()}
	}
	return ps
}

// defaultPerms computes the permutations of MinHash once, on first use.
var defaultPerms = sync.OnceValue(func() []permutation { return permutations(maxPerms) })

// maxPerms bounds the MinHash length an Index may ask for.
const maxPerms = 256

// minHash returns n MinHash values of the set (n ≤ 256): value i is the
// least image of the set under permutation i, so two sets agree at i with
// probability equal to their Jaccard similarity. It returns nil for an
// empty set.
func minHash[T uint16 | uint64](set []T, n int) []uint32 {
	if len(set) == 0 || n <= 0 {
		return nil
	}
	return minhashInto(make([]uint32, n), set)
}

func minhashInto[T uint16 | uint64](mins []uint32, set []T) []uint32 {
	ps := defaultPerms()[:len(mins)]
	for i := range mins {
		mins[i] = ^uint32(0)
	}
	for _, v := range set {
		x := mix64(uint64(v) + 1)
		for i, p := range ps {
			if h := uint32((p.a*x + p.b) >> 32); h < mins[i] {
				mins[i] = h
			}
		}
	}
	return mins
}

// estimate returns the Jaccard similarity of the two summaries' shingle
// sets and their containment: the larger of |A∩B|/|A| and |A∩B|/|B|, so
// a trimmed copy scores high against the full text. Both are 0 when either
// signature has no summary.
func estimate(a, b Signature) (jaccard, containment float64) {
	if len(a.Body) == 0 || len(b.Body) == 0 {
		return 0, 0
	}
	return overlapOf(common16(a.Body, b.Body), len(a.Body), len(b.Body))
}

// overlapOf is estimate for sets of sizes na and nb, both non-zero, that
// share common values.
func overlapOf(common, na, nb int) (jaccard, containment float64) {
	return float64(common) / float64(na+nb-common), float64(common) / float64(min(na, nb))
}

// encodingVersion 2 added the kind (version 1 had a live flag in its place)
// and, after the sets, the site, link id and numbers. Decode reads both.
const encodingVersion = 2

// Encode returns the signature as unpadded URL-safe base64 of a compact
// binary form: version, kind, the MinHash as a uvarint length and
// little-endian 32-bit values, each set as a uvarint length and
// little-endian 16-bit values, then site, link id and numbers (16, 32 and
// 16 bits little-endian). A story of a 40-word summary encodes in about
// 600 characters.
func (s Signature) Encode() string {
	b := make([]byte, 0, 20+4*len(s.Mins)+2*(len(s.Body)+len(s.Head)+len(s.HeadWords)+len(s.Words)))
	b = append(b, encodingVersion, byte(s.Kind))
	b = binary.AppendUvarint(b, uint64(len(s.Mins)))
	for _, m := range s.Mins {
		b = binary.LittleEndian.AppendUint32(b, m)
	}
	for _, vs := range [][]uint16{s.Body, s.Head, s.HeadWords, s.Words} {
		b = binary.AppendUvarint(b, uint64(len(vs)))
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint16(b, v)
		}
	}
	b = binary.LittleEndian.AppendUint16(b, s.Site)
	b = binary.LittleEndian.AppendUint32(b, s.LinkID)
	b = binary.LittleEndian.AppendUint16(b, s.Numbers)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ErrBadSignature is wrapped by Decode for input that is not an encoded
// signature.
var ErrBadSignature = errors.New("near: bad signature")

// Decode parses what Encode returned.
func Decode(text string) (Signature, error) {
	b, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil {
		return Signature{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	d := decoder{b: b}
	version := d.byte()
	if version != 1 && version != encodingVersion {
		return Signature{}, fmt.Errorf("%w: version %d", ErrBadSignature, version)
	}
	var s Signature
	switch k := Kind(d.byte()); {
	case version == 1:
		if k&1 != 0 {
			s.Kind = Live
		}
	case k < numKinds:
		s.Kind = k
	default:
		d.err = fmt.Errorf("%w: kind %d", ErrBadSignature, k)
	}
	if n := d.uvarint(maxPerms); n > 0 {
		s.Mins = make([]uint32, n)
		for i := range s.Mins {
			s.Mins[i] = binary.LittleEndian.Uint32(d.take(4))
		}
	}
	for _, dst := range []*[]uint16{&s.Body, &s.Head, &s.HeadWords, &s.Words} {
		if n := d.uvarint(1 << 12); n > 0 {
			*dst = make([]uint16, n)
			for i := range *dst {
				(*dst)[i] = binary.LittleEndian.Uint16(d.take(2))
				if i > 0 && (*dst)[i] <= (*dst)[i-1] && d.err == nil {
					// Sign writes sorted distinct sets, and comparisons
					// count on it.
					d.err = fmt.Errorf("%w: set not in increasing order", ErrBadSignature)
				}
			}
		}
	}
	if version >= 2 {
		s.Site = binary.LittleEndian.Uint16(d.take(2))
		s.LinkID = binary.LittleEndian.Uint32(d.take(4))
		s.Numbers = binary.LittleEndian.Uint16(d.take(2))
	}
	if d.err != nil {
		return Signature{}, d.err
	}
	if len(d.b) != 0 {
		return Signature{}, fmt.Errorf("%w: %d trailing bytes", ErrBadSignature, len(d.b))
	}
	return s, nil
}

// decoder reads a byte slice and remembers the first error; reads after an
// error return zeros.
type decoder struct {
	b   []byte
	err error
}

var zeros [4]byte

func (d *decoder) take(n int) []byte {
	if d.err != nil || len(d.b) < n {
		if d.err == nil {
			d.err = fmt.Errorf("%w: truncated", ErrBadSignature)
		}
		return zeros[:n]
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte { return d.take(1)[0] }

func (d *decoder) uvarint(max uint64) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > max {
		d.err = fmt.Errorf("%w: bad length", ErrBadSignature)
		return 0
	}
	d.b = d.b[n:]
	return v
}
