package near

// Params decide when two signatures are the same story. DefaultParams
// holds the measured defaults; a zero threshold does not disable a rule,
// it makes it fire always, so start from DefaultParams.
type Params struct {
	// Jaccard: summaries this similar are the same text whatever the
	// headlines say (a verbatim copy under a new headline).
	Jaccard float64
	// Containment: a summary this much contained in the other (a trimmed
	// or extended copy) is the same story when the headline is Supported
	// too. Without that guard shared boilerplate, photo captions and a
	// live blog quoting an article would merge unrelated stories.
	Containment float64
	Support     float64
	// MinShingles: the smaller summary must have this many shingles for
	// either rule above: three words of summary prove nothing.
	MinShingles int
	// Headline: the same headline is the same story even when the
	// summaries differ (a wire headline over another dek). The shorter
	// headline's word bigrams must be Headline contained in the longer,
	// the longer's HeadlineLonger in the shorter (it is the same headline,
	// not one that merely begins like a longer one: a series title, or
	// "X pre-order guide" against "X pre-order guide - where to buy …"),
	// and they must share HeadlineMinShared bigrams: short headlines
	// ("Taliban bans women from universities in Afghanistan") are written
	// independently by different newsrooms, long ones are not.
	Headline          float64
	HeadlineLonger    float64
	HeadlineMinShared int
	// Corroborated: a lightly edited wire copy keeps part of the lede and
	// part of the headline; the summary at least CorroboratedContainment
	// contained and the headlines at least CorroboratedHeadline, sharing
	// CorroboratedMinShared bigrams, are the same story.
	CorroboratedContainment float64
	CorroboratedHeadline    float64
	CorroboratedMinShared   int
	// HeadlineOnly: when an item has no summary (an aggregator's headline-
	// only entry) its headline is all the evidence there is; it must be
	// this much contained in the other's headline, sharing at least
	// HeadlineOnlyMinShared bigrams.
	HeadlineOnly          float64
	HeadlineOnlyMinShared int
	// Publisher: one publisher does not run two stories under one
	// headline: items of the same site whose headlines name the same
	// numbers and share this much of the shorter one's bigrams, at least
	// PublisherMinShared of them, are one story (its two feeds, an edited
	// headline). The numbers guard a daily series ("Wordle 902 answer").
	Publisher          float64
	PublisherMinShared int
}

// DefaultParams were chosen on dedupe-dev.jsonl; eval_test.go pins them.
func DefaultParams() Params {
	return Params{
		Jaccard:           0.9,
		Containment:       0.7,
		Support:           0.5,
		MinShingles:       4,
		Headline:          0.9,
		HeadlineLonger:    0.7,
		HeadlineMinShared: 8,

		CorroboratedContainment: 0.5,
		CorroboratedHeadline:    0.6,
		CorroboratedMinShared:   5,

		HeadlineOnly:          0.8,
		HeadlineOnlyMinShared: 3,

		Publisher:          0.8,
		PublisherMinShared: 3,
	}
}

// Stricter returns p with every similarity threshold raised by d (lowered
// for a negative d), each kept within [0, 1]; the counts of shared values
// stay. It is the one knob between precision and recall (dedupe.strictness
// in the configuration): stricter merges fewer different reports and
// misses more copies. docs/dedupe.md has the measured curve.
func (p Params) Stricter(d float64) Params {
	for _, t := range []*float64{
		&p.Jaccard, &p.Containment, &p.Support, &p.Headline, &p.HeadlineLonger,
		&p.CorroboratedContainment, &p.CorroboratedHeadline, &p.HeadlineOnly, &p.Publisher,
	} {
		*t = min(max(*t+d, 0), 1)
	}
	return p
}

// Scores are the measurements Same decides on.
type Scores struct {
	Jaccard     float64 // summaries
	Containment float64 // summaries, the larger direction
	MinSize     int     // shingles of the smaller summary (0: one has none)
	Support     float64 // share of a headline's words found anywhere in the other item (larger direction)

	Headline       float64 // containment of the shorter headline's bigrams in the other's
	HeadlineLonger float64 // containment of the longer headline's bigrams in the other's
	HeadlineShared int     // bigrams the headlines share
	HeadlineOnly   float64 // containment of a summary-less item's headline in the other's (-1: both have summaries)

	Kinds       [2]Kind // of a and b
	SameLink    bool    // one publisher's one article number
	SameSite    bool    // one publisher
	SameNumbers bool    // the headlines name the same numbers (or none)
}

// Compare measures two signatures. It is symmetric.
func Compare(a, b Signature) Scores {
	return scores(shapeOf(a), shapeOf(b), overlaps{
		body:         common16(a.Body, b.Body),
		head:         common16(a.Head, b.Head),
		headWordsOfA: common16(a.HeadWords, b.Words),
		headWordsOfB: common16(b.HeadWords, a.Words),
	})
}

// overlaps counts the values two signatures share, set by set.
type overlaps struct {
	body         int // summary shingles
	head         int // headline bigrams
	headWordsOfA int // a's headline words among b's words
	headWordsOfB int // b's headline words among a's words
}

// shape is what scores reads of a signature besides the overlaps: the
// sizes of its sets and its facts.
type shape struct {
	body, head, headWords int
	Facts
}

func shapeOf(s Signature) shape {
	return shape{body: len(s.Body), head: len(s.Head), headWords: len(s.HeadWords), Facts: s.Facts}
}

