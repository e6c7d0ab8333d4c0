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
}

// topicResult is how one topic scored a document.
type topicResult struct {
	topic  int32
	score  float64
	hits   []scoredHit // title, summary, content, each in text order
	noneOf int32       // the none_of entry that vetoed the topic, or -1
	noneAt field
}

func (t *topicResult) matched(tp *compiledTopic) bool { return t.noneOf < 0 && t.score >= tp.minScore }

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
	text   []byte
	bounds []int32
	occ    []occurrence
	all    []topicHit
	group  group
	hits   []scoredHit
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

func (r *Rules) getScratch() *scratch {
	if s, ok := r.scratch.Get().(*scratch); ok {
		return s
	}
	return &scratch{}
}

func (r *Rules) putScratch(s *scratch) { r.scratch.Put(s) }

// scan finds every phrase occurrence in the document's fields, in one pass
// over each for all topics, and returns the languages whose lists apply.
func (r *Rules) scan(d Document, s *scratch) langSet {
	lang := languageOf(d.Language)
	var det languageDetector
	s.occ = s.occ[:0]
	for f, text := range [numFields]string{d.Title, d.Summary, d.Content} {
		s.text, s.bounds = tokenise(text, s.text[:0], s.bounds[:0])
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
	res := topicResult{hits: s.hits}
	defer func() { s.hits = res.hits[:0] }()
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
		res = topicResult{topic: g.topic, hits: res.hits[:0], noneOf: -1}
		r.score(g, lang, &res)
		fn(&res)
	}
}

// group is one topic's occurrences, by kind, each in text order.
type group struct {
	topic                                   int32
	hits, excludes, requires, sides, noneOf []topicHit
}

func (g *group) split(r *Rules, hits []topicHit) {
	g.topic = hits[0].topic
	g.hits, g.excludes, g.requires, g.sides, g.noneOf = g.hits[:0], g.excludes[:0], g.requires[:0], g.sides[:0], g.noneOf[:0]
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
		}
	}
}

// score fills res from the topic's occurrences.
func (r *Rules) score(g *group, lang langSet, res *topicResult) {
	tp := &r.topics[g.topic]
	needContext := tp.requireLangs&lang != 0
	for _, h := range g.hits {
		sh := scoredHit{entry: h.entry, field: h.field, start: h.start, end: h.end,
			vetoedBy: within(h, g.excludes, tp.excludeWindow)}
		if needContext && r.entries[h.entry].kind == kindWeak {
			sh.noContext = within(h, g.requires, tp.requireWindow) < 0
		}
		res.hits = append(res.hits, sh)
	}
	res.hits = r.nearHits(g, tp, res.hits)
	slices.SortFunc(res.hits, func(a, b scoredHit) int {
		return cmp.Or(cmp.Compare(a.field, b.field), cmp.Compare(a.start, b.start), cmp.Compare(b.end, a.end),
			cmp.Compare(r.entries[a.entry].kind, r.entries[b.entry].kind), cmp.Compare(a.entry, b.entry))
	})
	for i := range res.hits {
		h := &res.hits[i]
		if h.vetoedBy >= 0 || h.noContext || countedBefore(res.hits[:i], h) {
			continue
		}
		h.score = r.hitScore(tp, r.entries[h.entry].kind, h.field)
		res.score += h.score
	}
	if len(g.noneOf) > 0 {
		res.noneOf, res.noneAt = g.noneOf[0].entry, g.noneOf[0].field
	}
}

// nearHits appends, for each near rule and field, the pair of its phrases
// that counts: the first in text order within the rule's distance and not
// vetoed, or else the first vetoed one (for Explain).
func (r *Rules) nearHits(g *group, tp *compiledTopic, out []scoredHit) []scoredHit {
	sides := g.sides
	slices.SortFunc(sides, func(a, b topicHit) int {
		return cmp.Compare(r.entries[a.entry].near, r.entries[b.entry].near)
	})
	for lo := 0; lo < len(sides); {
		rule := r.entries[sides[lo].entry].near
		hi := lo
		for hi < len(sides) && r.entries[sides[hi].entry].near == rule {
			hi++
		}
		pairs := sides[lo:hi]
		lo = hi
		dist := r.entries[rule].near
		for f := range numFields {
			best, found := scoredHit{}, false
			for _, a := range pairs {
				if a.field != field(f) || r.entries[a.entry].side != 0 {
					continue
				}
				for _, b := range pairs {
					if b.field != field(f) || r.entries[b.entry].side != 1 || distance(a, b) > dist {
						continue
					}
					c := scoredHit{entry: rule, field: field(f), start: min(a.start, b.start), end: max(a.end, b.end),
						vetoedBy: within(a, g.excludes, tp.excludeWindow)}
					if c.vetoedBy < 0 {
						c.vetoedBy = within(b, g.excludes, tp.excludeWindow)
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

func (r *Rules) hitScore(tp *compiledTopic, k phraseKind, f field) float64 {
	w := float64(weakWeight)
	if k != kindWeak {
		w = strongWeight
	}
	if f == fieldTitle {
		w *= tp.titleBoost
	}
	return w
}

// distance is how many tokens apart two occurrences are: from one's last
// token to the other's first, so adjacent phrases are 1 apart and
// overlapping ones 0 or less.
func distance(a, b topicHit) int32 {
	return max(b.start-(a.end-1), a.start-(b.end-1))
}

// within returns the entry of the first of others in h's field at most
// window tokens from h, or -1.
func within(h topicHit, others []topicHit, window int32) int32 {
	for _, x := range others {
		if x.field == h.field && distance(h, x) <= window {
			return x.entry
		}
	}
	return -1
}

// countedBefore reports whether h's phrase already counted in h's field.
func countedBefore(prev []scoredHit, h *scoredHit) bool {
	for _, p := range prev {
		if p.entry == h.entry && p.field == h.field && p.score > 0 {
			return true
		}
	}
	return false
}
