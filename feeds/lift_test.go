package feeds

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// liftDoc is an RSS document of one item whose description and
// content:encoded (its namespace declared as feeds declare it) both hold
// text repeated to at least liftMin bytes.
func liftDoc(text string) string {
	long := text
	for len(long) < liftMin && text != "" {
		long += text
	}
	return `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>` +
		"<item><title>a</title><guid>g1</guid><description>" + long + "</description>" +
		"<content:encoded>" + long + "</content:encoded></item>" +
		"</channel></rss>"
}

// liftedCount is how many texts ParseNew lifts from body when nothing is
// known.
func liftedCount(tb testing.TB, body []byte, ctype string) int {
	tb.Helper()
	doc, err := prepare(body, ctype)
	if err != nil {
		return 0
	}
	items, texts, err := splitItems(doc)
	if err != nil {
		return 0
	}
	fresh := make([]bool, len(items))
	for k := range fresh {
		fresh[k] = true
	}
	return len(liftTexts(doc, texts, fresh))
}

// TestLiftTextMatchesGofeed checks the texts gofeed treats specially, each
// in a document lifting applies to, against gofeed's reading of the same
// document: the fields must be equal, and lifting must happen where it can.
func TestLiftTextMatchesGofeed(t *testing.T) {
	tests := []struct {
		name, text string
		lifts      bool
	}{
		{"escaped HTML", "&lt;p&gt;Talks &amp;amp; a &quot;truce&quot; &apos;soon&apos;&lt;/p&gt; ", true},
		{"CDATA", "<![CDATA[<p>Talks & a truce</p>]]>", true},
		{"text around CDATA", "before &amp; <![CDATA[<b>in</b>]]> after &lt; ", true},
		{"numeric references", "&#39;quoted&#39; &#x2019;curly&#x2019; &#128; ", true},
		{"HTML entities", "&eacute;t&eacute; &nbsp;&copy; &hellip; ", true},
		{"legacy entity before a query", "https://x.example/?a=1&copy=2; ", true},
		{"stray ampersands", "AT&T & co; R&D ;&  ", true},
		{"entity too far from its semicolon", "&" + strings.Repeat("a", 70) + "; ", true},
		{"white space inside", "& amp; &a\tb; ", true},
		{"Unicode white space around", "\u00a0\u2003text\u0085 ", true},
		{"carriage returns", "line\r\nline\rline ", true},
		{"escaped line breaks and tabs", "line&#xA;line&#10;tab&#9;cr&#13;&#xD; ", true},
		{"only white space", "   \n\t ", false},
		{"empty CDATA", "<![CDATA[]]>", false},
		{"unescaped ]]>", "a ]]> b ", false},
		{"reference to NUL", "a &#0; b ", false},
		{"reference to U+FFFE", "a &#xFFFE; b ", false},
		{"literal U+FFFF", "a \uffff b ", false},
		{"child element", "a <b>bold</b> c ", false},
		{"comment", "a <!-- c --> d ", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := []byte(liftDoc(tt.text))
			want := map[bool]int{true: 2, false: 0}[tt.lifts]
			if got := liftedCount(t, doc, ""); got != want {
				t.Errorf("%d texts lifted, want %d", got, want)
			}
			compareWithGofeed(t, doc, "")
		})
	}
}

// compareWithGofeed fails t unless ParseNew, knowing nothing, reads doc's
// items exactly as ParseBody (gofeed on the whole document) does, or fails
// as it does.
func compareWithGofeed(t *testing.T, doc []byte, ctype string) {
	t.Helper()
	full, fullErr := ParseBody(doc, ctype)
	feed, _, err := ParseNew(doc, ctype, nil)
	if (err == nil) != (fullErr == nil) {
		t.Fatalf("ParseNew error %v, ParseBody error %v", err, fullErr)
	}
	if err != nil {
		return
	}
	if feed == nil && len(full.Items) == 0 {
		return // no items: ParseNew returns no feed
	}
	if feed == nil || !reflect.DeepEqual(feed.Items, full.Items) {
		var got, want any = feed, full.Items
		if feed != nil && len(feed.Items) == len(full.Items) {
			for i := range feed.Items {
				if !reflect.DeepEqual(feed.Items[i], full.Items[i]) {
					got, want = *feed.Items[i], *full.Items[i]
					break
				}
			}
		}
		t.Fatalf("ParseNew's items differ from gofeed's:\ngot  %+v\nwant %+v", got, want)
	}
}

