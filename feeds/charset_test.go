package feeds

import (
	"bytes"
	"context"
	"fmt"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/unicode/utf32"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

// charsetFeed is an RSS document whose channel and item titles are text.
func charsetFeed(decl, text string) string {
	return decl + `<rss version="2.0"><channel><title>` + text + `</title>` +
		`<item><title>` + text + `</title><link>https://example.com/a</link></item></channel></rss>`
}

// TestParseBodyCharsets encodes known Unicode text in each encoding, serves
// it once declared by the document itself (with a missing or contradicting
// HTTP charset) and once declared only by the Content-Type, and expects the
// titles back exactly.
func TestParseBodyCharsets(t *testing.T) {
	tests := []struct {
		label string
		enc   encoding.Encoding
		text  string
	}{
		{"windows-1251", charmap.Windows1251, "Привет, мир: новости дня"},
		{"KOI8-R", charmap.KOI8R, "Съешь же ещё этих мягких французских булок"},
		{"ISO-8859-1", charmap.ISO8859_1, "Élysée : café, naïveté, Straße"},
		{"ISO-8859-15", charmap.ISO8859_15, "Prix en € : œuvre, Šárka, Žižek"},
		{"GB2312", simplifiedchinese.GBK, "你好，世界新闻"},
		{"GBK", simplifiedchinese.GBK, "龍與鳳的新聞"},
		{"Shift_JIS", japanese.ShiftJIS, "こんにちは世界、ニュース速報"},
	}
	type variant struct {
		name        string
		body        string // in UTF-8; encoded before serving
		contentType string
	}
	for _, tt := range tests {
		decl := `<?xml version="1.0" encoding="` + tt.label + `"?>`
		for _, v := range []variant{
			{"declared, no HTTP charset", charsetFeed(decl, tt.text), "application/rss+xml"},
			{"declared, HTTP contradicts", charsetFeed(decl, tt.text), "application/rss+xml; charset=utf-8"},
			{"declared in lower case, HTTP contradicts", charsetFeed(strings.ToLower(decl), tt.text), "text/xml; charset=windows-1252"},
			{"HTTP only", charsetFeed(`<?xml version="1.0"?>`, tt.text), "application/rss+xml; charset=" + tt.label},
			{"HTTP only, no declaration", charsetFeed("", tt.text), "text/xml; charset=" + tt.label},
		} {
			t.Run(tt.label+"/"+v.name, func(t *testing.T) {
				body, err := tt.enc.NewEncoder().String(v.body)
				if err != nil {
					t.Fatal(err)
				}
				checkTitles(t, body, v.contentType, tt.text)
			})
		}
	}
}

func TestParseBodyUTF16(t *testing.T) {
	const text = "Mixed: Привет 你好 こんにちは € œ"
	tests := []struct {
		name        string
		enc         encoding.Encoding
		decl        string
		contentType string
	}{
		{"LE with BOM, declared", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), `<?xml version="1.0" encoding="UTF-16"?>`, "application/xml"},
		{"BE with BOM, declared", unicode.UTF16(unicode.BigEndian, unicode.UseBOM), `<?xml version="1.0" encoding="utf-16"?>`, "application/xml"},
		{"LE with BOM, HTTP contradicts", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), `<?xml version="1.0"?>`, "application/xml; charset=iso-8859-1"},
		{"BE with BOM, no declaration", unicode.UTF16(unicode.BigEndian, unicode.UseBOM), "", "application/xml; charset=utf-8"},
		{"LE without BOM, HTTP only", unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "", "application/xml; charset=utf-16le"},
		{"BE without BOM, declared", unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), `<?xml version="1.0" encoding="UTF-16BE"?>`, "text/xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := tt.enc.NewEncoder().String(charsetFeed(tt.decl, text))
			if err != nil {
				t.Fatal(err)
			}
			checkTitles(t, body, tt.contentType, text)
		})
	}
}

// checkTitles serves body with contentType, fetches and parses it, and
// expects both titles to be want.
func checkTitles(t *testing.T, body, contentType, want string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write([]byte(body))
	}))
	defer srv.Close()
	res, err := testFetcher(FetcherOptions{}).Fetch(context.Background(), FetchRequest{URL: srv.URL})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	feed, err := ParseBody(res.Body, res.ContentType)
	if err != nil {
		t.Fatalf("ParseBody: %v", err)
	}
	if feed.Title != want {
		t.Errorf("feed title = %q, want %q", feed.Title, want)
	}
	if len(feed.Items) != 1 || feed.Items[0].Title != want {
		t.Errorf("items = %+v, want one titled %q", feed.Items, want)
	}
}

