package tag

import (
	"cmp"
	"slices"

	"github.com/newswire/newswire/feeds"
)

// Document is the text of one article as the tagger reads it.
type Document struct {
	Title, Summary, Content string
	// Language is the article's language tag as the feed gave it ("en",
	// "fr-FR"). Empty, or a language no rules have lists for: detected
	// from the title and summary; undetected: every language's lists apply.
	Language string
}

// scoredHit is one occurrence of a topic's strong or weak phrase, or one
// near pair, and what it added to the score.
type scoredHit struct {
	entry      int32
	field      field
	start, end int32
	score      float64
	vetoedBy   int32 // the exclude entry that vetoed it, or -1
	noContext  bool  // a weak hit with no require phrase near it
	// passing is set on a hit mentioned in passing: past the lede or
	// after a background phrase (background, or -1).
	passing    bool
	background int32
	// sameMention is set on a hit that overlaps an earlier one: it adds
	// only what it scores above the mention's best.
	sameMention bool
}

// topicResult is how one topic scored a document.
type topicResult struct {
	topic  int32
	score  float64
	hits   []scoredHit // title, summary, content, each in text order
	noneOf int32       // the none_of entry that vetoed the topic, or -1
	noneAt field
	// senses are the distinct other_senses entries that occurred, context
	// the distinct require entries (outside them); more senses than
	// context vetoes the topic.
	senses  []int32
	context []int32
}

func (t *topicResult) otherSense() bool { return len(t.senses) > len(t.context) }

func (t *topicResult) matched(tp *compiledTopic) bool {
	return t.noneOf < 0 && !t.otherSense() && t.score >= tp.minScore
}

// topicHit is an occurrence of one entry: a pattern occurrence seen
// through one of the topics that use the pattern.
type topicHit struct {
	entry      int32
	topic      int32
	field      field
	start, end int32
}

// scratch holds the buffers of one scan, reused through Rules.scratch.
type scratch struct {
	text    []byte
	bounds  []int32
	occ     []occurrence
	all     []topicHit
	group   group
	hits    []scoredHit
	lede    int32 // tokens of the summary's first sentence
	senses  []int32
	context []int32
	counted map[uint64]bool // entry<<8 | field of the hits that counted
}

// Match returns the topics whose rules the document scores at least their
// min_score on and no none_of phrase vetoes, sorted by name. It never
// returns nil: an article that matched nothing gets an empty slice, so that
// "tagged, no topics" is visible. It is safe for concurrent use.
//
// A strong phrase and a near pair score 2, a weak one 1, times the topic's
// title_boost in the title. A phrase or near rule counts at most once per
// field. A hit is vetoed by an exclude phrase of its topic within
// exclude_window tokens of it in the same field (an overlapping exclude
// vetoes too: "trade truce" vetoes "truce"); when the topic has require
// phrases, a weak hit counts only with one of them within require_window
// tokens in the same field. Matched lists what counted, as written in the
// rules (a near rule as "a NEAR/n b"), once each, in order of first
// appearance (title first; at one position the longer first, phrases
// before near rules); Fields says in which fields each counted.
func (r *Rules) Match(d Document) []feeds.TopicMatch {
	s := r.getScratch()
	defer r.putScratch(s)
	lang := r.scan(d, s)
	out := []feeds.TopicMatch{}
	r.evaluate(s, lang, func(res *topicResult) {
		tp := &r.topics[res.topic]
		if !res.matched(tp) {
			return
		}
		m := feeds.TopicMatch{Name: tp.name, Score: res.score}
		for _, h := range res.hits {
			if h.score == 0 {
				continue
			}
			phrase := r.entries[h.entry].phrase
			i := slices.Index(m.Matched, phrase)
			if i < 0 {
				m.Matched = append(m.Matched, phrase)
				m.Fields = append(m.Fields, nil)
				i = len(m.Matched) - 1
			}
			m.Fields[i] = append(m.Fields[i], h.field.String())
		}
		out = append(out, m)
	})
	return out
}

// newScratch returns empty buffers for one scan.
func newScratch() *scratch { return &scratch{counted: map[uint64]bool{}} }

func (r *Rules) getScratch() *scratch {
	if s, ok := r.scratch.Get().(*scratch); ok {
		return s
	}
	return newScratch()
}

func (r *Rules) putScratch(s *scratch) { r.scratch.Put(s) }

