package tag

// Report says how the rules read one document: the language whose lists
// applied and, for every topic with any hit, how it scored.
type Report struct {
	// Language is the language whose lists applied: the document's own,
	// the detected one, or "unknown" (every language's lists).
	Language string
	Detected bool // Language was detected from the text
	Topics   []Explanation
}

// Explanation says how one topic scored a document: every hit of its
// strong and weak phrases and near rules, counted or not, and why not.
type Explanation struct {
	Topic    string
	Score    float64
	MinScore float64
	Matched  bool  // Score >= MinScore and no none_of veto
	Hits     []Hit // title, summary, content, each in text order
	// NoneOf is the none_of phrase, as written, that vetoed the topic for
	// the whole document, found in NoneOfField; empty when none did.
	NoneOf      string
	NoneOfField string
	// OtherSenses are the other_senses phrases, as written, that occurred
	// in the document; Context the require phrases outside them. More
	// other senses than context vetoes the topic: its words are read in
	// another sense (a price war's "truce", a league's "sanctions").
	OtherSenses []string
	Context     []string
	OtherSense  bool
}

// Hit is one occurrence of a topic's strong or weak phrase or near rule.
type Hit struct {
	Phrase string // as written in the rules; a near rule as "a NEAR/n b"
	Kind   string // "strong", "weak" or "near"
	Field  string // "title", "summary" or "content"
	// Start and End delimit the hit, [Start, End), in the field's Tokens.
	Start, End int
	// Score is what the hit added: 0 when it was vetoed, lacked context
	// or the same phrase already counted in this field.
	Score float64
	// VetoedBy is the exclude phrase, as written, that vetoed the hit.
	VetoedBy string
	// NoContext is set on a weak hit that did not count because none of
	// the topic's require phrases was within require_window words of it.
	NoContext bool
	// Passing is set on a hit mentioned in passing: past the summary's
	// first sentence, in the content, or after the background phrase
	// Background. It counted passing_weight times its weight.
	Passing    bool
	Background string
	// SameMention is set on a hit that overlaps an earlier one of the
	// topic: one mention counts as much as its best hit.
	SameMention bool
}

// Explain returns how every topic with at least one hit (counted,
// vetoed or without context) or none_of occurrence scored the document,
// sorted by topic name. It is safe for concurrent use.
func (r *Rules) Explain(d Document) Report {
	s := newScratch()
	lang := r.scan(d, s)
	rep := Report{Language: lang.String(), Topics: []Explanation{}}
	rep.Detected = languageOf(d.Language) == 0 && lang != allLangs
	r.evaluate(s, lang, func(res *topicResult) {
		tp := &r.topics[res.topic]
		ex := Explanation{Topic: tp.name, Score: res.score, MinScore: tp.minScore, Matched: res.matched(tp)}
		if res.noneOf >= 0 {
			ex.NoneOf, ex.NoneOfField = r.entries[res.noneOf].phrase, res.noneAt.String()
		}
		ex.OtherSense = res.otherSense()
		for _, e := range res.senses {
			ex.OtherSenses = append(ex.OtherSenses, r.entries[e].phrase)
		}
		for _, e := range res.context {
			ex.Context = append(ex.Context, r.entries[e].phrase)
		}
		for _, h := range res.hits {
			e := r.entries[h.entry]
			hit := Hit{Phrase: e.phrase, Kind: e.kind.String(), Field: h.field.String(),
				Start: int(h.start), End: int(h.end), Score: h.score, NoContext: h.noContext, Passing: h.passing, SameMention: h.sameMention}
			if h.background >= 0 {
				hit.Background = r.entries[h.background].phrase
			}
			if h.vetoedBy >= 0 {
				hit.VetoedBy = r.entries[h.vetoedBy].phrase
			}
			ex.Hits = append(ex.Hits, hit)
		}
		rep.Topics = append(rep.Topics, ex)
	})
	return rep
}
