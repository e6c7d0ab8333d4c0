package feeds

import (
	"bytes"
	"html"
	"slices"
	"strconv"
	"strings"

	"github.com/mmcdole/gofeed"
)

// Lifting long item texts out of gofeed's way.
//
// Most of a news item's bytes are its description or content:encoded: HTML,
// escaped or in CDATA sections. gofeed reads such an element by decoding it
// with encoding/xml one byte at a time into a buffer it then throws away
// (it keeps the element's raw inner XML), and only then turns the raw text
// into the field's value: trimmed of white space, CDATA sections unwrapped,
// entities decoded. For an item of a few kilobytes that tokenising is most
// of the CPU a poll spends, and the largest part of its garbage.
//
// ParseNew therefore lifts those texts out before gofeed runs. The split
// (splitItems) notes every description and content:encoded child of an RSS
// item whose content is character data only — text and CDATA sections, no
// child elements, comments or processing instructions — and at least
// liftMin bytes long. For a new item, liftText computes the value gofeed
// would give the element from its raw bytes, and the rebuilt
// document carries a placeholder instead of the text. After gofeed has
// parsed that document, restoreLifted puts each text back in the field that
// holds its placeholder.
//
// The result is gofeed's own, or lifting is not used:
//
//   - liftText refuses, and the text stays in the document, whenever
//     encoding/xml could fail on it (an unescaped "]]>", a character
//     reference to a character XML forbids, U+FFFE or U+FFFF) or its value
//     is empty (gofeed would then fill the field from another element);
//   - a placeholder is letters and digits, which gofeed's text handling
//     leaves as they are, and no lifting happens in a document that
//     contains the placeholders' prefix;
//   - restoreLifted accepts the parse only when every placeholder came back
//     exactly once, as the whole Description or Content of an item: gofeed
//     read that element as that field and nothing else. Otherwise (an
//     element gofeed routed elsewhere: a redefined namespace prefix, say)
//     ParseNew parses the document again with the texts left in.
//
// FuzzLiftText and TestParseNewLiftsCorpus compare the fields with gofeed's
// reading of the same documents.

// liftMin is the shortest text worth lifting: below it the bookkeeping
// costs about what gofeed spends on the text.
const liftMin = 256

// liftMark starts every placeholder; liftPlaceholder(k) is liftMark, k in
// decimal and a closing letter, so no placeholder is a prefix of another.
const liftMark = "nwlift9q4"

func liftPlaceholder(k int) string { return liftMark + strconv.Itoa(k) + "z" }

// textSpan is the content of a description or content:encoded element of an
// RSS item — doc[start:end], between its start and end tags — that is
// character data only. item indexes the spans splitItems returns.
type textSpan struct{ item, start, end int }

// isLiftTag reports whether tag, a whole start tag, opens an element whose
// text ParseNew may lift: <description> or <content:encoded> without
// attributes. (Other spellings parse as gofeed parses them.)
func isLiftTag(tag []byte) bool {
	return string(tag) == "<description>" || string(tag) == "<content:encoded>"
}

// lifted is a text taken out of the document: where it was, and its value.
type lifted struct {
	span textSpan
	text string
}

// liftTexts returns the texts of the fresh items' spans that can be lifted,
// in document order.
func liftTexts(doc []byte, texts []textSpan, fresh []bool) []lifted {
	if len(texts) == 0 || bytes.Contains(doc, []byte(liftMark)) {
		return nil
	}
	var out []lifted
	for _, ts := range texts {
		if !fresh[ts.item] {
			continue
		}
		if text, ok := liftText(doc[ts.start:ts.end]); ok {
			out = append(out, lifted{ts, text})
		}
	}
	return out
}

// liftText returns the value gofeed's RSS parser gives an element whose
// raw inner XML is raw (character data and CDATA sections only), or false
// when the text must not be lifted (see above). gofeed trims the raw text
// of white space, keeps the contents of CDATA sections as they are and
// entity-decodes the text around them (decodeEntities). Trimming first
// changes nothing the checks look at: white space holds no "]]>", no
// reference and no U+FFFE or U+FFFF.
func liftText(raw []byte) (string, bool) {
	s := strings.TrimSpace(string(raw))
	// Not XML characters: encoding/xml fails the document. (Two Contains,
	// not ContainsAny, which decodes every rune of a non-ASCII set.)
	if strings.Contains(s, "\uFFFE") || strings.Contains(s, "\uFFFF") {
		return "", false
	}
	var b strings.Builder
	for {
		text, after, cdata := strings.Cut(s, "<![CDATA[")
		if strings.Contains(text, "]]>") || !charRefsAllowed(text) {
			return "", false
		}
		if !cdata {
			if b.Len() == 0 { // no CDATA section (or only empty ones) before
				v := decodeEntities(text)
				return v, v != ""
			}
			b.WriteString(decodeEntities(text))
			return b.String(), true
		}
		content, rest, closed := strings.Cut(after, "]]>")
		if !closed {
			return "", false // not after splitItems, which requires it closed
		}
		b.Grow(len(s))
		b.WriteString(decodeEntities(text))
		b.WriteString(content)
		s = rest
	}
}

