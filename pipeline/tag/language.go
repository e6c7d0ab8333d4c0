package tag

import (
	"strings"
	"unicode/utf8"
)

// languageVersion names the detector below; it is part of Rules.Version
// because a change in detection can change what an article is tagged.
const languageVersion = "lang/v2"

// langSet is a set of the languages taxonomy.TopicLanguages names, one bit
// each in that order.
type langSet uint8

const allLangs langSet = 1<<numLangs - 1

const numLangs = 7

// langCodes are the languages the detector below tells apart, in the order
// of taxonomy.TopicLanguages (TestLanguagesOfTheTaxonomy holds them equal).
var langCodes = [numLangs]string{"en", "fr", "de", "es", "ru", "uk", "pl"}

// langOf returns the set holding the language code, or every language for
// "" (a topic's own lists) and for codes not in langCodes.
func langOf(code string) langSet {
	for i, c := range langCodes {
		if c == code {
			return 1 << i
		}
	}
	return allLangs
}

// languageOf returns the language of a feed's language tag ("en-US",
// "fr_FR", "DE"), or 0 when it is none the rules have lists for.
func languageOf(tag string) langSet {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	primary, _, _ = strings.Cut(primary, "_")
	if l := langOf(primary); l != allLangs {
		return l
	}
	return 0
}

func (l langSet) String() string {
	if l == allLangs || l == 0 {
		return "unknown"
	}
	var parts []string
	for i, c := range langCodes {
		if l&(1<<i) != 0 {
			parts = append(parts, c)
		}
	}
	return strings.Join(parts, ",")
}

// Language detection is deliberately cheap: it looks at the first
// detectTokens tokens of title and summary and counts words that are
// frequent in one language and rare in the others, plus letters only one
// Cyrillic alphabet has. Ambiguous or too little evidence means unknown,
// and unknown applies every language's lists, so a wrong guess costs less
// than a confident one.
const (
	detectTokens = 64
	detectMin    = 2 // evidence needed to decide
)

// languageDetector counts evidence over tokens fed to it in order.
type languageDetector struct {
	score [numLangs]int
	seen  int
}

// add feeds the tokens of one field (text and bounds as tokenise returns
// them) until the detector has seen detectTokens.
func (d *languageDetector) add(text []byte, bounds []int32) {
	for i := 0; i+1 < len(bounds) && d.seen < detectTokens; i += 2 {
		d.seen++
		tok := text[bounds[i]:bounds[i+1]]
		if tok[0] < utf8.RuneSelf {
			if l, ok := stopword(string(tok)); ok {
				d.score[l]++
			}
			continue
		}
		d.cyrillic(tok)
	}
}

// cyrillic scores letters that tell Russian from Ukrainian after folding
// (ї has become і; ё and й have lost their marks).
func (d *languageDetector) cyrillic(tok []byte) {
	ru, uk := false, false
	for _, r := range string(tok) {
		switch r {
		case 'ы', 'э', 'ъ':
			ru = true
		case 'і', 'є', 'ґ':
			uk = true
		}
	}
	if ru != uk {
		if ru {
			d.score[4]++
		} else {
			d.score[5]++
		}
	} else if w, ok := cyrillicStopword(string(tok)); ok {
		d.score[w]++
	}
}

// result returns the language with the most evidence, or 0 when there is
// too little or a tie.
func (d *languageDetector) result() langSet {
	best, second := -1, 0
	for i, s := range d.score {
		if best < 0 || s > d.score[best] {
			if best >= 0 {
				second = d.score[best]
			}
			best = i
		} else if s > second {
			second = s
		}
	}
	if d.score[best] < detectMin || d.score[best] == second {
		return 0
	}
	return 1 << best
}

// stopword returns the language an ASCII word is a frequent and telling
// word of. Words shared by two of the languages ("de", "la", "en", "que")
// are left out.
func stopword(w string) (int, bool) {
	switch w {
	case "the", "and", "of", "to", "is", "was", "with", "that", "for", "on", "as", "by", "from", "has", "have", "after", "are", "its", "this", "will", "said":
		return 0, true
	case "le", "les", "des", "du", "et", "est", "une", "dans", "pour", "sur", "au", "aux", "pas", "qui", "avec", "ce", "cette", "il", "ont", "apres":
		return 1, true
	case "der", "die", "das", "und", "ist", "nicht", "mit", "den", "dem", "ein", "eine", "sich", "auf", "von", "zu", "im", "fur", "nach", "auch", "wird":
		return 2, true
	case "el", "los", "las", "del", "y", "por", "con", "una", "para", "al", "su", "sus", "como", "mas", "tras", "pero", "fue", "ha", "segun":
		return 3, true
	case "w", "z", "na", "sie", "nie", "jest", "oraz", "przez", "dla", "od", "po", "ze", "juz", "tez", "ktory", "ktora", "ktore", "ktorzy", "zostal", "zostala", "bedzie", "roku", "lub":
		// Polish, after folding: się → sie, już → juz, który → ktory.
		return 6, true
	}
	return 0, false
}

// cyrillicStopword scores frequent words that differ between Russian and
// Ukrainian spelling.
func cyrillicStopword(w string) (int, bool) {
	switch w {
	case "что", "как", "это", "после", "его", "она", "он", "были", "был", "против", "также":
		return 4, true
	case "та", "що", "як", "це", "після", "його", "вона", "він", "були", "був", "проти", "також":
		return 5, true
	}
	return 0, false
}