func TestParseBodyCharsetFallbacks(t *testing.T) {
	latin1, _ := charmap.ISO8859_1.NewEncoder().String("Grüße aus Köln")
	cp1252, _ := charmap.Windows1252.NewEncoder().String("“Smart” quotes – and €")
	tests := []struct {
		name        string
		body        string
		contentType string
		want        string
	}{
		{"undeclared Latin-1 is read as windows-1252", charsetFeed("", latin1), "application/xml", "Grüße aus Köln"},
		{"undeclared windows-1252", charsetFeed(`<?xml version="1.0"?>`, cp1252), "text/xml", "“Smart” quotes – and €"},
		{"Latin-1 under a wrong HTTP utf-8", charsetFeed("", latin1), "text/xml; charset=utf-8", "Grüße aus Köln"},
		{"stray invalid bytes in UTF-8 are dropped", charsetFeed("", "Grüße \xff\xfeaus Köln – ok"), "application/xml", "Grüße aus Köln – ok"},
		{"invalid bytes in declared UTF-8 are dropped", charsetFeed(`<?xml version="1.0" encoding="UTF-8"?>`, "abc\xc3def"), "application/xml", "abcdef"},
		{"forbidden control characters are dropped", charsetFeed("", "a\x00b\x08c\x1bd"), "application/xml", "abcd"},
		{"unknown declared encoding falls back", charsetFeed(`<?xml version="1.0" encoding="x-no-such"?>`, "Grüße"), "application/xml", "Grüße"},
		{"unknown declared encoding, HTTP charset used", charsetFeed(`<?xml version="1.0" encoding="x-no-such"?>`, latin1), "text/xml; charset=iso-8859-1", "Grüße aus Köln"},
		{"UTF-16 declared but written in ASCII", charsetFeed(`<?xml version="1.0" encoding="UTF-16"?>`, "plain"), "application/xml", "plain"},
		{"UTF-8 BOM", "\xef\xbb\xbf" + charsetFeed(`<?xml version="1.0" encoding="utf-8"?>`, "Grüße"), "application/xml; charset=koi8-r", "Grüße"},
		{"unknown HTTP charset ignored", charsetFeed("", "Grüße"), "text/xml; charset=bogus", "Grüße"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed, err := ParseBody([]byte(tt.body), tt.contentType)
			if err != nil {
				t.Fatalf("ParseBody: %v", err)
			}
			if len(feed.Items) != 1 || feed.Items[0].Title != tt.want {
				t.Fatalf("items = %+v, want one titled %q", feed.Items, tt.want)
			}
			if !utf8.ValidString(feed.Items[0].Title) {
				t.Errorf("title %q is not valid UTF-8", feed.Items[0].Title)
			}
		})
	}
}