// scan finds every phrase occurrence in the document's fields, in one pass
// over each for all topics, and returns the languages whose lists apply.
func (r *Rules) scan(d Document, s *scratch) langSet {
	lang := languageOf(d.Language)
	var det languageDetector
	s.occ = s.occ[:0]
	for f, text := range [numFields]string{d.Title, d.Summary, d.Content} {
		if field(f) == fieldSummary {
			// The lede ends at a boundary, so tokenising it and then
			// the rest gives the tokens of the whole, and counts the
			// lede's on the way.
			n := ledeLength(text)
			s.text, s.bounds = tokenise(text[:n], s.text[:0], s.bounds[:0])
			s.lede = int32(len(s.bounds) / 2)
			s.text, s.bounds = tokenise(text[n:], s.text, s.bounds)
		} else {
			s.text, s.bounds = tokenise(text, s.text[:0], s.bounds[:0])
		}
		if lang == 0 && field(f) != fieldContent {
			det.add(s.text, s.bounds)
		}
		s.occ = r.m.scan(s.text, s.bounds, field(f), s.occ)
	}
	if lang == 0 {
		lang = det.result()
	}
	if lang == 0 {
		lang = allLangs
	}
	return lang
}

// evaluate calls fn for each topic with at least one strong, weak, near or
// none_of occurrence in the document's languages, in name order. res and
// its hits are valid only during the call.
func (r *Rules) evaluate(s *scratch, lang langSet, fn func(res *topicResult)) {
	s.all = s.all[:0]
	for _, o := range s.occ {
		for _, e := range r.uses[o.pattern] {
			if en := &r.entries[e]; en.langs&lang != 0 {
				s.all = append(s.all, topicHit{entry: e, topic: en.topic, field: o.field, start: o.start, end: o.end})
			}
		}
	}
	if len(s.all) == 0 {
		return
	}
	all := s.all
	slices.SortFunc(all, func(a, b topicHit) int {
		// Topic, field, start, then the longer first, then entry order,
		// packed into two integers: this sort is a good part of the cost
		// of an article with many hits.
		if ka, kb := uint64(a.topic)<<34|uint64(a.field)<<32|uint64(a.start), uint64(b.topic)<<34|uint64(b.field)<<32|uint64(b.start); ka != kb {
			return cmp.Compare(ka, kb)
		}
		return cmp.Compare(uint64(^uint32(a.end))<<32|uint64(a.entry), uint64(^uint32(b.end))<<32|uint64(b.entry))
	})
	g := &s.group
	res := topicResult{hits: s.hits, senses: s.senses, context: s.context}
	defer func() { s.hits, s.senses, s.context = res.hits[:0], res.senses[:0], res.context[:0] }()
	for lo := 0; lo < len(all); {
		hi := lo
		for hi < len(all) && all[hi].topic == all[lo].topic {
			hi++
		}
		g.split(r, all[lo:hi])
		lo = hi
		if len(g.hits) == 0 && len(g.sides) == 0 && len(g.noneOf) == 0 {
			continue
		}
		res = topicResult{topic: g.topic, hits: res.hits[:0], noneOf: -1, senses: res.senses[:0], context: res.context[:0]}
		r.score(g, lang, s.lede, s.counted, &res)
		fn(&res)
	}
}

// group is one topic's occurrences, by kind, each in text order.
type group struct {
	topic                                   int32
	hits, excludes, requires, sides, noneOf []topicHit
	backgrounds, senses                     []topicHit
}

func (g *group) split(r *Rules, hits []topicHit) {
	g.topic = hits[0].topic
	g.hits, g.excludes, g.requires, g.sides, g.noneOf = g.hits[:0], g.excludes[:0], g.requires[:0], g.sides[:0], g.noneOf[:0]
	g.backgrounds, g.senses = g.backgrounds[:0], g.senses[:0]
	for _, h := range hits {
		switch r.entries[h.entry].kind {
		case kindStrong, kindWeak:
			g.hits = append(g.hits, h)
		case kindExclude:
			g.excludes = append(g.excludes, h)
		case kindRequire:
			g.requires = append(g.requires, h)
		case kindNoneOf:
			g.noneOf = append(g.noneOf, h)
		case kindNearSide:
			g.sides = append(g.sides, h)
		case kindBackground:
			g.backgrounds = append(g.backgrounds, h)
		case kindOtherSense:
			g.senses = append(g.senses, h)
		}
	}
}

