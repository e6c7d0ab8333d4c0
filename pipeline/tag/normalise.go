package tag

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// normaliserVersion names the tokenisation below. It is part of
// Rules.Version, so a change here changes the version every tagged article
// carries even when the rules file did not change.
const normaliserVersion = "tokens/v2"

// Tokens splits s into the normalised tokens that rules match against:
// Unicode NFKC, lower case, diacritics removed (é→e, ё→е), apostrophes
// deleted ("prisoner's"→"prisoners"), and every other run of characters
// that are neither letters nor digits treated as a boundary. So
// "Cease-Fire", "cease fire" and "CEASE  FIRE" all give [cease fire].
// Phrases in rules are normalised by the same function.
func Tokens(s string) []string {
	text, bounds := tokenise(s, nil, nil)
	out := make([]string, len(bounds)/2)
	for i := range out {
		out[i] = string(text[bounds[2*i]:bounds[2*i+1]])
	}
	return out
}

// tokenise appends the normalised tokens of s, separated by single
// spaces, to text and each token's [start, end) byte offsets in text to
// bounds. Callers reuse both buffers across fields and articles, so a
// scan allocates nothing once they have grown.
//
// ASCII bytes are classified and lower-cased in place; any other rune is
// decomposed on its own (NFKD: compatibility forms and "é" as "e" plus a
// combining accent, which is dropped). Decomposing rune by rune gives what
// decomposing the whole string would, except for the order of combining
// marks, which are dropped anyway; it spares most news text, ASCII but
// for a curly quote or a dash, a pass through the normaliser.
func tokenise(s string, text []byte, bounds []int32) ([]byte, []int32) {
	inToken := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch f := asciiFold[c]; f {
			case 0: // a boundary
				if inToken {
					bounds = append(bounds, int32(len(text)))
					inToken = false
				}
			case 1: // an apostrophe: deleted, not a boundary ("d'état" is one token)
			default:
				if !inToken {
					text, bounds = startToken(text, bounds)
					inToken = true
				}
				text = append(text, f)
			}
			continue
		}
		p := norm.NFKD.PropertiesString(s[i:])
		size := p.Size()
		if size == 0 {
			size = 1
		}
		decomposed := p.Decomposition()
		if decomposed == nil {
			r, n := utf8.DecodeRuneInString(s[i:])
			text, bounds, inToken = addRune(text, bounds, inToken, r)
			i += n
			continue
		}
		for len(decomposed) > 0 {
			r, n := utf8.DecodeRune(decomposed)
			text, bounds, inToken = addRune(text, bounds, inToken, r)
			decomposed = decomposed[n:]
		}
		i += size
	}
	if inToken {
		bounds = append(bounds, int32(len(text)))
	}
	return text, bounds
}

// asciiFold maps an ASCII byte to its folded form if it is part of a word
// (a-z, 0-9, A-Z lower-cased), 1 for the apostrophe, 0 for a boundary.
const asciiFold = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x30\x31\x32\x33\x34\x35\x36\x37\x38\x39\x00\x00\x00\x00\x00\x00\x00\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f\x70\x71\x72\x73\x74\x75\x76\x77\x78\x79\x7a\x00\x00\x00\x00\x00\x00\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f\x70\x71\x72\x73\x74\x75\x76\x77\x78\x79\x7a\x00\x00\x00\x00\x00"

// startToken begins a token: a space after the previous one (text holds
// one field's tokens only), its offset.
func startToken(text []byte, bounds []int32) ([]byte, []int32) {
	if len(text) > 0 {
		text = append(text, ' ')
	}
	return text, append(bounds, int32(len(text)))
}

// addRune adds one rune of decomposed text.
func addRune(text []byte, bounds []int32, inToken bool, r rune) ([]byte, []int32, bool) {
	switch {
	case r < utf8.RuneSelf && isASCIIWordByte(byte(r)):
		if !inToken {
			text, bounds = startToken(text, bounds)
		}
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(text, byte(r)), bounds, true
	case r < utf8.RuneSelf && r != '\'', r == utf8.RuneError:
		if inToken {
			bounds = append(bounds, int32(len(text)))
		}
		return text, bounds, false
	case isApostrophe(r):
		// Deleted, not a boundary: "d'état" is one token.
		return text, bounds, inToken
	case unicode.Is(unicode.Mn, r):
		// Combining diacritic: dropped. Between tokens it is
		// neither letter nor boundary, so it changes nothing.
		return text, bounds, inToken
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mc, r):
		if !inToken {
			text, bounds = startToken(text, bounds)
		}
		return appendFolded(text, r), bounds, true
	}
	if inToken {
		bounds = append(bounds, int32(len(text)))
	}
	return text, bounds, false
}

// appendFolded appends the lower-case, accent-free form of one letter.
func appendFolded(b []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(b, byte(r))
	}
	switch r {
	case 'ß', 'ẞ':
		return append(b, "ss"...)
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
	return utf8.AppendRune(b, r)
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
