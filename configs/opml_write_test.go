package configs

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// exportedOPML is what a feed reader's importer reads from an OPML 2.0
// export: a head with a title, and outlines (perhaps nested) with text,
// title, type and xmlUrl attributes.
type exportedOPML struct {
	XMLName xml.Name `xml:"opml"`
	Version string   `xml:"version,attr"`
	Head    struct {
		Title string `xml:"title"`
	} `xml:"head"`
	Outlines []exportedOutline `xml:"body>outline"`
}

type exportedOutline struct {
	Type     string            `xml:"type,attr"`
	Text     string            `xml:"text,attr"`
	Title    string            `xml:"title,attr"`
	XMLURL   string            `xml:"xmlUrl,attr"`
	Outlines []exportedOutline `xml:"outline"`
}

func TestWriteOPMLNastyInput(t *testing.T) {
	feeds := []Feed{
		{ID: "amp", URL: "https://example.com/rss.php?a=1&b=2&c=<3>", Title: `Tom & Jerry's <b>"News"</b> ]]> --> &amp;`},
		{ID: "quote", URL: `https://example.com/q"uote'/feed?x="y"`, Title: "line one\nline\ttwo\r"},
		{ID: "unicode", URL: "https://例え.jp/フィード?q=ü", Title: "Новости 🌍 أخبار"},
		{ID: "control", URL: "https://example.com/c", Title: "bell\x07 nul\x00 bad\xff utf8"},
		{ID: "untitled", URL: "https://example.com/untitled"},
	}
	var buf bytes.Buffer
	if err := WriteOPML(&buf, `Tom & Jerry's "feeds" <export>`, feeds); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, `<?xml version="1.0" encoding="UTF-8"?>`+"\n") {
		t.Errorf("no XML declaration naming UTF-8:\n%s", out)
	}
	for _, raw := range []string{"&b=", "<3>", `"News"`, "]]>", "\x07", "\x00", "\xff", "\n line"} {
		if strings.Contains(out[strings.Index(out, "<body>"):], raw) {
			t.Errorf("the body contains %q unescaped:\n%s", raw, out)
		}
	}

	// A strict XML decoder (Miniflux and FreshRSS use one) reads it.
	var doc exportedOPML
	dec := xml.NewDecoder(strings.NewReader(out))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("not well-formed XML: %v\n%s", err, out)
	}
	if doc.Version != "2.0" || doc.Head.Title != `Tom & Jerry's "feeds" <export>` || len(doc.Outlines) != len(feeds) {
		t.Fatalf("got version %q, title %q, %d outlines", doc.Version, doc.Head.Title, len(doc.Outlines))
	}
	wantTitles := []string{feeds[0].Title, feeds[1].Title, feeds[2].Title, "bell\uFFFD nul\uFFFD bad\uFFFD utf8", ""}
	for i, o := range doc.Outlines {
		f := feeds[i]
		// OPML 2.0: every outline has text; a subscription has type "rss"
		// and xmlUrl (used as is by importers, so it must be exact).
		if o.Type != "rss" || o.Text == "" || o.XMLURL != f.URL || o.Title != wantTitles[i] || len(o.Outlines) != 0 {
			t.Errorf("outline %d = %+v\nwant type rss, text, title %q, xmlUrl %q", i, o, wantTitles[i], f.URL)
		}
	}

	// And newswire reads back what it wrote, ids included (derived anew).
	got, err := ReadOPML(strings.NewReader(out), "export.opml")
	if err != nil {
		t.Fatalf("ReadOPML: %v", err)
	}
	for i := range got {
		if got[i].URL != feeds[i].URL || got[i].ID != FeedIDFromURL(feeds[i].URL) {
			t.Errorf("read back %+v, want URL %q", got[i], feeds[i].URL)
		}
	}
}

// TestOPMLRoundTripConfig exports a config's feeds and imports them into an
// empty config: same URLs, titles and ids.
func TestOPMLRoundTripConfig(t *testing.T) {
	cfg, err := Load("newswire.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteOPML(&buf, "newswire feeds", cfg.Feeds); err != nil {
		t.Fatal(err)
	}
	read, err := ReadOPML(&buf, "export.opml")
	if err != nil {
		t.Fatalf("ReadOPML: %v\n%s", err, buf.String())
	}
	path := filepath.Join(t.TempDir(), "newswire.yaml")
	if err := os.WriteFile(path, []byte("feeds: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := AddFeeds(path, read, nil); err != nil {
		t.Fatal(err)
	}
	again, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ URL, Title string }
	var want, got []key
	for _, f := range cfg.Feeds {
		// OPML needs a text for every outline: an untitled feed is
		// exported, and so read back, with its id as its title.
		want = append(want, key{f.URL, cmp.Or(f.Title, f.ID)})
	}
	for _, f := range again.Feeds {
		got = append(got, key{f.URL, f.Title})
	}
	if len(got) < 3 || !reflect.DeepEqual(got, want) {
		t.Errorf("after export and import\n%+v\nwant\n%+v", got, want)
	}
}
