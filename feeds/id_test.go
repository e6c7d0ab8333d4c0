package feeds

import (
	"regexp"
	"testing"
	"time"
)

func TestArticleID(t *testing.T) {
	pub := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)

	base := ArticleID("bbc", "guid-1", "https://example.com/a", "Title", pub)
	if !hex32.MatchString(base) {
		t.Fatalf("ArticleID = %q, want 32 lower-case hex digits", base)
	}
	// A pinned value: changing the recipe re-publishes every article, so it
	// must be a deliberate, visible change.
	if want := "50db8271234b89f999600920f9efc150"; base != want {
		t.Errorf("ArticleID = %q, want %q", base, want)
	}

	tests := []struct {
		name     string
		id       string
		wantSame bool
	}{
		{"same inputs", ArticleID("bbc", "guid-1", "https://example.com/a", "Title", pub), true},
		{"guid wins over url and title", ArticleID("bbc", "guid-1", "https://example.com/other", "Edited title", pub.Add(time.Hour)), true},
		{"guid whitespace ignored", ArticleID("bbc", "  guid-1\n", "", "", time.Time{}), true},
		{"other feed", ArticleID("reuters", "guid-1", "https://example.com/a", "Title", pub), false},
		{"other guid", ArticleID("bbc", "guid-2", "https://example.com/a", "Title", pub), false},
	}
	for _, tt := range tests {
		if same := tt.id == base; same != tt.wantSame {
			t.Errorf("%s: same id = %v, want %v", tt.name, same, tt.wantSame)
		}
	}

	// Without a GUID the URL decides; without either, title and date.
	byURL := ArticleID("bbc", "", "https://example.com/a", "Title", pub)
	if got := ArticleID("bbc", "", "https://example.com/a", "New title", pub.Add(time.Hour)); got != byURL {
		t.Errorf("url identity: got %q, want %q", got, byURL)
	}
	byTitle := ArticleID("bbc", "", "", "Title", pub)
	if got := ArticleID("bbc", "", "", "Title", pub.In(time.FixedZone("CET", 3600))); got != byTitle {
		t.Errorf("title identity across time zones: got %q, want %q", got, byTitle)
	}
	if got := ArticleID("bbc", "", "", "Title", pub.Add(time.Second)); got == byTitle {
		t.Errorf("title identity with another date: got the same id %q", got)
	}
	// The separator keeps feed id and identity apart.
	if ArticleID("ab", "c", "", "", time.Time{}) == ArticleID("a", "bc", "", "", time.Time{}) {
		t.Errorf("ArticleID(ab, c) == ArticleID(a, bc)")
	}
}

func TestNormaliseForHash(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  Hello,   World!  ", "hello world"},
		{"U.S. cease-fire: talks (resume)", "us ceasefire talks resume"},
		{"«Guillemets» and “quotes”", "guillemets and quotes"},
		{"Cafe\u0301 ﬁnal", "café final"}, // NFKC composes é and splits the ﬁ ligature
		{"tabs\tand\nnewlines", "tabs and newlines"},
		{"zero\u200bwidth", "zerowidth"},
		{"ПЕРЕМИРИЕ", "перемирие"},
	}
	for _, tt := range tests {
		if got := NormaliseForHash(tt.in); got != tt.want {
			t.Errorf("NormaliseForHash(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestContentHash(t *testing.T) {
	a := ContentHash("Ceasefire agreed", "Talks in Cairo ended with a deal.")
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(a) {
		t.Fatalf("ContentHash = %q, want 64 hex digits", a)
	}
	if got := ContentHash("  CEASEFIRE agreed!", "Talks in Cairo ended with a deal"); got != a {
		t.Errorf("ContentHash with case/punctuation changes = %q, want %q", got, a)
	}
	if got := ContentHash("Ceasefire agreed Talks", "in Cairo ended with a deal."); got == a {
		t.Errorf("ContentHash ignores the title/summary boundary")
	}
	if got := ContentHash("Ceasefire collapsed", "Talks in Cairo ended with a deal."); got == a {
		t.Errorf("ContentHash of a different title equals the original")
	}
}

// The ASCII path of NormaliseForHash gives what the Unicode path gives.
func FuzzNormaliseASCII(f *testing.F) {
	for _, s := range []string{
		"", "  Cease-fire in  Gaza: U.S. says\t\"talks\" resume!\n",
		"$32bn | 5% <b>bold</b> a_b ~x^2 `code` {json} [1] @user #tag",
		"\x00\x01\x1f\x7f control \x0b\x0c\r", "ALL CAPS HEADLINE...", "...",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !isASCII(s) {
			return
		}
		if got, want := normaliseASCII(s), normaliseUnicode(s); got != want {
			t.Errorf("normaliseASCII(%q) = %q, want %q", s, got, want)
		}
	})
}

// BenchmarkNormaliseForHash runs English text through the ASCII path and,
// as its baseline, through the Unicode path that any text takes.
func BenchmarkNormaliseForHash(b *testing.B) {
	s := "Ceasefire talks resume in Cairo as mediators push for a deal on hostages and aid, officials say. " +
		"The talks, which stalled last week, are expected to focus on the release of hostages and the entry of aid."
	b.Run("ascii", func(b *testing.B) {
		for b.Loop() {
			NormaliseForHash(s)
		}
	})
	b.Run("unicode-baseline", func(b *testing.B) {
		for b.Loop() {
			normaliseUnicode(s)
		}
	})
}
