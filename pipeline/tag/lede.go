package tag

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Where evidence sits says what an article is about. The title and the
// lede, the summary's first sentence, are what the article is about; a
// topic phrase past the lede, in the content, or right after a background
// phrase ("due to sanctions", "despite a truce") is mentioned in passing
// and counts passing_weight times as much.

// ledeLength returns the length in bytes of the first sentence of s: up to
// a bullet (•) that follows text, or
// the first '.', '!' or '?' (and the quotes or brackets closing it) that is
// followed by white space and then a capital letter, a digit or an opening
// quote, and that does not end an abbreviation ("U.S.", "Mr."). It is
// len(s) when s is one sentence.
func ledeLength(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.HasPrefix(s[i:], "•") && strings.TrimSpace(s[:i]) != "" {
			return i // a bullet starts an item of its own
		}
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		j := i + 1
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if !strings.ContainsRune(`"')]”’»`, r) {
				break
			}
			j += n
		}
		end := j
		r, n := utf8.DecodeRuneInString(s[j:])
		if j == len(s) || !unicode.IsSpace(r) {
			continue
		}
		for j += n; j < len(s); j += n {
			if r, n = utf8.DecodeRuneInString(s[j:]); !unicode.IsSpace(r) {
				break
			}
		}
		if j == len(s) {
			return len(s)
		}
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) && !strings.ContainsRune(`"'“‘«(`, r) {
			continue
		}
		if c == '.' && abbreviation(s[:i]) {
			continue
		}
		return end
	}
	return len(s)
}

// abbreviation reports whether the word at the end of s, before a full
// stop, is an abbreviation rather than the end of a sentence: a single
// letter ("U.S", "J"), a word with a stop inside, or a title.
func abbreviation(s string) bool {
	start := strings.LastIndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '.' }) + 1
	w := s[start:]
	if utf8.RuneCountInString(w) <= 1 || strings.Contains(w, ".") {
		return true
	}
	switch w {
	case "Mr", "Mrs", "Ms", "Dr", "St", "Jr", "Sr", "Gen", "Lt", "Col", "Sgt", "Capt", "Cmdr", "Adm",
		"Rep", "Sen", "Gov", "Pres", "Prof", "Rev", "Gov't", "No", "vs", "Inc", "Corp", "Ltd", "Co",
		"Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
		"ul", "np", "tzw", "godz", "ok", "ds", "gen", "płk", "prof", "dr", "im", "św":
		return true
	}
	return false
}
