package feeds

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestPlainText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "Ceasefire holds in the north", "Ceasefire holds in the north"},
		{"whitespace collapsed", "  a \n\t b\r\n  c  ", "a b c"},
		{"inline tags joined", "un<b>believ</b>able", "unbelievable"},
		{"tags stripped", `<p>Hello <a href="/x">world</a>!</p>`, "Hello world!"},
		{"nested", "<div><ul><li>one <em>1</em></li><li>two</li></ul></div>", "one 1 two"},
		{"block elements separate words", "<p>first</p><p>second</p>line<br>break<br/>again", "first second line break again"},
		{"headings and table", "<h2>Title</h2><table><tr><td>a</td><td>b</td></tr></table>", "Title a b"},
		{"named entities", "Tom &amp; Jerry &ndash; &quot;live&quot; &lt;3", `Tom & Jerry – "live" <3`},
		{"numeric entities", "caf&#233; &#x263A; &#8211;", "café ☺ –"},
		{"nbsp collapses", "a&nbsp;&nbsp;b\u00a0c", "a b c"},
		{"entity without semicolon", "AT&T and fish &chips", "AT&T and fish &chips"},
		{"script dropped", `before<script type="text/javascript">var x = "<p>no</p>";</script>after`, "beforeafter"},
		{"style dropped", "<style>p { color: red }</style><p>shown</p>", "shown"},
		{"noscript dropped", "a<noscript><img src=x>enable js</noscript> b", "a b"},
		{"comment dropped", "a<!-- hidden -->b", "ab"},
		{"image is a break", `word<img src="a.png" alt="alt text">word`, "word word"},
		{"less-than in text", "a < b and c > d", "a < b and c > d"},
		{"unclosed tag", "text <b>bold", "text bold"},
		{"escaped markup decodes to text", "&lt;b&gt;not a tag&lt;/b&gt;", "<b>not a tag</b>"},
		{"zero-width and controls removed", "a\u200bb\x00c\ufeff", "abc"},
		{"invalid utf-8 replaced", "a\xffb", "a\uFFFDb"},
		{"cdata-like text", "<p>x</p>\n\n<p>y</p>", "x y"},
		{"unicode kept", "<p>Перемирие — 停火</p>", "Перемирие — 停火"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPlainTextPrefix(t *testing.T) {
	long := "<p>" + strings.Repeat("word ", 10000) + "</p>"
	got, cut := plainTextPrefix(long, 20)
	if !cut {
		t.Errorf("plainTextPrefix cut = false, want true")
	}
	if n := utf8.RuneCountInString(got); n != 21 {
		t.Errorf("plainTextPrefix gave %d runes (%q), want 21", n, got)
	}
	got, cut = plainTextPrefix("<b>short</b>", 20)
	if cut || got != "short" {
		t.Errorf("plainTextPrefix = %q, %v, want %q, false", got, cut, "short")
	}
}

func TestTruncateWords(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short text", 20, "short text"},
		{"exactly ten", 11, "exactly ten"},
		{"the quick brown fox jumps", 12, "the quick…"},
		{"the quick, brown fox", 11, "the quick…"},
		{"the quick brown fox", 10, "the quick…"},
		{"averyveryverylongword and more", 10, "averyvery…"},
		{"перемирие объявлено сегодня", 15, "перемирие…"},
	}
	for _, tt := range tests {
		got := truncateWords(tt.in, tt.max)
		if got != tt.want {
			t.Errorf("truncateWords(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
		if n := utf8.RuneCountInString(got); n > tt.max {
			t.Errorf("truncateWords(%q, %d) has %d runes, want at most %d", tt.in, tt.max, n, tt.max)
		}
	}
}

func FuzzPlainText(f *testing.F) {
	for _, s := range []string{
		"",
		"plain text",
		"<p>Hello <b>world</b></p>",
		"&amp;&lt;&gt;&#x1F600;&bogus;",
		"<script>alert(1)</script>after",
		"<style>x</style",
		"<<<>>>",
		"a\xffb\x00c",
		"<![CDATA[x]]>",
		"<svg><title>t</title></svg>tail",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := PlainText(in)
		if !utf8.ValidString(got) {
			t.Errorf("PlainText(%q) = %q, not valid UTF-8", in, got)
		}
		if got != strings.TrimSpace(got) {
			t.Errorf("PlainText(%q) = %q, not trimmed", in, got)
		}
		if strings.Contains(got, "  ") || strings.ContainsAny(got, "\n\t\r\x00") {
			t.Errorf("PlainText(%q) = %q, whitespace not collapsed", in, got)
		}
		if len(got) > 3*len(in)+8 { // entities expand, but not without bound
			t.Errorf("PlainText(%q) = %q, much longer than its input", in, got)
		}
		prefix, _ := plainTextPrefix(in, 5)
		if !strings.HasPrefix(got, prefix) {
			t.Errorf("plainTextPrefix(%q, 5) = %q, not a prefix of %q", in, prefix, got)
		}
	})
}

// referenceWrite is textWriter.write as first written: strings.ToValidUTF8,
// then rune by rune. FuzzTextWriter holds the byte-wide version to it.
func referenceWrite(w *textWriter, s string) {
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if w.full() {
			return
		}
		switch {
		case unicode.IsSpace(r):
			w.space()
			continue
		case unicode.IsControl(r), r == '\u200b', r == '\ufeff':
			continue
		}
		w.put()
		w.b.WriteRune(r)
	}
}

func FuzzTextWriter(f *testing.F) {
	for _, s := range []string{"", "plain words", "  a\t\nb  ", "caf\xe9 \xff\xfe x", "\u200bzero\ufeffwidth\x00nul",
		"Ünïcödé — “quotes” 日本語", "\xed\xa0\x80 surrogate", "a\u00a0b\u2003c"} {
		f.Add(s, 5)
		f.Add(s, -1)
	}
	f.Fuzz(func(t *testing.T, s string, limit int) {
		var got, want textWriter
		got.limit, want.limit = limit, limit
		got.write(s)
		got.writeBytes([]byte(s))
		referenceWrite(&want, s)
		referenceWrite(&want, s)
		if got.String() != want.String() || got.runes != want.runes {
			t.Errorf("write(%q, limit %d) = %q (%d runes), want %q (%d runes)", s, limit, got.String(), got.runes, want.String(), want.runes)
		}
	})
}
