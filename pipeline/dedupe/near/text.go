package near

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/newswire/newswire/feeds"
)

// item is one story reduced to word hashes.
type item struct {
	head  []uint64   // headline words (empty when the headline is a bare label)
	body  [][]uint64 // summary words outside quotations, one run between quotations each (none when there is no summary or it repeats the headline)
	all   []uint64   // every word, headline first
	nums  uint16     // hash of the headline's numbers, 0 without any
	live  bool       // the headline marks live coverage
	sheet bool       // the summary invites to sign up to a newsletter
}

// genericHeadlineWords is the length up to which a headline is a label of
// the feed ("LIVE BLOG", "More »") rather than the name of a story.
const genericHeadlineWords = 2

// prepare splits title and summary into words. A headline of at most
// genericHeadlineWords words is not the story's name; the summary then
// plays the headline. A summary that merely repeats the headline is no
// body: it adds no evidence. Quotations are left out of the body: two
// reports that quote one statement share its words without being one
// article (they are still part of every word, for the headline's support).
func prepare(title, summary string) item {
	head := words(title)
	var body []string
	var runs [][]string // the summary's words outside quotations, run by run
	for _, seg := range quoteSegments(summary) {
		ws := words(seg.text)
		body = append(body, ws...)
		if !seg.quoted && len(ws) > 0 {
			runs = append(runs, ws)
		}
	}
	it := item{live: isLive(head), sheet: isNewsletter(summary, body)}
	if len(head) <= genericHeadlineWords {
		head, body, runs = body, nil, nil
	}
	if len(body) > 0 && containsRun(head, body) {
		body, runs = nil, nil
	}
	it.head, it.nums = hashWords(head), numbersOf(head)
	for _, run := range runs {
		if len(run) >= bodyShingle || len(runs) == 1 {
			it.body = append(it.body, hashWords(run))
		}
	}
	it.all = append(append(make([]uint64, 0, len(it.head)+len(body)), it.head...), hashWords(body)...)
	return it
}

// bodyShingles returns the hashes of the word k-shingles of the body's
// runs; a shingle never spans a quotation.
func (it item) bodyShingles(k int) []uint64 {
	var out []uint64
	for _, run := range it.body {
		out = append(out, shingles(run, k)...)
	}
	return out
}

// segment is a stretch of a summary, inside a quotation or not.
type segment struct {
	text   string
	quoted bool
}

// quoteSegments splits s at its quotations: from an opening mark (“ „ « "
// and, at the start of a word, ‘ or ') to the next closing one, within
// maxQuote bytes. An opening mark without its closing one is taken as no
// quotation. A single quote closes only at the end of a word, so that the
// apostrophe of "isn’t" does not.
func quoteSegments(s string) []segment {
	if !strings.ContainsAny(s, "\"“„«‘'") {
		return []segment{{text: s}}
	}
	var out []segment
	from := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		end := -1
		if isOpening(s, i, r) {
			end = closing(s, i+n, r)
		}
		if end < 0 {
			i += n
			continue
		}
		if i > from {
			out = append(out, segment{text: s[from:i]})
		}
		out = append(out, segment{text: s[i:end], quoted: true})
		i, from = end, end
	}
	if from < len(s) {
		out = append(out, segment{text: s[from:]})
	}
	return out
}

// maxQuote is the longest quotation quoteSegments recognises, in bytes.
const maxQuote = 600

// isOpening reports whether r at s[i] opens a quotation.
func isOpening(s string, i int, r rune) bool {
	switch r {
	case '"', '“', '„', '«':
		return true
	case '‘', '\'':
		before, _ := utf8.DecodeLastRuneInString(s[:i])
		after, _ := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
		return (i == 0 || unicode.IsSpace(before) || strings.ContainsRune("([—–-", before)) && unicode.IsLetter(after)
	}
	return false
}

// closing returns the index just past the mark that closes the quotation
// opened by open, whose text starts at s[from], or -1.
func closing(s string, from int, open rune) int {
	limit := min(len(s), from+maxQuote)
	for i := from; i < limit; {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case open == '"' && r == '"', open == '“' && r == '”', open == '„' && (r == '”' || r == '“'), open == '«' && r == '»':
			return i + n
		case (open == '‘' || open == '\'') && (r == '’' || r == '\''):
			after, _ := utf8.DecodeRuneInString(s[i+n:])
			if i+n == len(s) || !unicode.IsLetter(after) && !unicode.IsDigit(after) {
				return i + n
			}
		}
		i += n
	}
	return -1
}

// numbersOf hashes the numbers among ws (a toll, a score, a date) as one
// value, 0 when there are none: two headlines with the same value name
// the same figures.
func numbersOf(ws []string) uint16 {
	var nums []string
	for _, w := range ws {
		if w != "" && strings.Trim(w, "0123456789") == "" && !slices.Contains(nums, w) {
			nums = append(nums, w)
		}
	}
	if len(nums) == 0 {
		return 0
	}
	slices.Sort(nums)
	return uint16(mix64(fnv1a(strings.Join(nums, " ")))>>48) | 1
}

// greeting is how a briefing opens ("Good morning. The US and Iran …");
// "Good Morning America" is a programme, not a greeting.
var greeting = regexp.MustCompile(`\bGood (morning|afternoon|evening)[.,!]`)

// isNewsletter reports a summary that greets its reader or invites them to
// sign up to a newsletter or get it in their inbox: a newsletter quotes
// the articles it rounds up.
func isNewsletter(summary string, body []string) bool {
	if strings.Contains(summary, "Good ") && greeting.MatchString(summary) {
		return true
	}
	signUp, inbox := false, false
	for i, w := range body {
		signUp = signUp || w == "sign" && i+1 < len(body) && body[i+1] == "up"
		inbox = inbox || w == "inbox" || w == "newsletter"
	}
	return signUp && inbox
}

