package feeds

import (
	"bytes"
	"encoding/binary"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"

	"github.com/gogs/chardet"
)

// toUTF8 returns body as UTF-8 text that gofeed can read as it is: any XML
// declaration is rewritten to say encoding="utf-8", so gofeed's own charset
// conversion never runs and nothing is decoded twice.
//
// The encoding is taken from the first of these that names one:
//
//  1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE), or UTF-16 markup
//     recognisable without one;
//  2. the XML declaration's encoding;
//  3. the charset of the HTTP Content-Type;
//  4. the bytes themselves: UTF-8 when they are valid UTF-8 or mostly so;
//     else the legacy encoding a statistical detector (github.com/gogs/chardet,
//     ICU's) is confident of (KOI8-R, windows-1251, Shift_JIS, EUC-JP,
//     EUC-KR, ISO-8859-2 …); else windows-1252 (the superset of Latin-1
//     that browsers use).
//
// UTF-32 with a byte order mark is read too. Whatever the source, the
// result is valid UTF-8 with C1 controls read as windows-1252 (U+0092 is
// a ’ that went through Latin-1) and without the control characters XML
// forbids: bytes that do not decode are dropped rather than
// failing the whole feed. The common case, a valid UTF-8 body declared as
// such or not at all, is returned without copying.
func toUTF8(body []byte, contentType string) []byte {
	if enc, n := sniffUTF16(body); enc != nil {
		decoded, err := enc.NewDecoder().Bytes(body[n:])
		if err != nil {
			decoded = body[n:]
		}
		return cleanText(rewriteDeclaration(decoded))
	}
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	if label, ok := xmlDeclaredEncoding(body); ok {
		if enc := lookupASCIICompatible(label); enc != nil {
			return cleanText(rewriteDeclaration(decode(enc, body)))
		}
		if isUTF8Label(label) {
			return cleanText(body) // the XML declaration is believed over the bytes
		}
		// An unknown or impossible label (UTF-16 written in ASCII): fall
		// through to the other sources, and rewrite the declaration so
		// gofeed does not refuse it.
		body = rewriteDeclaration(body)
	}
	if enc := lookupASCIICompatible(contentTypeCharset(contentType)); enc != nil {
		return cleanText(decode(enc, body))
	}
	if utf8.Valid(body) {
		return cleanText(body)
	}
	if looksSingleByte(body) {
		if enc := detectLegacy(body); enc != nil {
			return cleanText(decode(enc, body))
		}
		return cleanText(decode(charmap.Windows1252, body))
	}
	return cleanText(body)
}

// The detector's best guess is taken over windows-1252 when its confidence
// (of 100) is at least sureDetectConfidence — only a multi-byte encoding
// whose every sequence decoded scores that (EUC-JP text: EUC-JP 100, Big5
// 82) — or at least minDetectConfidence and detectMargin times the
// runner-up's: single-byte guesses score lower (Russian in KOI8-R 45, the
// next guess 6), and a close second means the text does not tell.
const (
	sureDetectConfidence = 90
	minDetectConfidence  = 25
	detectMargin         = 2
)

// detectLegacy returns the legacy encoding the detector finds body in, or
// nil when it is not sure or finds a Unicode one. It reads at most the
// first 8 KB of text outside markup (the detector's own bound).
func detectLegacy(body []byte) encoding.Encoding {
	rs, err := chardet.NewHtmlDetector().DetectAll(body)
	if err != nil || len(rs) == 0 || rs[0].Confidence < minDetectConfidence {
		return nil
	}
	if rs[0].Confidence < sureDetectConfidence && len(rs) > 1 && rs[0].Confidence < detectMargin*rs[1].Confidence {
		return nil
	}
	return lookupASCIICompatible(rs[0].Charset)
}

