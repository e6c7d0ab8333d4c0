package configs

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestReadOPML(t *testing.T) {
	f, err := os.Open("testdata/feeds.opml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadOPML(f, "feeds.opml")
	if err != nil {
		t.Fatalf("ReadOPML: %v", err)
	}
	// Folders are flattened and the feed filed twice is read once.
	want := []Feed{
		{ID: "example-com-a-xml", URL: "https://example.com/a.xml", Title: "Text only"},
		{ID: "example-com-b-xml", URL: "https://example.com/b.xml", Title: "Titled"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestReadOPMLExample(t *testing.T) {
	f, err := os.Open("feeds.example.opml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadOPML(f, "feeds.example.opml")
	if err != nil {
		t.Fatalf("ReadOPML: %v", err)
	}
	if len(got) < 3 {
		t.Errorf("got %d feeds, want at least 3", len(got))
	}
}

func TestReadOPMLErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"not xml", "hello", `in.opml: not an OPML document (no elements)`},
		{"rss, not opml", `<rss version="2.0"><channel/></rss>`, `in.opml:1: not an OPML document (root element <rss>)`},
		{"broken xml", "<opml>\n<body>\n<outline text='x'>\n</body></opml>", `in.opml:4: invalid XML: element <outline> closed by </body>`},
		{"bad url", "<opml><body>\n<outline/>\n<outline xmlUrl='/relative.xml'/>\n</body></opml>",
			`in.opml:3: outline 2: invalid feed URL "/relative.xml": want an absolute http or https URL`},
		{"missing xmlUrl", "<opml><body>\n<outline type='atom' text='x'/>\n</body></opml>", `in.opml:2: outline 1: type "atom" outline without xmlUrl`},
		{"unknown charset", `<?xml version="1.0" encoding="koi8-r"?><opml/>`,
			`in.opml: unsupported encoding "koi8-r": convert the file to UTF-8`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feeds, err := ReadOPML(strings.NewReader(tt.doc), "in.opml")
			if err == nil {
				t.Fatalf("got %+v and no error, want %q", feeds, tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got error\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestReadOPMLLatin1(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<opml version=\"1.0\"><body>" +
		"<outline text=\"Le Monde \xe0 l'international\" xmlUrl=\"https://www.lemonde.fr/international/rss_full.xml\"/>" +
		"</body></opml>"
	got, err := ReadOPML(strings.NewReader(doc), "latin1.opml")
	if err != nil {
		t.Fatalf("ReadOPML: %v", err)
	}
	if len(got) != 1 || got[0].Title != "Le Monde à l'international" {
		t.Errorf("got %+v, want one feed titled %q", got, "Le Monde à l'international")
	}
}

func TestOPMLRoundTrip(t *testing.T) {
	feeds := []Feed{
		{ID: "feeds-bbci-co-uk-news-world-rss-xml", URL: "https://feeds.bbci.co.uk/news/world/rss.xml", Title: "BBC News – World"},
		{ID: "example-com-rss-php-a-1-b-2", URL: "https://example.com/rss.php?a=1&b=2", Title: `Quotes "and" <angles>`},
	}
	var buf bytes.Buffer
	if err := WriteOPML(&buf, "my feeds", feeds); err != nil {
		t.Fatalf("WriteOPML: %v", err)
	}
	got, err := ReadOPML(&buf, "export.opml")
	if err != nil {
		t.Fatalf("ReadOPML: %v\n%s", err, buf.String())
	}
	if !reflect.DeepEqual(got, feeds) {
		t.Errorf("got %+v, want %+v", got, feeds)
	}
}

func TestWriteOPML(t *testing.T) {
	var buf bytes.Buffer
	err := WriteOPML(&buf, "newswire", []Feed{
		{ID: "bbc", URL: "https://feeds.bbci.co.uk/news/world/rss.xml", Title: "BBC"},
		{ID: "npr", URL: "https://feeds.npr.org/1004/rss.xml"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head>
    <title>newswire</title>
  </head>
  <body>
    <outline type="rss" text="BBC" title="BBC" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"></outline>
    <outline type="rss" text="npr" xmlUrl="https://feeds.npr.org/1004/rss.xml"></outline>
  </body>
</opml>
`
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