// words normalises s like feeds.NormaliseForHash (NFKC, lower case,
// punctuation dropped, so "cease-fire" = "ceasefire" and "U.S." = "US"),
// also drops diacritics ("Bernabéu" = "Bernabeu"), and keeps only letters
// and digits of each word ("$32" = "32", "—" and "|" vanish).
func words(s string) []string {
	s = feeds.NormaliseForHash(s)
	if s == "" {
		return nil
	}
	if isASCII(s) {
		return asciiWords(s)
	}
	return unicodeWords(s)
}

// unicodeWords is words after NormaliseForHash, for any text.
func unicodeWords(s string) []string {
	s = norm.NFD.String(s)
	var out []string
	var b strings.Builder
	for _, f := range strings.Fields(s) {
		b.Reset()
		for _, r := range f {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				b.WriteRune(r)
			}
		}
		if b.Len() > 0 {
			out = append(out, norm.NFC.String(b.String()))
		}
	}
	return out
}

// wordByte marks the ASCII bytes words keeps: letters and digits, by the
// same unicode tests. ASCII text is its own NFD and NFC.
var wordByte = func() (t [utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		t[c] = unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c))
	}
	return t
}()

// asciiWords is words for ASCII text that NormaliseForHash has already
// lower-cased and whose spaces it has collapsed.
func asciiWords(s string) []string {
	out := make([]string, 0, strings.Count(s, " ")+1)
	for f := range strings.SplitSeq(s, " ") {
		if f = wordBytesOf(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// wordBytesOf returns f without the bytes words drops (rare in ASCII
// words: symbols such as "$" or "|"); f itself when it has none.
func wordBytesOf(f string) string {
	for i := 0; i < len(f); i++ {
		if !wordByte[f[i]] {
			b := []byte(f[:i])
			for ; i < len(f); i++ {
				if wordByte[f[i]] {
					b = append(b, f[i])
				}
			}
			return string(b)
		}
	}
	return f
}

// isASCII reports whether s, valid UTF-8 as NormaliseForHash returns it, is
// ASCII: one byte per rune.
func isASCII(s string) bool { return utf8.RuneCountInString(s) == len(s) }

// isLive reports headlines of live coverage: a live blog quotes the
// articles it links to, and is never the same story as any of them.
func isLive(head []string) bool {
	n := len(head)
	switch {
	case n == 0:
		return false
	case head[0] == "live" && (n <= 2 || head[1] == "updates" || head[1] == "blog"):
		return true
	case n >= 2 && head[0] == "watch" && head[1] == "live":
		return true
	case head[n-1] == "live" || (n >= 2 && head[n-2] == "live" && (head[n-1] == "updates" || head[n-1] == "blog")):
		return true
	case n >= 3 && head[n-3] == "as" && head[n-2] == "it" && head[n-1] == "happened":
		return true
	}
	return false
}

// containsRun reports whether needle occurs as consecutive words in hay.
func containsRun(hay, needle []string) bool {
	if len(needle) > len(hay) {
		return false
	}
outer:
	for i := 0; i+len(needle) <= len(hay); i++ {
		for j, w := range needle {
			if hay[i+j] != w {
				continue outer
			}
		}
		return true
	}
	return false
}

func hashWords(ws []string) []uint64 {
	if len(ws) == 0 {
		return nil
	}
	out := make([]uint64, len(ws))
	for i, w := range ws {
		out[i] = fnv1a(w)
	}
	return out
}

// fnv1a is 64-bit FNV-1a: stable across processes, unlike maphash.
func fnv1a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix64 is the splitmix64 finaliser: it spreads every input bit over the
// whole word, so that the multiply-shift hashes of MinHash see uniform
// input.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// shingles returns the distinct hashes of the word k-shingles of ws; text
// shorter than k words is one shingle.
func shingles(ws []uint64, k int) []uint64 {
	if len(ws) == 0 {
		return nil
	}
	if len(ws) < k {
		k = len(ws)
	}
	out := make([]uint64, 0, len(ws)-k+1)
	seen := make(map[uint64]struct{}, len(ws))
	for i := 0; i+k <= len(ws); i++ {
		h := uint64(k)
		for _, w := range ws[i : i+k] {
			h = mix64(h*0x9e3779b97f4a7c15 ^ w)
		}
		if _, dup := seen[h]; !dup {
			seen[h] = struct{}{}
			out = append(out, h)
		}
	}
	return out
}

// short16 folds hashes to sorted distinct 16-bit values. Two different
// words share a value with probability 1/65536: for sets of tens of words
// that bias is far below the noise of the labels the thresholds come from.
func short16(hs []uint64, limit int) []uint16 {
	if len(hs) == 0 {
		return nil
	}
	out := make([]uint16, 0, min(len(hs), limit))
	for _, h := range hs {
		v := uint16(mix64(h) >> 48)
		i, found := search16(out, v)
		if found {
			continue
		}
		if len(out) == limit {
			break
		}
		out = append(out, 0)
		copy(out[i+1:], out[i:])
		out[i] = v
	}
	return out
}

func search16(s []uint16, v uint16) (int, bool) {
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s[m] < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(s) && s[lo] == v
}

// common16 counts the values present in both sorted slices.
func common16(a, b []uint16) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			n++
			i++
			j++
		}
	}
	return n
}