// sniffUTF16 recognises a UTF-32 document by its byte order mark and a
// UTF-16 one by its byte order mark or, when
// it has none, by an ASCII character and a zero byte in its first two bytes
// (a feed starts with '<', '{' or whitespace; UTF-8 text never holds a zero
// byte), and returns the encoding and the length of the mark to skip.
func sniffUTF16(b []byte) (encoding.Encoding, int) {
	switch {
	case bytes.HasPrefix(b, []byte{0xff, 0xfe, 0, 0}):
		return utf32.UTF32(utf32.LittleEndian, utf32.IgnoreBOM), 4
	case bytes.HasPrefix(b, []byte{0, 0, 0xfe, 0xff}):
		return utf32.UTF32(utf32.BigEndian, utf32.IgnoreBOM), 4
	case bytes.HasPrefix(b, []byte{0xff, 0xfe}):
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), 2
	case bytes.HasPrefix(b, []byte{0xfe, 0xff}):
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), 2
	case len(b) >= 2 && b[0] != 0 && b[0] < utf8.RuneSelf && b[1] == 0:
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), 0
	case len(b) >= 2 && b[0] == 0 && b[1] != 0 && b[1] < utf8.RuneSelf:
		return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), 0
	}
	return nil, 0
}

// lookupASCIICompatible returns the decoder for a charset label when it is
// a known encoding other than UTF-8 in which markup is plain ASCII; nil for
// UTF-8, UTF-16 (already handled by sniffUTF16, so a document that names it
// in ASCII is mistaken) and unknown labels.
func lookupASCIICompatible(label string) encoding.Encoding {
	if label == "" {
		return nil
	}
	enc, name := charset.Lookup(label)
	switch {
	case enc == nil, name == "utf-8", name == "replacement", strings.HasPrefix(name, "utf-16"):
		return nil
	}
	return enc
}

func isUTF8Label(label string) bool {
	_, name := charset.Lookup(label)
	return name == "utf-8"
}

func decode(enc encoding.Encoding, b []byte) []byte {
	decoded, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return b // cleanText will drop what does not decode
	}
	return decoded
}

// looksSingleByte reports whether invalid UTF-8 is more likely text in a
// single-byte encoding than UTF-8 with a few corrupt bytes: it has more
// bytes that are not UTF-8 than well-formed multi-byte characters.
func looksSingleByte(b []byte) bool {
	var valid, invalid int
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			invalid++
		} else {
			valid++
		}
		i += n
	}
	return invalid > valid
}

// cleanText drops invalid UTF-8, the C0 control characters XML 1.0 does
// not allow (all but tab, newline and carriage return) and character
// references to characters it does not allow (&#26;, &#xFFFE;), each of
// which makes encoding/xml reject the whole document. It copies only when
// it must.
func cleanText(b []byte) []byte {
	b = dropForbiddenRefs(b)
	if utf8.Valid(b) && !hasForbiddenControl(b) {
		return mapC1(b)
	}
	b = bytes.ToValidUTF8(b, nil)
	out := b[:0:0]
	for _, c := range b {
		if c >= 0x20 || c == '\t' || c == '\n' || c == '\r' {
			out = append(out, c)
		}
	}
	return mapC1(out)
}

// mapC1 replaces the C1 control characters (U+0080 to U+009F, UTF-8
// C2 80 to C2 9F) of valid UTF-8 by what windows-1252 means by those bytes:
// they are nearly always text that was read as Latin-1 on its way (U+0092
// for ’, U+0096 for –). The five bytes windows-1252 leaves undefined are
// dropped. Text without any is returned as it is.
func mapC1(b []byte) []byte {
	if !hasC1(b) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/8)
	for i := 0; i < len(b); i++ {
		if b[i] == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f {
			if r := charmap.Windows1252.DecodeByte(b[i+1]); r != utf8.RuneError && (r < 0x80 || r > 0x9f) {
				out = utf8.AppendRune(out, r)
			}
			i++
			continue
		}
		out = append(out, b[i])
	}
	return out
}

func hasC1(b []byte) bool {
	for {
		i := bytes.IndexByte(b, 0xc2)
		if i < 0 || i+1 >= len(b) {
			return false
		}
		if b[i+1] >= 0x80 && b[i+1] <= 0x9f {
			return true
		}
		b = b[i+1:]
	}
}