// TestLiftFallsBack covers documents where a lifted element is not read as
// a description: the parse is done again without lifting, and the result
// is gofeed's.
func TestLiftFallsBack(t *testing.T) {
	long := strings.Repeat("&lt;p&gt;text&lt;/p&gt; ", 20)
	docs := map[string]string{
		// content: bound to another namespace: gofeed keeps the element as
		// an extension, so its placeholder is not in Content.
		"foreign content prefix": `<rss version="2.0" xmlns:content="urn:other"><channel><item><title>a</title>` +
			"<content:encoded>" + long + "</content:encoded></item></channel></rss>",
		// two descriptions: gofeed keeps the last.
		"description twice": `<rss version="2.0"><channel><item><description>` + long + "</description>" +
			"<description>" + long + "x</description></item></channel></rss>",
		// the placeholders' prefix in the document: nothing is lifted.
		"prefix in the document": `<rss version="2.0"><channel><item><title>` + liftMark + `0z</title><description>` +
			long + "</description></item></channel></rss>",
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			compareWithGofeed(t, []byte(doc), "")
		})
	}
}

// FuzzLiftText compares ParseNew with lifting against gofeed on documents
// whose description and content:encoded hold the fuzzed text.
func FuzzLiftText(f *testing.F) {
	for _, s := range []string{
		"&lt;p&gt;a &amp;amp; b&lt;/p&gt;", "<![CDATA[x]]>y&amp;<![CDATA[z", "&#0;", "&#x1F600; &copy=1;",
		"]]>", "&" + strings.Repeat("b", 63) + ";", "a&b;c", "\u00a0", "&#xFFFF;", "&#9;&#10;&#13;", "&#x110000;",
		"<![CDATA[a]]]]><![CDATA[>b]]>", "&amp", "&AMP;", "&#39", "&lt;&gt", "a&#xA;b&#9;c&#13;d", "&#x1F;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		compareWithGofeed(t, []byte(liftDoc(text)), "")
	})
}

// TestParseNewLiftsCorpus checks, on every document of the shared corpus,
// that ParseNew's items — with the texts it lifts — are gofeed's, field
// for field, and reports how many texts were lifted.
func TestParseNewLiftsCorpus(t *testing.T) {
	dir := corpusDir(t)
	srv := serveCorpus(t, dir)
	f := testFetcher(FetcherOptions{MaxBody: 10 << 20, Timeout: 30 * time.Second})
	var docs, texts int
	for _, name := range corpusFiles(t, dir) {
		t.Run(name, func(t *testing.T) {
			res, err := f.Fetch(context.Background(), FetchRequest{URL: srv.URL + "/" + name})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			n := liftedCount(t, res.Body, res.ContentType)
			if n > 0 {
				docs++
				texts += n
			}
			compareWithGofeed(t, res.Body, res.ContentType)
		})
	}
	t.Logf("lifting: %d texts from %d documents of the corpus", texts, docs)
	if docs == 0 {
		t.Error("no corpus document had a text to lift")
	}
}

// BenchmarkParseNewLift measures ParseNew on the corpus documents whose
// items carry the most text, with three new items, against the same
// parse with lifting disabled (the placeholders' prefix put into the
// document, which stops lifting and changes nothing else gofeed reads: it
// goes into a comment after the root element).
func BenchmarkParseNewLift(b *testing.B) {
	dir := corpusDir(b)
	for _, name := range []string{"guardian_us_rss20.xml", "techcrunch_rss20_leading_ws.xml", "nixers_newsletter_rss20_bad_dates.xml"} {
		body, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Skipf("corpus file %s: %v", name, err)
		}
		_, hashes, err := ParseNew(body, "application/xml", nil)
		if err != nil {
			b.Fatal(err)
		}
		old := map[ItemHash]bool{}
		for _, h := range hashes[:len(hashes)-3] {
			old[h] = true
		}
		known := func(h ItemHash) bool { return old[h] }
		unlifted := append(bytes.Clone(body), []byte("<!-- "+liftMark+" -->")...)
		for _, side := range []struct {
			name string
			body []byte
		}{{"lift", body}, {"gofeed-baseline", unlifted}} {
			b.Run(name+"/"+side.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					feed, _, err := ParseNew(side.body, "application/xml", known)
					if err != nil || len(feed.Items) != 3 {
						b.Fatalf("%v, %d items", err, len(feed.Items))
					}
				}
			})
		}
	}
}