// score fills res from the topic's occurrences; lede is the number of
// tokens of the summary's first sentence.
func (r *Rules) score(g *group, lang langSet, lede int32, counted map[uint64]bool, res *topicResult) {
	tp := &r.topics[g.topic]
	needContext := tp.requireLangs&lang != 0
	for _, h := range g.hits {
		sh := scoredHit{entry: h.entry, field: h.field, start: h.start, end: h.end,
			vetoedBy: r.within(h, g.excludes, tp.excludeWindow)}
		if needContext && r.entries[h.entry].kind == kindWeak {
			sh.noContext = r.within(h, g.requires, tp.requireWindow) < 0
		}
		res.hits = append(res.hits, sh)
	}
	res.hits = r.nearHits(g, tp, res.hits)
	for i := range res.hits {
		h := &res.hits[i]
		h.background = -1
		if h.field != fieldTitle {
			// The title says what the article is about, background
			// phrase or not: "Niger defaults due to sanctions".
			h.background = r.after(topicHit{field: h.field, start: h.start, end: h.end}, g.backgrounds, tp.backgroundWindow)
		}
		h.passing = h.background >= 0 || h.field == fieldContent || h.field == fieldSummary && h.start >= lede
	}
	slices.SortFunc(res.hits, func(a, b scoredHit) int {
		return cmp.Or(cmp.Compare(a.field, b.field), cmp.Compare(a.start, b.start), cmp.Compare(b.end, a.end),
			cmp.Compare(r.entries[a.entry].kind, r.entries[b.entry].kind), cmp.Compare(a.entry, b.entry))
	})
	clear(counted)
	// A mention is a run of overlapping hits ("US sanctions imposed" is
	// "us sanctions", "sanctions imposed" and sanction*): it counts as
	// much as its best hit, not as the sum of the phrases that describe it.
	var mention struct {
		field field
		end   int32
		best  float64
	}
	for i := range res.hits {
		h := &res.hits[i]
		if h.vetoedBy >= 0 || h.noContext {
			continue
		}
		if h.field != mention.field || h.start >= mention.end {
			mention.field, mention.end, mention.best = h.field, h.end, 0
		} else {
			mention.end = max(mention.end, h.end)
			h.sameMention = true
		}
		// A phrase or near rule counts once per field.
		if k := uint64(h.entry)<<8 | uint64(h.field); counted[k] {
			continue
		} else {
			counted[k] = true
		}
		if w := r.hitScore(tp, r.entries[h.entry].kind, h.field, h.passing); w > mention.best {
			h.score = w - mention.best
			mention.best = w
			res.score += h.score
		}
	}
	if len(g.noneOf) > 0 {
		res.noneOf, res.noneAt = g.noneOf[0].entry, g.noneOf[0].field
	}
	if len(g.senses) > 0 {
		r.weighSenses(g, res)
	}
}

// weighSenses counts the distinct other_senses phrases of the document
// and its distinct require phrases, leaving out those that are part of an
// other_senses phrase ("war" in "price war") or of the topic's own hits
// ("embargo" is context for "sanctions", not for itself): the sense with
// more phrases is the one the topic's words are read in.
func (r *Rules) weighSenses(g *group, res *topicResult) {
	for _, h := range g.senses {
		if !r.inside(h, g.hits) {
			res.senses = append(res.senses, h.entry)
		}
	}
	for _, h := range g.requires {
		if !r.inside(h, g.senses) && !sameSpan(h, g.hits) {
			res.context = append(res.context, h.entry)
		}
	}
	slices.Sort(res.senses)
	res.senses = slices.Compact(res.senses)
	slices.Sort(res.context)
	res.context = slices.Compact(res.context)
}

