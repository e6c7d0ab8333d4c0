package configs

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
func (t *Topics) Line(key string) int { return t.lines.at(key) }
