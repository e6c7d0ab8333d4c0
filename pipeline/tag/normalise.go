package tag

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normaliserVersion names the tokenisation below. It is part of
// Rules.Version, so a change here changes the version every tagged article
// carries even when the rules file did not change.
const normaliserVersion = "tokens/v1"

// Tokens splits s into the normalised tokens that rules match against:
// Unicode NFKC, lower case, diacritics removed (é→e, ё→е), apostrophes
// deleted ("prisoner's"→"prisoners"), and every other run of characters
// that are neither letters nor digits treated as a boundary. So
// "Cease-Fire", "cease fire" and "CEASE  FIRE" all give [cease fire].
// Phrases in rules are normalised by the same function.
func Tokens(s string) []string {
	text, bounds := tokenise(s, nil)
	out := make([]string, len(bounds)/2)
	for i := range out {
		out[i] = text[bounds[2*i]:bounds[2*i+1]]
	}
	return out
}

// tokenise writes the normalised tokens of s, separated by single spaces,
// into one string and appends each token's [start, end) byte offsets in it
// to bounds. One string backs all tokens, so a scan costs two allocations
// however long the text is.
func tokenise(s string, bounds []int) (string, []int) {
	if !isASCII(s) {
		// NFKD is NFKC followed by canonical decomposition: it splits
		// "é" into "e" and a combining accent, which the loop drops.
		s = norm.NFKD.String(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	inToken := false
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf && isASCIIWordByte(byte(r)):
			if !inToken {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				bounds = append(bounds, b.Len())
				inToken = true
			}
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			b.WriteByte(byte(r))
		case r < utf8.RuneSelf && r != '\'':
			if inToken {
				bounds = append(bounds, b.Len())
				inToken = false
			}
		case isApostrophe(r):
			// Deleted, not a boundary: "d'état" is one token.
			continue
		case unicode.Is(unicode.Mn, r):
			// Combining diacritic: dropped. Between tokens it is
			// neither letter nor boundary, so it changes nothing.
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mc, r):
			if !inToken {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				bounds = append(bounds, b.Len())
				inToken = true
			}
			writeFolded(&b, r)
		default:
			if inToken {
				bounds = append(bounds, b.Len())
				inToken = false
			}
		}
	}
	if inToken {
		bounds = append(bounds, b.Len())
	}
	return b.String(), bounds
}

// writeFolded writes the lower-case, accent-free form of one letter.
func writeFolded(b *strings.Builder, r rune) {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteByte(byte(r))
		return
	}
	switch r {
	case 'ß', 'ẞ':
		b.WriteString("ss")
		return
	case 'ς':
		r = 'σ'
	case 'ı':
		r = 'i'
	}
	r = unicode.ToLower(r)
	// Letters whose stroke is part of the glyph rather than a combining
	// mark, so NFKD leaves them alone; users type them without it.
	switch r {
	case 'ł':
		r = 'l'
	case 'ø':
		r = 'o'
	case 'đ':
		r = 'd'
	case 'ħ':
		r = 'h'
	}
	b.WriteRune(r)
}

func isASCIIWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '\u2019', '\u2018', '\u02bc':
		// U+02BC is the Ukrainian apostrophe ("обʼєднання").
		return true
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
