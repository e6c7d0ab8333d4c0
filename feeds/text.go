package feeds

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// SummaryMaxRunes caps Article.Summary and TitleMaxRunes Article.Title;
// longer text is cut at a word boundary and ends in "…". What the stages
// read of an article is bounded by them (pipeline.DecodeArticle refuses
// more).
const (
	SummaryMaxRunes = 1000
	TitleMaxRunes   = 500
)

// PlainText turns an HTML fragment (or text that may contain markup and
// entities) into one line of plain text: tags are removed, entities decoded,
// the content of script, style and similar elements dropped, block-level
// elements and line breaks become spaces, and runs of whitespace collapse to
// one space, trimmed at both ends. Invalid UTF-8 becomes U+FFFD.
func PlainText(s string) string {
	text, _ := plainText(s, -1)
	return text
}

// plainTextPrefix is PlainText that stops once it has more than maxRunes
// runes, so that summarising a 2 MB article does not convert all of it. The
// bool reports whether the text was cut there.
func plainTextPrefix(s string, maxRunes int) (string, bool) {
	return plainText(s, maxRunes)
}

// plainText does the work for PlainText; limit < 0 means no limit.
func plainText(s string, limit int) (string, bool) {
	if !strings.ContainsAny(s, "<&") {
		return collapse(s, limit) // fast path: nothing to tokenize
	}
	var w textWriter
	w.limit = limit
	z := html.NewTokenizerFragment(strings.NewReader(s), "div")
	var skipping atom.Atom // the element whose content is being dropped, or 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return w.String(), false
		case html.TextToken:
			if skipping == 0 {
				w.writeBytes(z.Text())
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if skipping != 0 {
				if tt == html.EndTagToken && a == skipping {
					skipping = 0
				}
				continue
			}
			if tt == html.StartTagToken && isDroppedElement(a) {
				skipping = a
				continue
			}
			if isBlockElement(a) {
				w.space()
			}
		}
		if w.full() {
			return w.String(), true
		}
	}
}

// collapse is plainText for input without markup or entities.
func collapse(s string, limit int) (string, bool) {
	var w textWriter
	w.limit = limit
	w.write(s)
	return w.String(), w.full()
}

// textWriter accumulates text with whitespace collapsed as it goes.
type textWriter struct {
	b            strings.Builder
	runes        int
	limit        int
	pendingSpace bool
}

func (w *textWriter) space() { w.pendingSpace = w.b.Len() > 0 }

func (w *textWriter) full() bool { return w.limit >= 0 && w.runes > w.limit }

func (w *textWriter) write(s string) { writeText(w, s) }

// writeBytes is write for the tokenizer's byte slices, which it reuses:
// nothing here keeps p.
func (w *textWriter) writeBytes(p []byte) { writeText(w, p) }

// writeText appends p to w. ASCII, most of any feed, takes a byte-wide
// path; a run of invalid UTF-8 becomes one U+FFFD, as strings.ToValidUTF8
// does.
func writeText[T string | []byte](w *textWriter, p T) {
	invalid := false // the previous byte was part of an invalid sequence
	for i := 0; i < len(p); {
		if w.full() {
			return
		}
		c := p[i]
		if c < utf8.RuneSelf {
			i++
			invalid = false
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
				w.space()
			case c < 0x20 || c == 0x7f:
				// invisible control character
			default:
				w.put()
				w.b.WriteByte(c)
			}
			continue
		}
		r, size := decodeRune(p[i:])
		i += size
		if r == utf8.RuneError && size == 1 {
			if !invalid {
				w.put()
				w.b.WriteRune(utf8.RuneError)
			}
			invalid = true
			continue
		}
		invalid = false
		switch {
		case unicode.IsSpace(r):
			w.space()
		case unicode.IsControl(r), r == '\u200b', r == '\ufeff':
			// invisible: zero-width space, stray BOM
		default:
			w.put()
			w.b.WriteRune(r)
		}
	}
}

// decodeRune is utf8.DecodeRune for either a string or bytes, without
// converting (and copying) the whole of p.
func decodeRune[T string | []byte](p T) (rune, int) {
	var buf [utf8.UTFMax]byte
	n := copy(buf[:], p)
	return utf8.DecodeRune(buf[:n])
}

// put accounts for one rune about to be written, after the space owed
// before it.
func (w *textWriter) put() {
	if w.pendingSpace {
		w.b.WriteByte(' ')
		w.runes++
		w.pendingSpace = false
	}
	w.runes++
}

func (w *textWriter) String() string { return w.b.String() }

// isDroppedElement reports elements whose text is not part of what a reader
// sees.
func isDroppedElement(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Iframe, atom.Object, atom.Svg, atom.Math, atom.Head, atom.Title:
		return true
	}
	return false
}

// isBlockElement reports elements that separate words when rendered.
func isBlockElement(a atom.Atom) bool {
	switch a {
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Br, atom.Caption, atom.Dd, atom.Details,
		atom.Div, atom.Dl, atom.Dt, atom.Figcaption, atom.Figure, atom.Footer, atom.Form, atom.H1, atom.H2,
		atom.H3, atom.H4, atom.H5, atom.H6, atom.Header, atom.Hr, atom.Img, atom.Li, atom.Main, atom.Nav,
		atom.Ol, atom.P, atom.Pre, atom.Section, atom.Summary, atom.Table, atom.Tbody, atom.Td, atom.Tfoot,
		atom.Th, atom.Thead, atom.Tr, atom.Ul, atom.Body, atom.Html:
		return true
	}
	return false
}

// truncateWords cuts s to at most max runes, "…" included, and appends "…"
// when it cut anything. It cuts at the last space when that keeps at least
// half of the text, and mid-word otherwise (one very long word, or a script
// without spaces).
func truncateWords(s string, max int) string {
	if max < 1 || utf8.RuneCountInString(s) <= max {
		return s
	}
	cut, n := len(s), 0 // cut: byte offset after max-1 runes
	for i := range s {
		if n == max-1 {
			cut = i
			break
		}
		n++
	}
	head := s[:cut]
	if s[cut] != ' ' { // mid-word: back off to the previous space
		if sp := strings.LastIndexByte(head, ' '); sp > len(head)/2 {
			head = head[:sp]
		}
	}
	head = strings.TrimRightFunc(head, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
	return head + "…"
}
