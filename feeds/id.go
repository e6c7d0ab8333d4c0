package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ArticleID returns the stable id of one item of one feed: the hex of the
// first 16 bytes of SHA-256 over feedID + "\x00" + identity, where identity
// is the first of
//
//   - the GUID (surrounding whitespace ignored), when the feed gives one;
//   - the canonical URL (see CanonicalURL), when there is one; Normalise
//     passes it with the link's fragment put back, because some feeds tell
//     their items apart only by fragment (entries.php#110, #111, …);
//   - the plain-text title + "\x00" + the published time in UTC RFC 3339
//     (the zero time when the item has none).
//
// It depends only on what the feed says about the item, never on when or
// how often it was fetched, so re-polling a feed, restarting the daemon or
// running several pollers gives the same id for the same item — which is
// what lets NATS' duplicate window (Nats-Msg-Id) drop re-published items.
// The same story in two feeds gets two ids; recognising it is dedupe's job.
func ArticleID(feedID, guid, canonicalURL, title string, published time.Time) string {
	identity := strings.TrimSpace(guid)
	if identity == "" {
		identity = canonicalURL
	}
	if identity == "" {
		identity = title + "\x00" + published.UTC().Format(time.RFC3339Nano)
	}
	h := sha256.New()
	h.Write([]byte(feedID))
	h.Write([]byte{0})
	h.Write([]byte(identity))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// ContentHash is the exact-duplicate fingerprint of an article: the hex
// SHA-256 of NormaliseForHash(title) + "\n" + NormaliseForHash(summary).
// Two articles whose title and summary differ only in case, punctuation,
// whitespace or Unicode composition hash alike. The dedupe stage computes it
// and stores it in Article.Dedupe; Normalise leaves Dedupe nil.
func ContentHash(title, summary string) string {
	sum := sha256.Sum256([]byte(NormaliseForHash(title) + "\n" + NormaliseForHash(summary)))
	return hex.EncodeToString(sum[:])
}

// NormaliseForHash reduces text to what should decide whether two texts are
// the same: Unicode NFKC, lower case, punctuation removed (so "cease-fire"
// and "ceasefire" match, and "U.S." and "US"), control characters dropped,
// whitespace collapsed to single spaces and trimmed.
func NormaliseForHash(s string) string {
	if isASCII(s) {
		return normaliseASCII(s)
	}
	return normaliseUnicode(s)
}

// normaliseUnicode is NormaliseForHash for any text.
func normaliseUnicode(s string) string {
	s = norm.NFKC.String(strings.ToValidUTF8(s, "\uFFFD"))
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			pendingSpace = b.Len() > 0
			continue
		case unicode.IsPunct(r), unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			continue
		}
		if pendingSpace {
			b.WriteByte(' ')
			pendingSpace = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// asciiHashClass holds what NormaliseForHash does to each ASCII byte, taken
// from the same unicode tests at start-up: hashSpace, hashDrop, or the
// byte to keep (lower-cased). ASCII text is already NFKC.
var asciiHashClass = func() (t [utf8.RuneSelf]byte) {
	for c := range utf8.RuneSelf {
		r := rune(c)
		switch {
		case unicode.IsSpace(r):
			t[c] = hashSpace
		case unicode.IsPunct(r), unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			t[c] = hashDrop
		default:
			t[c] = byte(unicode.ToLower(r))
		}
	}
	return t
}()

// Classes of asciiHashClass: bytes no kept character can be (controls).
const (
	hashSpace = 0x01
	hashDrop  = 0x02
)

// normaliseASCII is NormaliseForHash for ASCII text (most news in English),
// a byte at a time.
func normaliseASCII(s string) string {
	b := make([]byte, 0, len(s))
	pendingSpace := false
	for i := 0; i < len(s); i++ {
		switch c := asciiHashClass[s[i]]; c {
		case hashSpace:
			pendingSpace = len(b) > 0
		case hashDrop:
		default:
			if pendingSpace {
				b = append(b, ' ')
				pendingSpace = false
			}
			b = append(b, c)
		}
	}
	return string(b)
}

// isASCII reports whether s holds only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
