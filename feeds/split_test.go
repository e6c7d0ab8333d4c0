package feeds

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const (
	rssHead = `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title><link>https://example.com/news/</link>` + "\n"
	rssTail = "\n<atom:link href=\"https://example.com/feed\" rel=\"self\" xmlns:atom=\"http://www.w3.org/2005/Atom\"/></channel></rss>\n"
)

func TestSplitItems(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    []string // the items' raw bytes
		wantErr error
	}{
		{
			name: "rss 2.0",
			doc:  rssHead + "<item><title>a</title></item>\n  <item>\n<title>b</title></item>" + rssTail,
			want: []string{"<item><title>a</title></item>", "<item>\n<title>b</title></item>"},
		},
		{
			name: "CDATA containing item tags",
			doc:  rssHead + "<item><description><![CDATA[<item>x</item> </item> <item>]]></description></item><item><title>b</title></item>" + rssTail,
			want: []string{"<item><description><![CDATA[<item>x</item> </item> <item>]]></description></item>", "<item><title>b</title></item>"},
		},
		{
			name: "comments containing item tags",
			doc:  rssHead + "<!-- <item> --><item><title>a</title><!-- </item> --></item><!--</channel><item>-->" + rssTail,
			want: []string{"<item><title>a</title><!-- </item> --></item>"},
		},
		{
			name: "nested item-named elements",
			doc: rssHead + `<item><title>a</title><media:group><media:item>m</media:item></media:group>` +
				`<item xmlns="urn:ext"><item>deep</item></item></item><item><title>b</title></item>` + rssTail,
			want: []string{`<item><title>a</title><media:group><media:item>m</media:item></media:group><item xmlns="urn:ext"><item>deep</item></item></item>`, "<item><title>b</title></item>"},
		},
		{
			name: "self-closing item",
			doc:  rssHead + "<item/><item /><item><title>c</title></item>" + rssTail,
			want: []string{"<item/>", "<item />", "<item><title>c</title></item>"},
		},
		{
			name: "'>' and '/>' inside attribute values",
			doc:  rssHead + `<item><enclosure url="https://example.com/a?b>c/>" type="image/png"/><title a='/>'>t</title></item>` + rssTail,
			want: []string{`<item><enclosure url="https://example.com/a?b>c/>" type="image/png"/><title a='/>'>t</title></item>`},
		},
		{
			name: "item names compared without case, as gofeed does",
			doc:  `<RSS><Channel><Item><title>a</title></Item></Channel></RSS>`,
			want: []string{"<Item><title>a</title></Item>"},
		},
		{
			name: "items only where gofeed looks for them",
			doc:  `<rss><channel><image><item>no</item></image><item>yes</item></channel><other><item>no</item></other><item>root</item></rss>`,
			want: []string{"<item>yes</item>", "<item>root</item>"},
		},
		{
			name: "rss 1.0 with items after the channel",
			doc: `<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY e "<item>">]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">` +
				`<channel rdf:about="https://example.com/"><title>T</title><items><rdf:Seq><rdf:li rdf:resource="https://example.com/1"/></rdf:Seq></items></channel>` +
				`<item rdf:about="https://example.com/1"><title>a</title></item><item rdf:about="https://example.com/2"><title>b</title></item></rdf:RDF>`,
			want: []string{`<item rdf:about="https://example.com/1"><title>a</title></item>`, `<item rdf:about="https://example.com/2"><title>b</title></item>`},
		},
		{
			name: "atom",
			doc:  `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.com/blog/"><title>T</title><entry><title>a</title></entry><entry><title>b</title><source><entry>x</entry></source></entry></feed>`,
			want: []string{"<entry><title>a</title></entry>", "<entry><title>b</title><source><entry>x</entry></source></entry>"},
		},
		{
			name: "prefixed items, whatever their namespace",
			doc: `<atom:feed xmlns:atom="http://www.w3.org/2005/Atom" xmlns:x="urn:x"><atom:title>T</atom:title>` +
				`<atom:entry><atom:title>a</atom:title></atom:entry><x:entry>ext</x:entry><item>not atom</item></atom:feed>`,
			want: []string{"<atom:entry><atom:title>a</atom:title></atom:entry>", "<x:entry>ext</x:entry>"},
		},
		{
			name: "nothing after the root is read",
			doc:  rssHead + "<item>a</item>" + rssTail + "<item>junk</item><unclosed",
			want: []string{"<item>a</item>"},
		},
		{name: "no items", doc: rssHead + rssTail, want: nil},
		{name: "empty root", doc: `<?xml version="1.0"?><rss version="2.0"/>`, want: nil},
		{name: "truncated mid-item", doc: rssHead + "<item><title>a</title></item><item><title>b", wantErr: errSplitTruncated},
		{name: "truncated in a tag", doc: rssHead + `<item><link href="https://exa`, wantErr: errSplitUnclosed},
		{name: "unterminated CDATA", doc: rssHead + "<item><description><![CDATA[ </item></channel></rss>", wantErr: errSplitUnclosed},
		{name: "unterminated comment", doc: rssHead + "<item><!-- </item></channel></rss>", wantErr: errSplitUnclosed},
		{name: "mismatched end tag", doc: rssHead + "<item><title>a</b></item>" + rssTail, wantErr: errSplitMismatch},
		{name: "bare '<' in text", doc: rssHead + "<item><title>a < b</title></item>" + rssTail, wantErr: errSplitBadTag},
		{name: "html", doc: `<html><body><item>a</item></body></html>`, wantErr: errSplitRoot},
		{name: "json feed", doc: ` {"version": "https://jsonfeed.org/version/1.1", "items": [{"content_html": "<rss><item>"}]}`, wantErr: errSplitJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spans, _, err := splitItems([]byte(tt.doc))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("splitItems error = %v, want %v", err, tt.wantErr)
			}
			var got []string
			for _, s := range spans {
				got = append(got, tt.doc[s.start:s.end])
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("items:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRebuild(t *testing.T) {
	doc := rssHead + "<item>a</item>\n<item>b</item>\n<item>c</item>" + rssTail
	spans, _, err := splitItems([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	got := string(rebuild([]byte(doc), spans, []bool{false, true, false}, nil))
	if want := rssHead + "\n<item>b</item>\n" + rssTail; got != want {
		t.Errorf("rebuild = %q, want %q", got, want)
	}
}

// TestItemHashStable pins the hash of one item: hashes are stored between
// polls and across restarts, so changing them makes every item look new.
func TestItemHashStable(t *testing.T) {
	if got, want := itemHash([]byte("<item><title>a</title></item>")).String(), "e1b7166752e7adae"; got != want {
		t.Errorf("itemHash = %q, want %q", got, want)
	}
	feed, hashes, err := ParseNew([]byte(rssHead+"<item><title>a</title></item>"+rssTail), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(hashes) != 1 || hashes[0].String() != "e1b7166752e7adae" {
		t.Errorf("ParseNew hashes = %v, want [e1b7166752e7adae]", hashes)
	}
	if len(feed.Items) != 1 {
		t.Errorf("a nil known knows nothing: got %d items, want 1", len(feed.Items))
	}
}

// knowAllBut returns a known func that knows every hash but the one of raw.
func knowAllBut(raw string) func(ItemHash) bool {
	h := itemHash([]byte(raw))
	return func(x ItemHash) bool { return x != h }
}

func TestParseNewKeepsTheFeedContext(t *testing.T) {
	src := FeedRef{ID: "f", URL: "https://example.com/feed.xml"}
	tests := []struct {
		name, doc, item string
		wantURL         string
	}{
		{
			name:    "atom xml:base on the root",
			doc:     `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.com/blog/"><title>T</title><entry><title>a</title><link href="one"/></entry><entry><title>b</title><link href="two"/></entry></feed>`,
			item:    `<entry><title>b</title><link href="two"/></entry>`,
			wantURL: "https://example.com/blog/two",
		},
		{
			name:    "rss channel link",
			doc:     `<rss version="2.0"><channel><title>T</title><link>https://example.com/news/</link><item><title>a</title><link>/a</link></item><item><title>b</title><link>b</link></item></channel></rss>`,
			item:    `<item><title>b</title><link>b</link></item>`,
			wantURL: "https://example.com/news/b",
		},
		{
			name:    "prefixed atom entries",
			doc:     `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:atom="http://www.w3.org/2005/Atom"><title>T</title><link href="https://example.com/"/><entry><title>a</title></entry><atom:entry><atom:title>b</atom:title><atom:link href="b"/></atom:entry></feed>`,
			item:    `<atom:entry><atom:title>b</atom:title><atom:link href="b"/></atom:entry>`,
			wantURL: "https://example.com/b",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			full, err := ParseBody([]byte(tt.doc), "")
			if err != nil {
				t.Fatal(err)
			}
			feed, hashes, err := ParseNew([]byte(tt.doc), "", knowAllBut(tt.item))
			if err != nil {
				t.Fatal(err)
			}
			if len(hashes) != 2 {
				t.Errorf("%d hashes, want 2", len(hashes))
			}
			got := normalised(src, feed)
			if len(got) != 1 || got[0].URL != tt.wantURL {
				t.Fatalf("got %+v, want one article with URL %s", got, tt.wantURL)
			}
			if want := normalised(src, full)[1]; !reflect.DeepEqual(got[0], want) {
				t.Errorf("got %+v, want the full parse's %+v", got[0], want)
			}
		})
	}
}

func TestParseNewExtensionNamedEntry(t *testing.T) {
	// x:entry is an extension to gofeed, not an entry; the split counts it,
	// and cutting it out or keeping it changes no article.
	doc := `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:x="urn:x"><title>T</title><entry><title>a</title><link href="https://example.com/a"/></entry><x:entry>ext</x:entry></feed>`
	feed, hashes, err := ParseNew([]byte(doc), "", knowAllBut("<x:entry>ext</x:entry>"))
	if err != nil {
		t.Fatal(err)
	}
	if len(hashes) != 2 || feed == nil || len(feed.Items) != 0 {
		t.Errorf("ParseNew = %v with %d hashes, want a feed without items and 2 hashes", feed, len(hashes))
	}
}

func TestParseNewFallsBack(t *testing.T) {
	tests := []struct {
		name, doc, ctype string
		wantItems        int // items ParseNew returns with nothing known, -1 for an error
	}{
		{"truncated mid-item", rssHead + "<item><title>a</title></item><item><title>b", "", -1},
		{"unclosed html tag", rssHead + "<item><title>a</title><description>x<br>y</description></item><item><title>c</title></item>" + rssTail, "", 2},
		{"json feed", `{"version": "https://jsonfeed.org/version/1.1", "title": "T", "items": [{"id": "1", "title": "a"}, {"id": "2", "title": "b"}]}`, "application/feed+json", 2},
		{"empty channel", rssHead + rssTail, "", 0},
		{"html", `<html><body><item>a</item></body></html>`, "text/html", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			full, fullErr := ParseBody([]byte(tt.doc), tt.ctype)
			feed, hashes, err := ParseNew([]byte(tt.doc), tt.ctype, knowNone)
			if tt.wantItems < 0 {
				if err == nil || fullErr == nil || err.Error() != fullErr.Error() {
					t.Fatalf("ParseNew error %v, want ParseBody's %v", err, fullErr)
				}
				if hashes != nil {
					t.Errorf("hashes %q with an error, want none", hashes)
				}
				return
			}
			if err != nil || fullErr != nil {
				t.Fatalf("ParseNew: %v, ParseBody: %v", err, fullErr)
			}
			if len(hashes) != tt.wantItems || len(full.Items) != tt.wantItems {
				t.Fatalf("%d hashes, %d items in the full parse, want %d", len(hashes), len(full.Items), tt.wantItems)
			}
			if tt.wantItems == 0 {
				if feed != nil {
					t.Errorf("feed %+v, want nil: nothing is new", feed)
				}
				return
			}
			if !reflect.DeepEqual(feed.Items, full.Items) {
				t.Errorf("nothing known: items differ from the full parse")
			}
			// The whole-document hashes still tell items apart.
			feed, _, err = ParseNew([]byte(tt.doc), tt.ctype, func(h ItemHash) bool { return h != hashes[1] })
			if err != nil || feed == nil || !reflect.DeepEqual(feed.Items, full.Items[1:2]) {
				t.Errorf("second item unknown: got %+v, %v, want just it", feed, err)
			}
			if feed, _, _ := ParseNew([]byte(tt.doc), tt.ctype, knowAll); feed != nil {
				t.Errorf("everything known: feed %+v, want nil", feed)
			}
		})
	}
}

func TestParseNewGuards(t *testing.T) {
	// The guards see the whole document before the split: a hostile item
	// is refused even when it is known and would never be parsed.
	deep := rssHead + "<item><title>a</title></item><item>" + strings.Repeat("<e>", MaxDepth+1) +
		strings.Repeat("</e>", MaxDepth+1) + "</item>" + rssTail
	for name, known := range map[string]func(ItemHash) bool{"nothing known": knowNone, "everything known": knowAll} {
		feed, hashes, err := ParseNew([]byte(deep), "", known)
		if ClassOf(err) != ClassParse || !strings.Contains(err.Error(), "nested more than") {
			t.Errorf("%s: ParseNew = %v, %d hashes, %v; want the depth guard's parse error", name, feed, len(hashes), err)
		}
	}
	var err error
	alloc, took := measure(func() { _, _, err = ParseNew(manyCDATA(120_000), "", knowAll) })
	checkHostile(t, err, ClassParse, alloc, took)
}

// FuzzParseNew checks that the split never panics, returns ordered spans
// within the document, and that with nothing known ParseNew reads a document
// exactly as ParseBody does.
func FuzzParseNew(f *testing.F) {
	f.Add(rssHead + "<item><title>a</title><!-- </item> --></item><item/>" + rssTail)
	f.Add(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>a</title><source><entry/></source></entry><x:entry/></feed>`)
	f.Add(`<rdf:RDF><channel></channel><item><title><![CDATA[</item>]]></title></item></rdf:RDF>`)
	f.Add(rssHead + "<item><description>x<br>y</description></item>" + rssTail)
	f.Fuzz(func(t *testing.T, doc string) {
		spans, _, err := splitItems([]byte(doc))
		prev := 0
		for _, s := range spans {
			if s.start < prev || s.end <= s.start || s.end > len(doc) || doc[s.start] != '<' || doc[s.end-1] != '>' {
				t.Fatalf("bad span %v after %d in %q (err %v)", s, prev, doc, err)
			}
			prev = s.end
		}
		full, fullErr := ParseBody([]byte(doc), "")
		feed, _, err := ParseNew([]byte(doc), "", nil)
		if (err == nil) != (fullErr == nil) {
			t.Fatalf("ParseNew error %v, ParseBody error %v", err, fullErr)
		}
		if err != nil || feed == nil {
			return
		}
		if !reflect.DeepEqual(feed.Items, full.Items) {
			t.Fatalf("ParseNew items differ from ParseBody's for %q", doc)
		}
	})
}
