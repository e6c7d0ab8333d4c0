// Package taxonomy holds what a topic rules file says (topics.yaml): the
// topics, their phrase lists per language and their thresholds, as plain
// values. package configs reads a file into them (strictly, with the line
// of every key); package tag compiles them. It imports nothing of ours.
package taxonomy

import "strings"

// Topics is a topic rules file (topics.yaml).
type Topics struct {
	Defaults TopicDefaults `yaml:"defaults"`
	Topics   []Topic       `yaml:"topics"`

	// Source names where the rules came from: a file path or "built-in".
	Source string `yaml:"-"`
	// Lines locates every key of the file (its dotted key path → line),
	// for errors found after loading (tag.Compile reports through Line);
	// nil for rules built in code.
	Lines map[string]int `yaml:"-"`
}

// TopicDefaults apply to every topic that does not set its own.
type TopicDefaults struct {
	MinScore      float64 `yaml:"min_score"`      // default 2
	TitleBoost    float64 `yaml:"title_boost"`    // default 2: a title hit counts this many times
	ExcludeWindow int     `yaml:"exclude_window"` // default 3 words either side of a hit
	RequireWindow int     `yaml:"require_window"` // default 8 words either side of a weak hit
	// PassingWeight scales a hit that is only mentioned in passing: past
	// the first sentence of the summary, in the content, or just after a
	// background phrase. Default 1 (no difference).
	PassingWeight float64 `yaml:"passing_weight"`
	// BackgroundWindow is how many words after a background phrase a hit
	// is read as background. Default 4.
	BackgroundWindow int `yaml:"background_window"`
}

// Topic is one topic's rules. A phrase matches whole words, case-insensitively;
// a strong phrase scores 2, a weak one 1, a near pair 2; an exclude phrase
// within ExcludeWindow words of a hit vetoes that hit; when the topic has
// require phrases, a weak hit counts only with one of them within
// RequireWindow words; a none_of phrase anywhere vetoes the topic. The topic
// matches when its score reaches MinScore.
//
// The lists at the topic's top level apply to articles in every language;
// those under Languages only to articles in that language, or whose
// language is unknown.
type Topic struct {
	Name          string    `yaml:"name"` // [a-z0-9_-]+, one NATS subject token
	Description   string    `yaml:"description"`
	Strong        []string  `yaml:"strong"`
	Weak          []string  `yaml:"weak"`
	Exclude       []string  `yaml:"exclude"`
	Require       []string  `yaml:"require"` // context weak hits need
	NoneOf        []string  `yaml:"none_of"` // document-level veto
	Near          []Near    `yaml:"near"`
	Languages     Languages `yaml:"languages"`
	MinScore      float64   `yaml:"min_score"`      // zero: defaults.min_score
	TitleBoost    float64   `yaml:"title_boost"`    // zero: defaults.title_boost
	ExcludeWindow int       `yaml:"exclude_window"` // zero: defaults.exclude_window
	RequireWindow int       `yaml:"require_window"` // zero: defaults.require_window
	// Background phrases ("due to", "despite", "years after") mark what
	// follows them as the background of a story about something else.
	Background []string `yaml:"background"`
	// OtherSenses are the vocabulary of other senses of the topic's words
	// (business, sport, party politics, courts). When more of them occur in
	// a document than require phrases, the topic's words are read in the
	// other sense and the topic does not match.
	OtherSenses      []string `yaml:"other_senses"`
	PassingWeight    float64  `yaml:"passing_weight"`    // zero: defaults.passing_weight
	BackgroundWindow int      `yaml:"background_window"` // zero: defaults.background_window
}

// Near is strong evidence made of two phrases, in either order, at most
// Within words apart (adjacent phrases are 1 apart).
type Near struct {
	A      string `yaml:"a"`
	B      string `yaml:"b"`
	Within int    `yaml:"within"`
}

// PhraseLists are the phrase lists of one language of a topic.
type PhraseLists struct {
	Strong  []string `yaml:"strong"`
	Weak    []string `yaml:"weak"`
	Exclude []string `yaml:"exclude"`
	Require []string `yaml:"require"`
	NoneOf  []string `yaml:"none_of"`
	Near    []Near   `yaml:"near"`

	Background  []string `yaml:"background"`
	OtherSenses []string `yaml:"other_senses"`
}

// Languages holds a topic's per-language lists, for the languages the
// tagger can tell apart (TopicLanguages).
type Languages struct {
	EN PhraseLists `yaml:"en"`
	FR PhraseLists `yaml:"fr"`
	DE PhraseLists `yaml:"de"`
	ES PhraseLists `yaml:"es"`
	RU PhraseLists `yaml:"ru"`
	UK PhraseLists `yaml:"uk"`
	PL PhraseLists `yaml:"pl"`
}

// TopicLanguages returns the language codes a topic may have lists for,
// in the order PhraseSets returns them.
func TopicLanguages() []string { return []string{"en", "fr", "de", "es", "ru", "uk", "pl"} }

// PhraseSet is one block of a topic's phrases: the topic's own lists, which
// apply to every language (Lang ""), or the lists of one language.
type PhraseSet struct {
	Lang string // "" or one of TopicLanguages
	Key  string // key path of the block in the file: "topics[0]" or "topics[0].languages.fr"
	PhraseLists
}

// PhraseSets returns the topic's own lists and then, in TopicLanguages
// order, each language's; key is the topic's key path ("topics[3]").
func (t *Topic) PhraseSets(key string) []PhraseSet {
	own := PhraseLists{Strong: t.Strong, Weak: t.Weak, Exclude: t.Exclude, Require: t.Require, NoneOf: t.NoneOf, Near: t.Near,
		Background: t.Background, OtherSenses: t.OtherSenses}
	sets := []PhraseSet{{Key: key, PhraseLists: own}}
	for i, l := range []*PhraseLists{&t.Languages.EN, &t.Languages.FR, &t.Languages.DE, &t.Languages.ES, &t.Languages.RU, &t.Languages.UK, &t.Languages.PL} {
		lang := TopicLanguages()[i]
		sets = append(sets, PhraseSet{Lang: lang, Key: key + ".languages." + lang, PhraseLists: *l})
	}
	return sets
}

// Lists returns the phrase lists of the block with their yaml keys, in the
// order they are checked and compiled.
func (l *PhraseLists) Lists() []NamedList {
	return []NamedList{
		{"strong", l.Strong}, {"weak", l.Weak}, {"exclude", l.Exclude},
		{"require", l.Require}, {"none_of", l.NoneOf},
		{"background", l.Background}, {"other_senses", l.OtherSenses},
	}
}

// NamedList is one phrase list and its yaml key.
type NamedList struct {
	Key     string
	Phrases []string
}

// Line returns the line of the file where key ("topics[2].weak[5]") was
// written, or of its nearest written parent; 0 when unknown (rules built in
// code rather than read from a file).
func (t *Topics) Line(key string) int { return LineOf(t.Lines, key) }

// LineOf returns the line lines records for key ("topics[2].weak[5]",
// "poll.interval"), or for its nearest recorded parent: a key left out is
// reported at the line of the mapping that lacks it. 0 when none is known.
func LineOf(lines map[string]int, key string) int {
	for key != "" {
		if n, ok := lines[key]; ok {
			return n
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return 0
}

// DefaultTopicDefaults are the defaults of a topics file's defaults: what
// a topic gets when neither it nor the file sets a value.
func DefaultTopicDefaults() TopicDefaults {
	return TopicDefaults{MinScore: 2, TitleBoost: 2, ExcludeWindow: 3, RequireWindow: 8, PassingWeight: 1, BackgroundWindow: 4}
}
