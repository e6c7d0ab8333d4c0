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
}

// Explain returns how every topic with at least one hit (counted,
// vetoed or without context) or none_of occurrence scored the document,
// sorted by topic name. It is safe for concurrent use.
func (r *Rules) Explain(d Document) Report {
	s := &scratch{}
	lang := r.scan(d, s)
	rep := Report{Language: lang.String(), Topics: []Explanation{}}
	rep.Detected = languageOf(d.Language) == 0 && lang != allLangs
	r.evaluate(s, lang, func(res *topicResult) {
		tp := &r.topics[res.topic]
		ex := Explanation{Topic: tp.name, Score: res.score, MinScore: tp.minScore, Matched: res.matched(tp)}
		if res.noneOf >= 0 {
			ex.NoneOf, ex.NoneOfField = r.entries[res.noneOf].phrase, res.noneAt.String()
		}
		for _, h := range res.hits {
			e := r.entries[h.entry]
			hit := Hit{Phrase: e.phrase, Kind: e.kind.String(), Field: h.field.String(),
				Start: int(h.start), End: int(h.end), Score: h.score, NoContext: h.noContext}
			if h.vetoedBy >= 0 {
				hit.VetoedBy = r.entries[h.vetoedBy].phrase
			}
			ex.Hits = append(ex.Hits, hit)
		}
		rep.Topics = append(rep.Topics, ex)
	})
	return rep
}