func TestRewriteDeclaration(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<?xml version="1.0" encoding="windows-1251"?><rss/>`, `<?xml version="1.0" encoding="utf-8"?><rss/>`},
		{"\n <?xml version='1.0' encoding = 'KOI8-R' standalone='yes'?><rss/>", "\n <?xml version='1.0' encoding = 'utf-8' standalone='yes'?><rss/>"},
		{`<?xml version="1.0" encoding="UTF-8"?><rss/>`, `<?xml version="1.0" encoding="UTF-8"?><rss/>`},
		{`<?xml version="1.0"?><rss/>`, `<?xml version="1.0"?><rss/>`},
		{`<rss encoding="x"/>`, `<rss encoding="x"/>`},
	}
	for _, tt := range tests {
		if got := string(rewriteDeclaration([]byte(tt.in))); got != tt.want {
			t.Errorf("rewriteDeclaration(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHasForbiddenControl(t *testing.T) {
	// Every byte value at every offset of a 19-byte text, so that each lands
	// in the word-at-a-time loop and in the tail.
	const text = "<item>\tpolls\r\n</it>"
	for c := range 256 {
		for pos := range len(text) {
			b := []byte(text)
			b[pos] = byte(c)
			want := c < 0x20 && c != '\t' && c != '\n' && c != '\r'
			if got := hasForbiddenControl(b); got != want {
				t.Errorf("hasForbiddenControl(%q) = %v, want %v", b, got, want)
			}
		}
	}
}

// TestForbiddenCharacterReferencesDropped: a reference to a character XML
// forbids fails encoding/xml and with it the whole feed; it is dropped like
// an invalid byte, outside CDATA sections, where it is only text. What
// encoding/xml reads without failing is left as it is.
func TestForbiddenCharacterReferencesDropped(t *testing.T) {
	doc := `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>` +
		`<item><title>A&#26;B&#x1F;C&#0;D&#xFFFE;E&#55296;F&#x110000;G &amp; &#233;&#9;</title><link>https://x.example/1</link></item>` +
		`<item><title>two</title><description><![CDATA[keep &#26; here]]></description><link>https://x.example/2</link></item>` +
		`</channel></rss>`
	feed, err := Parse(strings.NewReader(string(toUTF8([]byte(doc), ""))))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	// A surrogate or a value past Unicode does not fail encoding/xml: it
	// reads them as U+FFFD, so they are left to it.
	if got, want := feed.Items[0].Title, "ABCDE\uFFFDF\uFFFDG & é\t"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
	if got, want := feed.Items[1].Description, "keep &#26; here"; got != want {
		t.Errorf("CDATA description = %q, want %q", got, want)
	}
	for _, tt := range []struct{ in, want string }{
		{"no references", "no references"},
		{"&#26", "&#26"}, // no ';': not a reference
		{"&#;", "&#;"},   // no digits
		{"&#x;", "&#x;"}, // no hex digits
		{"a&#10;b", "a&#10;b"},
		{"<![CDATA[&#1;", "<![CDATA[&#1;"},     // unterminated CDATA: left alone
		{"&#99999999999;x", "&#99999999999;x"}, // past Unicode: kept, as encoding/xml keeps it
		{"&#X1A;", "&#X1A;"},                   // "&#X" is no reference to encoding/xml
		{"a&#x1a;b&#31;c", "abc"},
	} {
		if got := string(dropForbiddenRefs([]byte(tt.in))); got != tt.want {
			t.Errorf("dropForbiddenRefs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// legacyTexts are news sentences in the languages whose legacy encodings
// feeds still use without declaring them.
var legacyTexts = map[string][]string{
	"ru": {
		"Правительство объявило о новых мерах поддержки экономики",
		"В Москве прошло совещание по вопросам энергетической безопасности",
		"Министр иностранных дел встретился с послами европейских стран",
		"Число пострадавших от наводнения на юге страны выросло до двадцати",
		"Центральный банк сохранил ключевую ставку на прежнем уровне",
		"Жители города жалуются на перебои с водой и отоплением этой зимой",
	},
	"ja": {
		"政府は新しい経済対策を発表しました",
		"東京で大雪のため多くの電車が運休しています",
		"首相は記者会見で外交方針について説明した",
		"地震の影響で一部の地域では停電が続いています",
		"日本銀行は金融政策の据え置きを決めました",
		"全国の高校で新しい教育課程が始まります",
	},
	"ko": {
		"정부는 새로운 경제 대책을 발표했습니다",
		"서울에서 폭설로 많은 항공편이 취소되었습니다",
		"대통령은 기자회견에서 외교 정책에 대해 설명했다",
		"지진의 영향으로 일부 지역에서는 정전이 계속되고 있습니다",
		"한국은행은 기준금리를 동결하기로 결정했습니다",
		"전국의 학교에서 새로운 교육과정이 시작됩니다",
	},
	"pl": {
		"Rząd ogłosił nowe środki wsparcia dla przedsiębiorców",
		"W Warszawie odbyło się spotkanie w sprawie bezpieczeństwa energetycznego",
		"Minister spraw zagranicznych spotkał się z ambasadorami państw Unii",
		"Liczba poszkodowanych w wyniku powodzi na południu kraju wzrosła",
		"Narodowy Bank Polski pozostawił stopy procentowe bez zmian",
		"Mieszkańcy skarżą się na przerwy w dostawach wody i ogrzewania",
	},
}

// TestUndeclaredLegacyCharsets: documents in legacy encodings, declared
// nowhere (no XML declaration's encoding, no Content-Type charset), come
// out right; so does UTF-32 with a byte order mark.
func TestUndeclaredLegacyCharsets(t *testing.T) {
	for _, tt := range []struct {
		name string
		lang string
		enc  encoding.Encoding
	}{
		{"KOI8-R", "ru", charmap.KOI8R},
		{"windows-1251", "ru", charmap.Windows1251},
		{"Shift_JIS", "ja", japanese.ShiftJIS},
		{"EUC-JP", "ja", japanese.EUCJP},
		{"EUC-KR", "ko", korean.EUCKR},
		{"ISO-8859-2", "pl", charmap.ISO8859_2},
		{"UTF-32LE with BOM", "ru", utf32.UTF32(utf32.LittleEndian, utf32.UseBOM)},
		{"UTF-32BE with BOM", "ja", utf32.UTF32(utf32.BigEndian, utf32.UseBOM)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>news</title>`)
			for i, s := range legacyTexts[tt.lang] {
				fmt.Fprintf(&b, `<item><title>%s</title><description>%s. %s.</description><link>https://x.example/%d</link></item>`, s, s, s, i)
			}
			b.WriteString(`</channel></rss>`)
			body, err := tt.enc.NewEncoder().Bytes([]byte(b.String()))
			if err != nil {
				t.Fatal(err)
			}
			feed, err := Parse(bytes.NewReader(toUTF8(body, "application/rss+xml")))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			for i, want := range legacyTexts[tt.lang] {
				if got := feed.Items[i].Title; got != want {
					t.Errorf("item %d title = %q, want %q", i, got, want)
				}
			}
		})
	}
}

func TestC1ControlsReadAsWindows1252(t *testing.T) {
	doc := "<rss version=\"2.0\"><channel><title>T</title><item><title>It\u0092s a \u0093quote\u0094 \u0096 dash\u0081</title><link>https://x.example/1</link></item></channel></rss>"
	feed, err := Parse(bytes.NewReader(toUTF8([]byte(doc), "")))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := feed.Items[0].Title, "It’s a “quote” – dash"; got != want {
		t.Errorf("title = %q, want %q", got, want)
	}
}