// charRefsAllowed reports whether every character reference in text names
// a character encoding/xml accepts (see fatalRefLen).
func charRefsAllowed(text string) bool {
	for {
		i := strings.Index(text, "&#")
		if i < 0 {
			return true
		}
		if fatalRefLen(text[i:]) > 0 {
			return false
		}
		text = text[i+2:]
	}
}

// fatalRefLen returns the length of the character reference at the start
// of s when encoding/xml fails the whole document on it — "&#" digits ";"
// or "&#x" hex digits ";" naming a character XML forbids (a C0 control but
// tab, newline and carriage return; U+FFFE, U+FFFF) — else 0. What it keeps
// as text is not fatal: no ';', "&#X", a value beyond Unicode. It is
// generous about what counts as a reference: any "&#" followed by digits
// up to a ';' is judged.
func fatalRefLen[T string | []byte](s T) int {
	if len(s) < 3 || s[0] != '&' || s[1] != '#' {
		return 0
	}
	i, base := 2, uint64(10)
	if s[i] == 'x' {
		i, base = 3, 16
	}
	start := i
	var v uint64
	for ; i < len(s) && isDigitIn(s[i], base); i++ {
		v = min(v*base+digitValue(s[i]), 0x110000) // past Unicode stays past it
	}
	if i == start || i == len(s) || s[i] != ';' || v > 0x10FFFF {
		return 0
	}
	if v < 0x20 && v != '\t' && v != '\n' && v != '\r' || v == 0xFFFE || v == 0xFFFF {
		return i + 1
	}
	return 0
}

func isDigitIn(c byte, base uint64) bool {
	return '0' <= c && c <= '9' || base == 16 && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F')
}

func digitValue(c byte) uint64 {
	switch {
	case c <= '9':
		return uint64(c - '0')
	case c >= 'a':
		return uint64(c-'a') + 10
	}
	return uint64(c-'A') + 10
}

// entityWindow is how far after an '&' gofeed looks for the ';' that ends
// an entity.
const entityWindow = 64

// decodeEntities decodes entities as gofeed does after reading an element's
// raw text: an '&' starts an entity when a ';' follows within entityWindow
// bytes with no white space between, and the text up to that ';' decodes
// (by HTML's rules) to something that depends on the ';' — so that "&copy=2;"
// in a URL stays as it is, while "&lt;" and "&#39;" decode. Every other '&'
// is literal.
func decodeEntities(s string) string {
	i := strings.IndexByte(s, '&')
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		s = s[i:] // s[0] == '&'
		if dec, n := entityAt(s); n > 0 {
			b.WriteString(dec)
			s = s[n:]
		} else {
			b.WriteByte('&')
			s = s[1:]
		}
		i = strings.IndexByte(s, '&')
	}
	b.WriteString(s)
	return b.String()
}

// entityAt decodes the entity at the start of s (s[0] == '&') and returns
// it and its length, or n == 0 when the '&' is literal.
func entityAt(s string) (dec string, n int) {
	semi := strings.IndexByte(s[:min(len(s), entityWindow)], ';')
	if semi < 0 || strings.ContainsAny(s[1:semi], " \t\r\n") {
		return "", 0
	}
	span := s[:semi+1]
	switch span { // what escaped HTML is mostly made of
	case "&lt;":
		return "<", len(span)
	case "&gt;":
		return ">", len(span)
	case "&amp;":
		return "&", len(span)
	case "&quot;":
		return `"`, len(span)
	case "&apos;":
		return "'", len(span)
	}
	dec = html.UnescapeString(span)
	if dec == html.UnescapeString(span[:semi])+";" {
		return "", 0 // the ';' is not part of an entity
	}
	return dec, len(span)
}

// restoreLifted puts the lifted texts back into the items of feed, parsed
// from a document carrying their placeholders. It reports false, leaving
// feed unusable, unless every placeholder is found exactly once as the
// whole Description or Content of an item.
func restoreLifted(feed *gofeed.Feed, lifts []lifted) bool {
	used := make([]bool, len(lifts))
	restore := func(field *string) bool {
		if !strings.HasPrefix(*field, liftMark) {
			return true
		}
		k, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(*field, liftMark), "z"))
		if err != nil || k < 0 || k >= len(lifts) || used[k] || *field != liftPlaceholder(k) {
			return false
		}
		used[k] = true
		*field = lifts[k].text
		return true
	}
	for _, item := range feed.Items {
		if item == nil {
			continue
		}
		if !restore(&item.Description) || !restore(&item.Content) {
			return false
		}
	}
	return !slices.Contains(used, false)
}