// nearHits appends, for each near rule and field, the pair of its phrases
// that counts: the first in text order within the rule's distance and not
// vetoed, or else the first vetoed one (for Explain). Each a side looks
// only at the b sides within the rule's distance, so the cost grows with
// the text, not with the square of its hits.
func (r *Rules) nearHits(g *group, tp *compiledTopic, out []scoredHit) []scoredHit {
	sides := g.sides
	slices.SortFunc(sides, func(a, b topicHit) int {
		ea, eb := &r.entries[a.entry], &r.entries[b.entry]
		return cmp.Or(cmp.Compare(ea.near, eb.near), cmp.Compare(ea.side, eb.side),
			cmp.Compare(a.field, b.field), cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end))
	})
	for lo := 0; lo < len(sides); {
		rule := r.entries[sides[lo].entry].near
		hi := lo
		for hi < len(sides) && r.entries[sides[hi].entry].near == rule {
			hi++
		}
		pairs := sides[lo:hi]
		lo = hi
		split := 0
		for split < len(pairs) && r.entries[pairs[split].entry].side == 0 {
			split++
		}
		as, bs := pairs[:split], pairs[split:]
		dist := r.entries[rule].near
		for f := range numFields {
			best, found := scoredHit{}, false
			for _, a := range as {
				if a.field != field(f) {
					continue
				}
				for _, b := range candidates(bs, field(f), a.start-dist-r.longest, a.end-1+dist) {
					if distance(a, b) > dist {
						continue
					}
					c := scoredHit{entry: rule, field: field(f), start: min(a.start, b.start), end: max(a.end, b.end),
						vetoedBy: r.within(a, g.excludes, tp.excludeWindow)}
					if c.vetoedBy < 0 {
						c.vetoedBy = r.within(b, g.excludes, tp.excludeWindow)
					}
					if !found || betterPair(c, best) {
						best, found = c, true
					}
				}
			}
			if found {
				out = append(out, best)
			}
		}
	}
	return out
}

// betterPair orders a near rule's candidate pairs: unvetoed first, then
// by start and end.
func betterPair(c, best scoredHit) bool {
	if (c.vetoedBy < 0) != (best.vetoedBy < 0) {
		return c.vetoedBy < 0
	}
	return c.start < best.start || c.start == best.start && c.end < best.end
}

func (r *Rules) hitScore(tp *compiledTopic, k phraseKind, f field, passing bool) float64 {
	w := float64(weakWeight)
	if k != kindWeak {
		w = strongWeight
	}
	if f == fieldTitle {
		w *= tp.titleBoost
	}
	if passing {
		w *= tp.passingWeight
	}
	return w
}

// distance is how many tokens apart two occurrences are: from one's last
// token to the other's first, so adjacent phrases are 1 apart and
// overlapping ones 0 or less.
func distance(a, b topicHit) int32 {
	return max(b.start-(a.end-1), a.start-(b.end-1))
}

// candidates returns the occurrences of others (in text order) in h's
// field that start from lo to hi tokens, found by binary search so that
// the cost of a hit does not grow with the length of the text.
func candidates(others []topicHit, f field, lo, hi int32) []topicHit {
	key := func(x topicHit) uint64 { return uint64(x.field)<<32 | uint64(uint32(x.start)) }
	from, _ := slices.BinarySearchFunc(others, uint64(f)<<32|uint64(uint32(max(lo, 0))), func(x topicHit, k uint64) int { return cmp.Compare(key(x), k) })
	to := from
	for to < len(others) && others[to].field == f && others[to].start <= hi {
		to++
	}
	return others[from:to]
}

// within returns the entry of the first of others (in text order) in h's
// field at most window tokens from h, or -1.
func (r *Rules) within(h topicHit, others []topicHit, window int32) int32 {
	for _, x := range candidates(others, h.field, h.start-window-r.longest, h.end-1+window) {
		if distance(h, x) <= window {
			return x.entry
		}
	}
	return -1
}

// after returns the entry of the last of others that ends before h
// starts, at most window tokens before it, or -1.
func (r *Rules) after(h topicHit, others []topicHit, window int32) int32 {
	found := int32(-1)
	for _, x := range candidates(others, h.field, h.start-window-r.longest, h.start-1) {
		if x.end <= h.start && h.start-(x.end-1) <= window {
			found = x.entry
		}
	}
	return found
}

// sameSpan reports whether one of others (in text order) covers exactly h.
func sameSpan(h topicHit, others []topicHit) bool {
	for _, x := range candidates(others, h.field, h.start, h.start) {
		if x.end == h.end {
			return true
		}
	}
	return false
}

// inside reports whether h lies within one of others.
func (r *Rules) inside(h topicHit, others []topicHit) bool {
	for _, x := range candidates(others, h.field, h.start-r.longest, h.start) {
		if x.start <= h.start && h.end <= x.end {
			return true
		}
	}
	return false
}
