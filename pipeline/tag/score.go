package tag

import (
	"cmp"
	"slices"

	"github.com/newswire/newswire/feeds"
)

// Explanation says how one topic scored a text: every hit of its strong and
// weak phrases, counted or not, and why not.
type Explanation struct {
	Topic    string
	Score    float64
	MinScore float64
	Matched  bool  // Score >= MinScore
	Hits     []Hit // title before summary, in text order
}

// Hit is one occurrence of a topic's strong or weak phrase.
type Hit struct {
	Phrase string // as written in the rules
	Kind   string // "strong" or "weak"
	Field  string // "title" or "summary"
	// Start and End delimit the hit, [Start, End), in the field's Tokens.
	Start, End int
	// Score is what the hit added: 0 when it was vetoed or when the same
	// phrase already counted in this field.
	Score float64
	// VetoedBy is the exclude phrase, as written, that vetoed the hit.
	VetoedBy string
}

// topicHit is an occurrence of one entry: a pattern occurrence seen
// through one of the topics that use the pattern.
type topicHit struct {
	entry      int32
	topic      int32
	field      field
	start, end int32
}

// Match returns the topics whose rules text scores at least their
// min_score, sorted by name. It never returns nil: an article that matched
// nothing gets an empty slice, so that "tagged, no topics" is visible.
//
// A strong phrase scores 2, a weak one 1, times the topic's title_boost in
// the title. A phrase counts at most once per field, and a hit is vetoed
// by an exclude phrase of its topic within exclude_window tokens of it in
// the same field (an overlapping exclude vetoes too: "trade truce" vetoes
// "truce"). Matched lists the phrases that counted, as written in the
// rules, once each, in order of first appearance (title first; at one
// position the longer phrase first).
func (r *Rules) Match(title, summary string) []feeds.TopicMatch {
	return r.matches(r.scan(title, summary))
}

// matches is Match after the scan.
func (r *Rules) matches(occ []occurrence) []feeds.TopicMatch {
	out := []feeds.TopicMatch{}
	r.evaluate(occ, func(ti int32, score float64, hits []topicHit, vetoes []int32) {
		tp := &r.topics[ti]
		if score < tp.minScore {
			return
		}
		m := feeds.TopicMatch{Name: tp.name, Score: score}
		for i, h := range hits {
			if vetoes[i] >= 0 || containsPhrase(hits[:i], vetoes, h.entry) {
				continue
			}
			m.Matched = append(m.Matched, r.entries[h.entry].phrase)
		}
		out = append(out, m)
	})
	return out
}

// containsPhrase reports whether entry already counted among hits.
func containsPhrase(hits []topicHit, vetoes []int32, entry int32) bool {
	for i, h := range hits {
		if h.entry == entry && vetoes[i] < 0 {
			return true
		}
	}
	return false
}

// Explain returns, for every topic with at least one strong or weak hit
// (counted or vetoed), how it scored, sorted by topic name.
func (r *Rules) Explain(title, summary string) []Explanation {
	out := []Explanation{}
	r.evaluate(r.scan(title, summary), func(ti int32, score float64, hits []topicHit, vetoes []int32) {
		tp := &r.topics[ti]
		ex := Explanation{Topic: tp.name, Score: score, MinScore: tp.minScore, Matched: score >= tp.minScore}
		counted := map[[2]int32]bool{}
		for i, h := range hits {
			e := r.entries[h.entry]
			hit := Hit{
				Phrase: e.phrase, Kind: e.kind.String(), Field: h.field.String(),
				Start: int(h.start), End: int(h.end),
			}
			key := [2]int32{h.entry, int32(h.field)}
			switch {
			case vetoes[i] >= 0:
				hit.VetoedBy = r.entries[vetoes[i]].phrase
			case !counted[key]:
				counted[key] = true
				hit.Score = r.hitScore(tp, e.kind, h.field)
			}
			ex.Hits = append(ex.Hits, hit)
		}
		out = append(out, ex)
	})
	return out
}

func (r *Rules) hitScore(tp *compiledTopic, k phraseKind, f field) float64 {
	w := float64(weakWeight)
	if k == kindStrong {
		w = strongWeight
	}
	if f == fieldTitle {
		w *= tp.titleBoost
	}
	return w
}

// scan finds every phrase occurrence in title and summary, in one pass
// over each for all topics.
func (r *Rules) scan(title, summary string) []occurrence {
	var occ []occurrence
	text, bounds := tokenise(title, nil)
	occ = r.m.scan(text, bounds, fieldTitle, occ)
	text, bounds = tokenise(summary, bounds[:0])
	return r.m.scan(text, bounds, fieldSummary, occ)
}

// evaluate calls fn for each topic with at least one strong or weak
// occurrence, in name order, with the topic's score, its hits in text
// order and, for each hit, the entry of the exclude phrase that vetoed it
// or -1.
func (r *Rules) evaluate(occ []occurrence, fn func(topic int32, score float64, hits []topicHit, vetoes []int32)) {
	if len(occ) == 0 {
		return
	}
	all := make([]topicHit, 0, len(occ))
	for _, o := range occ {
		for _, e := range r.uses[o.pattern] {
			all = append(all, topicHit{entry: e, topic: r.entries[e].topic, field: o.field, start: o.start, end: o.end})
		}
	}
	slices.SortFunc(all, func(a, b topicHit) int {
		return cmp.Or(cmp.Compare(a.topic, b.topic), cmp.Compare(a.field, b.field),
			cmp.Compare(a.start, b.start), cmp.Compare(b.end, a.end), cmp.Compare(a.entry, b.entry))
	})
	var hits, excludes []topicHit
	var vetoes []int32
	for lo := 0; lo < len(all); {
		ti := all[lo].topic
		hi := lo
		hits, excludes = hits[:0], excludes[:0]
		for ; hi < len(all) && all[hi].topic == ti; hi++ {
			if r.entries[all[hi].entry].kind == kindExclude {
				excludes = append(excludes, all[hi])
			} else {
				hits = append(hits, all[hi])
			}
		}
		lo = hi
		if len(hits) == 0 {
			continue
		}
		tp := &r.topics[ti]
		vetoes = vetoes[:0]
		score := 0.0
		for i, h := range hits {
			v := vetoFor(h, excludes, tp.excludeWindow)
			vetoes = append(vetoes, v)
			if v < 0 && !countedBefore(hits[:i], vetoes, h) {
				score += r.hitScore(tp, r.entries[h.entry].kind, h.field)
			}
		}
		fn(ti, score, hits, vetoes)
	}
}

// vetoFor returns the first exclude entry within window tokens of h in
// the same field, or -1. Distance counts from the hit's last token to the
// exclude's first, or from the exclude's last to the hit's first, so
// adjacent phrases are 1 apart and overlapping ones 0 or less.
func vetoFor(h topicHit, excludes []topicHit, window int32) int32 {
	for _, x := range excludes {
		if x.field != h.field {
			continue
		}
		if max(x.start-(h.end-1), h.start-(x.end-1)) <= window {
			return x.entry
		}
	}
	return -1
}

// countedBefore reports whether h's phrase already counted in h's field.
func countedBefore(prev []topicHit, vetoes []int32, h topicHit) bool {
	for i, p := range prev {
		if p.entry == h.entry && p.field == h.field && vetoes[i] < 0 {
			return true
		}
	}
	return false
}
