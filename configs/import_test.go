package configs

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestAddFeeds(t *testing.T) {
	dir := copyFixtures(t, "good.yaml", "topics.good.yaml")
	path := filepath.Join(dir, "good.yaml")
	var calls []int
	res, err := AddFeeds(path, []Feed{
		{URL: "https://feeds.npr.org/1004/rss.xml", Title: "NPR"},
		{URL: "https://feeds.bbci.co.uk/news/world/rss.xml"},        // configured as bbc-world
		{URL: "http://www.aljazeera.com/xml/rss/all.xml"},           // http of a configured https URL
		{URL: "https://feeds.npr.org/1004/rss.xml"},                 // given twice
		{URL: "https://aljazeera.com/xml-rss-all.xml", Title: "AJ"}, // derives a taken id
		{URL: "/relative.xml"},
		{ID: "Bad Id", URL: "https://bad.example/rss"},
		{ID: "bbc-world", URL: "https://bbc.example/other.xml"}, // a given id that is taken
	}, func(done, total int) { calls = append(calls, done*100+total) })
	if err != nil {
		t.Fatalf("AddFeeds: %v", err)
	}
	wantAdded := []Feed{
		{ID: "feeds-npr-org-1004-rss-xml", URL: "https://feeds.npr.org/1004/rss.xml", Title: "NPR"},
		{ID: "aljazeera-com-xml-rss-all-xml-2", URL: "https://aljazeera.com/xml-rss-all.xml", Title: "AJ"},
		{ID: "bbc-world-2", URL: "https://bbc.example/other.xml"},
	}
	if !reflect.DeepEqual(res.Added, wantAdded) {
		t.Errorf("added\n%+v\nwant\n%+v", res.Added, wantAdded)
	}
	if got, want := len(res.Renamed), 2; got != want || res.Renamed[0].Taken != "aljazeera-com-xml-rss-all-xml" || res.Renamed[1].Taken != "bbc-world" {
		t.Errorf("renamed %+v, want the two taken ids", res.Renamed)
	}
	var reasons []string
	for _, s := range res.Skipped {
		reasons = append(reasons, s.Feed.URL+": "+s.Reason)
	}
	wantReasons := []string{
		`https://feeds.bbci.co.uk/news/world/rss.xml: already configured as "bbc-world"`,
		`http://www.aljazeera.com/xml/rss/all.xml: already configured as "aljazeera-com-xml-rss-all-xml"`,
		`https://feeds.npr.org/1004/rss.xml: already configured as "feeds-npr-org-1004-rss-xml"`,
		`/relative.xml: invalid feed URL "/relative.xml": want an absolute http or https URL`,
		`https://bad.example/rss: invalid feed id "Bad Id": want 1-64 characters of a-z, 0-9, _ and -`,
	}
	if !reflect.DeepEqual(reasons, wantReasons) {
		t.Errorf("skipped\n%s\nwant\n%s", strings.Join(reasons, "\n"), strings.Join(wantReasons, "\n"))
	}
	if want := []int{108, 208, 308, 408, 508, 608, 708, 808}; !reflect.DeepEqual(calls, want) {
		t.Errorf("progress calls %v, want %v", calls, want)
	}
	if got, want := feedIDs(t, path), []string{"bbc-world", "aljazeera-com-xml-rss-all-xml",
		"feeds-npr-org-1004-rss-xml", "aljazeera-com-xml-rss-all-xml-2", "bbc-world-2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("config ids %q, want %q", got, want)
	}
	if text := readString(t, path); !strings.Contains(text, "# a feed with everything set") {
		t.Errorf("the edit lost a comment:\n%s", text)
	}

	// Importing the same feeds again adds nothing and writes nothing.
	before := readString(t, path)
	res, err = AddFeeds(path, wantAdded, nil)
	if err != nil || len(res.Added) != 0 || len(res.Skipped) != 3 {
		t.Errorf("second import: %+v, %v; want all three skipped", res, err)
	}
	if readString(t, path) != before {
		t.Errorf("a no-op import rewrote the file")
	}
}

func TestAddFeedsRefusesBrokenConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "newswire.yaml")
	if err := os.WriteFile(path, []byte("polll:\n  interval: 1m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := AddFeeds(path, []Feed{{URL: "https://a.example/rss"}}, nil); err == nil || !strings.Contains(err.Error(), "polll: unknown key") {
		t.Errorf("got %v, want the config's own error", err)
	}
	if got := readString(t, path); got != "polll:\n  interval: 1m\n" {
		t.Errorf("file changed to %q", got)
	}
}