// scores turns the overlaps of a and b into Scores.
func scores(a, b shape, o overlaps) Scores {
	var s Scores
	if a.body > 0 && b.body > 0 {
		s.Jaccard, s.Containment = overlapOf(o.body, a.body, b.body)
		s.MinSize = min(a.body, b.body)
	}
	s.Support = max(share(o.headWordsOfA, a.headWords), share(o.headWordsOfB, b.headWords))
	s.HeadlineShared = o.head
	if n := min(a.head, b.head); n > 0 {
		s.Headline = float64(s.HeadlineShared) / float64(n)
		s.HeadlineLonger = float64(s.HeadlineShared) / float64(max(a.head, b.head))
	}
	s.HeadlineOnly = -1
	for _, x := range [2]shape{a, b} {
		if x.body == 0 && x.head > 0 {
			s.HeadlineOnly = max(s.HeadlineOnly, float64(s.HeadlineShared)/float64(x.head))
		}
	}
	s.Kinds = [2]Kind{a.Kind, b.Kind}
	s.SameLink = a.LinkID != 0 && a.LinkID == b.LinkID
	s.SameSite = a.Site != 0 && a.Site == b.Site
	s.SameNumbers = a.Numbers == b.Numbers
	return s
}

// share is n of total, 0 of nothing.
func share(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) / float64(total)
}

// probe is one signature compared with many (the candidates of a query):
// its sets as bitsets, so that counting what a candidate shares with it
// takes one lookup per candidate value instead of a merge of both sorted
// sets. A probe is 32 KB; load and clear it for each query, which touches
// only the bits of the signature.
type probe struct {
	sig                          Signature
	body, head, headWords, words bitset16
}

// bitset16 is a set of 16-bit values.
type bitset16 [1 << 16 / 64]uint64

func (b *bitset16) set(vs []uint16) {
	for _, v := range vs {
		b[v>>6] |= 1 << (v & 63)
	}
}

func (b *bitset16) unset(vs []uint16) {
	for _, v := range vs {
		b[v>>6] &^= 1 << (v & 63)
	}
}

// count returns how many of the sorted distinct values vs are in b.
func (b *bitset16) count(vs []uint16) int {
	n := 0
	for _, v := range vs {
		n += int(b[v>>6] >> (v & 63) & 1)
	}
	return n
}

func (p *probe) load(sig Signature) {
	p.sig = sig
	p.body.set(sig.Body)
	p.head.set(sig.Head)
	p.headWords.set(sig.HeadWords)
	p.words.set(sig.Words)
}

func (p *probe) clear() {
	p.body.unset(p.sig.Body)
	p.head.unset(p.sig.Head)
	p.headWords.unset(p.sig.HeadWords)
	p.words.unset(p.sig.Words)
	p.sig = Signature{}
}

// compare is Compare(p's signature, b) for a b whose sets are sorted and
// distinct, as Sign makes them and Decode insists.
func (p *probe) compare(b Signature) Scores {
	return scores(shapeOf(p.sig), shapeOf(b), overlaps{
		body:         p.body.count(b.Body),
		head:         p.head.count(b.Head),
		headWordsOfA: p.headWords.count(b.Words),
		headWordsOfB: p.words.count(b.HeadWords),
	})
}

// sameStory reports whether a and b are the same story under p.
func sameStory(a, b Signature, p Params) bool { return p.Same(Compare(a, b)) }

// Same decides on measured scores; see Params for what each rule means.
func (p Params) Same(s Scores) bool {
	same, _ := p.Decide(s)
	return same
}

// Decide is Same with the name of the rule that decided: for a match the
// rule that found it ("same link", "publisher", "jaccard", "containment",
// "corroborated", "headline", "headline-only"), else why not ("live
// coverage", "video against article" and other kinds, "headline-only",
// "no rule").
func (p Params) Decide(s Scores) (same bool, rule string) {
	switch {
	case s.Kinds[0] == Live || s.Kinds[1] == Live:
		return false, "live coverage"
	case s.Kinds[0] != s.Kinds[1]:
		return false, s.Kinds[0].String() + " against " + s.Kinds[1].String()
	case s.SameLink && s.Support >= p.Support:
		// one publisher's article number, and a headline the other item
		// supports: a number some sites give a section, not an article,
		// is not enough on its own
		return true, "same link"
	case s.SameSite && s.SameNumbers && s.Headline >= p.Publisher && s.HeadlineShared >= p.PublisherMinShared:
		return true, "publisher"
	case s.HeadlineOnly >= 0:
		return s.HeadlineOnly >= p.HeadlineOnly && s.HeadlineShared >= p.HeadlineOnlyMinShared, "headline-only"
	case s.MinSize >= p.MinShingles && s.Jaccard >= p.Jaccard:
		return true, "jaccard"
	case s.MinSize >= p.MinShingles && s.Containment >= p.Containment && s.Support >= p.Support:
		return true, "containment"
	case s.MinSize >= p.MinShingles && s.Containment >= p.CorroboratedContainment &&
		s.Headline >= p.CorroboratedHeadline && s.HeadlineShared >= p.CorroboratedMinShared:
		return true, "corroborated"
	case s.Headline >= p.Headline && s.HeadlineLonger >= p.HeadlineLonger && s.HeadlineShared >= p.HeadlineMinShared:
		return true, "headline"
	}
	return false, "no rule"
}

// Score orders matches: the best evidence first.
func (s Scores) Score() float64 {
	return max(s.Containment, s.Headline, s.HeadlineOnly)
}