func hasForbiddenControl(b []byte) bool {
	// Eight bytes at a time: every poll of every feed passes through here.
	// (x - 0x20 in each byte) &^ x has a byte's high bit set when some byte
	// of x is below 0x20 (the test has no false negatives); only such words,
	// mostly ones holding a tab or a newline, are looked at byte by byte.
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(b) >= 8 {
		if x := binary.LittleEndian.Uint64(b); (x-0x20*ones)&^x&highs != 0 {
			for _, c := range b[:8] {
				if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
					return true
				}
			}
		}
		b = b[8:]
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return true
		}
	}
	return false
}

// rewriteDeclaration replaces the encoding named in b's XML declaration by
// "utf-8"; b must already be UTF-8. Without one, b is returned unchanged.
func rewriteDeclaration(b []byte) []byte {
	start, end, ok := declEncodingSpan(b)
	if !ok || strings.EqualFold(string(b[start:end]), "utf-8") {
		return b
	}
	out := make([]byte, 0, len(b)-(end-start)+5)
	out = append(out, b[:start]...)
	out = append(out, "utf-8"...)
	return append(out, b[end:]...)
}

// contentTypeCharset returns the charset parameter of a Content-Type header,
// or "".
func contentTypeCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(params["charset"])
}

// xmlDeclaredEncoding returns the encoding named in the XML declaration at
// the start of body (after an optional UTF-8 BOM and whitespace), and
// whether there was one.
func xmlDeclaredEncoding(body []byte) (string, bool) {
	start, end, ok := declEncodingSpan(body)
	if !ok {
		return "", false
	}
	return strings.TrimSpace(string(body[start:end])), true
}

// declEncodingSpan locates the value of the encoding pseudo-attribute in
// the XML declaration at the start of b: b[start:end] is the text between
// its quotes.
func declEncodingSpan(b []byte) (start, end int, ok bool) {
	i := 0
	if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		i = 3
	}
	for i < len(b) && isXMLSpace(b[i]) {
		i++
	}
	head := b[i:min(len(b), i+1024)]
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return 0, 0, false
	}
	declEnd := bytes.Index(head, []byte("?>"))
	if declEnd < 0 {
		return 0, 0, false
	}
	decl := head[:declEnd]
	k := bytes.Index(decl, []byte("encoding"))
	if k < 0 {
		return 0, 0, false
	}
	k += len("encoding")
	for k < len(decl) && isXMLSpace(decl[k]) {
		k++
	}
	if k >= len(decl) || decl[k] != '=' {
		return 0, 0, false
	}
	k++
	for k < len(decl) && isXMLSpace(decl[k]) {
		k++
	}
	if k >= len(decl) || (decl[k] != '"' && decl[k] != '\'') {
		return 0, 0, false
	}
	q := bytes.IndexByte(decl[k+1:], decl[k])
	if q < 0 {
		return 0, 0, false
	}
	return i + k + 1, i + k + 1 + q, true
}

var (
	refStart   = []byte("&#")
	cdataStart = []byte("<![CDATA[")
	cdataEnd   = []byte("]]>")
)

// dropForbiddenRefs removes the numeric character references of an XML
// document that encoding/xml would fail the whole document on (fatalRefLen:
// those naming a character XML 1.0 forbids), outside CDATA sections (where
// "&#26;" is only text). A document without one is returned as it
// is; one without "&#" costs a single search.
func dropForbiddenRefs(b []byte) []byte {
	var out []byte
	last, pos := 0, 0
	cdata := indexFrom(b, 0, cdataStart) // the next CDATA section, -1 for none
	for {
		j := indexFrom(b, pos, refStart)
		if j < 0 {
			break
		}
		if cdata >= 0 && cdata < j {
			end := indexFrom(b, cdata, cdataEnd)
			if end < 0 {
				break
			}
			pos = end + len(cdataEnd)
			cdata = indexFrom(b, pos, cdataStart)
			continue
		}
		if n := fatalRefLen(b[j:]); n > 0 {
			out = append(out, b[last:j]...)
			last = j + n
		}
		pos = j + len(refStart)
	}
	if last == 0 {
		return b
	}
	return append(out, b[last:]...)
}

// indexFrom is bytes.Index from offset from, as an offset into b.
func indexFrom(b []byte, from int, sep []byte) int {
	if i := bytes.Index(b[from:], sep); i >= 0 {
		return from + i
	}
	return -1
}