func TestUniqueFeedID(t *testing.T) {
	long := strings.Repeat("a", MaxFeedIDLen)
	tests := []struct {
		id    string
		taken []string
		want  string
	}{
		{"x", nil, "x"},
		{"x", []string{"x"}, "x-2"},
		{"x", []string{"x", "x-2", "x-3"}, "x-4"},
		{long, []string{long}, strings.Repeat("a", MaxFeedIDLen-2) + "-2"},
		{long[:62] + "-b", []string{long[:62] + "-b"}, long[:62] + "-2"}, // no "--" after a cut
	}
	for _, tt := range tests {
		taken := map[string]bool{}
		for _, id := range tt.taken {
			taken[id] = true
		}
		got := uniqueFeedID(tt.id, taken)
		if got != tt.want || !ValidFeedID(got) {
			t.Errorf("uniqueFeedID(%q, %q) = %q, want %q (valid)", tt.id, tt.taken, got, tt.want)
		}
	}
}

func TestReadOPMLMakesIDsUnique(t *testing.T) {
	doc := `<opml version="2.0"><body>
<outline xmlUrl="http://example.com/rss"/>
<outline xmlUrl="https://example.com/rss"/>
<outline xmlUrl="https://example.com/rss?x"/>
<outline xmlUrl="https://example.com/rss-x"/>
</body></opml>`
	got, err := ReadOPML(strings.NewReader(doc), "in.opml")
	if err != nil {
		t.Fatalf("ReadOPML: %v", err)
	}
	var ids []string
	for _, f := range got {
		ids = append(ids, f.ID)
	}
	if want := []string{"example-com-rss", "example-com-rss-2", "example-com-rss-x", "example-com-rss-x-2"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ids %q, want %q", ids, want)
	}
}

// nestedOPML returns an OPML document of n feeds filed in folders three
// levels deep, every tenth feed filed a second time in another folder, and
// a few URLs that derive the same id as another (http vs https, "." vs "-").
func nestedOPML(n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<opml version=\"2.0\"><head><title>big</title></head><body>\n")
	per := 10
	for i := 0; i < n; {
		fmt.Fprintf(&b, "<outline text=\"Region %d\"><outline text=\"Country %d\"><outline text=\"City %d\">\n", i/1000, i/100, i/per)
		for j := 0; j < per && i < n; j, i = j+1, i+1 {
			u := fmt.Sprintf("https://host%d.example/news/feed.%d.xml", i%97, i)
			switch {
			case i%500 == 1:
				u = fmt.Sprintf("http://host%d.example/news/feed-%d-xml", (i-1)%97, i-1) // derives feed i-1's id
			case i%500 == 2:
				u = fmt.Sprintf("https://host%d.example/news/feed.%d.xml?&lt;x&gt;=1&amp;b=%%22", i%97, i)
			}
			fmt.Fprintf(&b, "<outline type=\"rss\" text=\"Feed &amp; %d\" xmlUrl=\"%s\"/>\n", i, u)
			if i%10 == 0 {
				fmt.Fprintf(&b, "</outline><outline text=\"Also %d\"><outline type=\"rss\" text=\"again\" xmlUrl=\"%s\"/>\n", i, u)
			}
		}
		b.WriteString("</outline></outline></outline>\n")
	}
	b.WriteString("</body></opml>\n")
	return b.String()
}

func TestAddFeedsThousandsFromNestedOPML(t *testing.T) {
	const n = 5000
	feeds, err := ReadOPML(strings.NewReader(nestedOPML(n)), "big.opml")
	if err != nil {
		t.Fatalf("ReadOPML: %v", err)
	}
	if len(feeds) != n {
		t.Fatalf("ReadOPML read %d feeds, want %d (each once)", len(feeds), n)
	}
	dir := copyFixtures(t, "minimal.yaml")
	path := filepath.Join(dir, "minimal.yaml")
	res, err := AddFeeds(path, feeds, nil)
	if err != nil {
		t.Fatalf("AddFeeds: %v", err)
	}
	if len(res.Added) != n || len(res.Skipped) != 0 {
		t.Errorf("added %d, skipped %d (%+v), want %d added", len(res.Added), len(res.Skipped), res.Skipped[:min(3, len(res.Skipped))], n)
	}
	cfg, err := Load(path, nil)
	if err != nil {
		t.Fatalf("Load after import: %v", err)
	}
	if got := len(cfg.Feeds); got != n+1 {
		t.Errorf("config has %d feeds, want %d", got, n+1)
	}
	seen := map[string]bool{}
	for _, f := range cfg.Feeds {
		if seen[f.ID] || !ValidFeedID(f.ID) {
			t.Fatalf("feed id %q repeated or invalid", f.ID)
		}
		seen[f.ID] = true
	}
	if f := cfg.Feeds[3]; f.URL != "https://host2.example/news/feed.2.xml?<x>=1&b=%22" || f.Title != "Feed & 2" {
		t.Errorf("feed 2 = %+v, want its URL and title unescaped", f)
	}
}
