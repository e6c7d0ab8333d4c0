package feeds

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var fetchedAt = time.Date(2024, 5, 6, 7, 8, 9, 0, time.FixedZone("CEST", 2*3600))

const rssFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Example &amp; Co &lt;b&gt;News&lt;/b&gt;</title>
  <link>https://www.example.com/news/</link>
  <language>en-US</language>
  <managingEditor>editor@example.com (The Editor)</managingEditor>
  <item>
    <title>Ceasefire &lt;i&gt;agreed&lt;/i&gt; in &amp;quot;talks&amp;quot;</title>
    <link>https://WWW.Example.com/news/ceasefire?utm_source=rss&amp;id=42#comments</link>
    <guid isPermaLink="false">urn:example:42</guid>
    <description><![CDATA[<p>Negotiators met in <b>Cairo</b>.</p><script>track()</script>]]></description>
    <pubDate>Mon, 06 May 2024 09:30:00 +0200</pubDate>
    <dc:creator>Jane Doe</dc:creator>
    <category>World</category>
    <category>World</category>
    <category> Middle East </category>
    <enclosure url="/img/cairo.jpg" type="image/jpeg" length="1234"/>
  </item>
  <item>
    <title>Relative link, content only</title>
    <link>2024/05/relative.html</link>
    <content:encoded><![CDATA[<p>` + "LONGCONTENT" + `</p>]]></content:encoded>
  </item>
  <item>
    <description>   </description>
  </item>
  <item>
    <guid>https://www.example.com/news/permalink-only</guid>
    <title>Permalink GUID</title>
  </item>
</channel>
</rss>`

const atomFeed = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">Atom &lt;em&gt;Example&lt;/em&gt;</title>
  <link href="https://blog.example.org/"/>
  <id>urn:uuid:feed</id>
  <updated>2024-05-01T10:00:00Z</updated>
  <author><name>Feed Author</name></author>
  <entry>
    <title>Only updated</title>
    <link href="/posts/1?fbclid=xyz"/>
    <id>tag:blog.example.org,2024:1</id>
    <updated>2024-05-01T10:00:00-05:00</updated>
    <summary type="html">&lt;p&gt;Summary &amp;amp; more&lt;/p&gt;</summary>
    <content type="html">&lt;p&gt;Full &lt;b&gt;content&lt;/b&gt;&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Own author</title>
    <link href="https://blog.example.org/posts/2"/>
    <id>tag:blog.example.org,2024:2</id>
    <published>2024-04-30T08:00:00+09:00</published>
    <updated>2024-05-01T08:00:00+09:00</updated>
    <author><name>Guest Writer</name></author>
  </entry>
</feed>`

const jsonFeed = `{
  "version": "https://jsonfeed.org/version/1.1",
  "title": "JSON Example",
  "home_page_url": "https://json.example.net/",
  "language": "de-DE",
  "items": [
    {
      "id": "item-1",
      "url": "https://json.example.net/a?b=2&a=1&gclid=9",
      "title": "Grüße &amp; mehr",
      "content_html": "<p>Hallo <em>Welt</em></p>",
      "date_published": "2024-05-02T12:00:00+02:00",
      "authors": [{"name": "Max Mustermann"}],
      "tags": ["Politik", "Welt"],
      "image": "https://json.example.net/img.png"
    },
    {
      "id": "",
      "content_text": "No title, no url, only text."
    }
  ]
}`

func parseString(t *testing.T, s string) []Article {
	t.Helper()
	feed, err := Parse(strings.NewReader(s))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	src := FeedRef{ID: "example", URL: "https://www.example.com/feeds/main.xml"}
	return Normalise(src, feed, fetchedAt)
}

func TestNormaliseRSS(t *testing.T) {
	long := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 100)
	arts := parseString(t, strings.Replace(rssFeed, "LONGCONTENT", long, 1))
	if len(arts) != 3 {
		t.Fatalf("got %d articles, want 3 (the empty item skipped): %+v", len(arts), arts)
	}
	a := arts[0]
	checks := []struct{ field, got, want string }{
		{"Schema", a.Schema, SchemaV1},
		{"Feed.ID", a.Feed.ID, "example"},
		{"Feed.Title", a.Feed.Title, "Example & Co News"},
		{"GUID", a.GUID, "urn:example:42"},
		{"URL", a.URL, "https://www.example.com/news/ceasefire?id=42"},
		{"Title", a.Title, `Ceasefire agreed in "talks"`},
		{"Summary", a.Summary, "Negotiators met in Cairo."},
		{"Language", a.Language, "en-us"},
		{"Image", a.Image, "https://www.example.com/img/cairo.jpg"},
		{"PublishedAt", a.PublishedAt.Format(time.RFC3339), "2024-05-06T07:30:00Z"},
		{"FetchedAt", a.FetchedAt.Format(time.RFC3339), "2024-05-06T05:08:09Z"},
		{"ID", a.ID, ArticleID("example", "urn:example:42", "", "", time.Time{})},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("article 0 %s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if a.PublishedAt.Location() != time.UTC || a.FetchedAt.Location() != time.UTC {
		t.Errorf("times not in UTC: published %v, fetched %v", a.PublishedAt.Location(), a.FetchedAt.Location())
	}
	if got, want := a.Authors, []string{"Jane Doe"}; !slices.Equal(got, want) {
		t.Errorf("Authors = %q, want %q", got, want)
	}
	if got, want := a.Categories, []string{"World", "Middle East"}; !slices.Equal(got, want) {
		t.Errorf("Categories = %q, want %q", got, want)
	}
	if a.Dedupe != nil || a.Topics != nil {
		t.Errorf("Dedupe = %v, Topics = %v, want both nil", a.Dedupe, a.Topics)
	}

	b := arts[1]
	if want := "https://www.example.com/news/2024/05/relative.html"; b.URL != want {
		t.Errorf("relative link: URL = %q, want %q", b.URL, want)
	}
	if !b.PublishedAt.IsZero() || !b.UpdatedAt.IsZero() {
		t.Errorf("undated item: PublishedAt = %v, UpdatedAt = %v, want zero", b.PublishedAt, b.UpdatedAt)
	}
	if n := utf8.RuneCountInString(b.Summary); n > SummaryMaxRunes || n < SummaryMaxRunes/2 {
		t.Errorf("summary from content has %d runes, want at most %d and not much less", n, SummaryMaxRunes)
	}
	if !strings.HasSuffix(b.Summary, "…") || !strings.HasPrefix(b.Summary, "The quick brown fox") {
		t.Errorf("summary = %q, want the content's start ending in …", b.Summary)
	}
	if !strings.Contains(b.ContentHTML, "<p>The quick") {
		t.Errorf("ContentHTML = %.40q…, want the content as given", b.ContentHTML)
	}
	if len(b.Authors) != 0 {
		t.Errorf("RSS item without author got Authors = %q; managingEditor is not an author", b.Authors)
	}
	if want := ArticleID("example", "", b.URL, "", time.Time{}); b.ID != want {
		t.Errorf("ID without GUID = %q, want the URL identity %q", b.ID, want)
	}

	if want := "https://www.example.com/news/permalink-only"; arts[2].URL != want {
		t.Errorf("permalink guid: URL = %q, want %q", arts[2].URL, want)
	}
}

func TestNormaliseAtom(t *testing.T) {
	arts := parseString(t, atomFeed)
	if len(arts) != 2 {
		t.Fatalf("got %d articles, want 2", len(arts))
	}
	a, b := arts[0], arts[1]
	checks := []struct{ field, got, want string }{
		{"Feed.Title", a.Feed.Title, "Atom Example"},
		{"URL", a.URL, "https://blog.example.org/posts/1"},
		{"Summary", a.Summary, "Summary & more"},
		{"ContentHTML", a.ContentHTML, "<p>Full <b>content</b></p>"},
		{"PublishedAt (from updated)", a.PublishedAt.Format(time.RFC3339), "2024-05-01T15:00:00Z"},
		{"UpdatedAt", a.UpdatedAt.Format(time.RFC3339), "2024-05-01T15:00:00Z"},
		{"b PublishedAt", b.PublishedAt.Format(time.RFC3339), "2024-04-29T23:00:00Z"},
		{"b UpdatedAt", b.UpdatedAt.Format(time.RFC3339), "2024-04-30T23:00:00Z"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if got, want := a.Authors, []string{"Feed Author"}; !slices.Equal(got, want) {
		t.Errorf("inherited Authors = %q, want %q", got, want)
	}
	if got, want := b.Authors, []string{"Guest Writer"}; !slices.Equal(got, want) {
		t.Errorf("own Authors = %q, want %q", got, want)
	}
}

func TestNormaliseJSONFeed(t *testing.T) {
	arts := parseString(t, jsonFeed)
	if len(arts) != 2 {
		t.Fatalf("got %d articles, want 2", len(arts))
	}
	a, b := arts[0], arts[1]
	checks := []struct{ field, got, want string }{
		{"Feed.Title", a.Feed.Title, "JSON Example"},
		{"GUID", a.GUID, "item-1"},
		{"URL", a.URL, "https://json.example.net/a?a=1&b=2"},
		{"Title", a.Title, "Grüße & mehr"},
		{"Summary", a.Summary, "Hallo Welt"},
		{"Language", a.Language, "de-de"},
		{"Image", a.Image, "https://json.example.net/img.png"},
		{"PublishedAt", a.PublishedAt.Format(time.RFC3339), "2024-05-02T10:00:00Z"},
		{"b Summary", b.Summary, "No title, no url, only text."},
		{"b Title", b.Title, ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if got, want := a.Categories, []string{"Politik", "Welt"}; !slices.Equal(got, want) {
		t.Errorf("Categories = %q, want %q", got, want)
	}
	if want := ArticleID("example", "", "", "", time.Time{}); b.ID != want {
		t.Errorf("b.ID = %q, want the title+date identity %q", b.ID, want)
	}
}

func TestNormaliseKeepsGivenFeedTitle(t *testing.T) {
	feed, err := Parse(strings.NewReader(atomFeed))
	if err != nil {
		t.Fatal(err)
	}
	arts := Normalise(FeedRef{ID: "x", Title: "My name for it", URL: "https://blog.example.org/feed"}, feed, fetchedAt)
	if got := arts[0].Feed.Title; got != "My name for it" {
		t.Errorf("Feed.Title = %q, want the configured %q", got, "My name for it")
	}
}

// Polling the same document twice, at different times, must give the same
// ids: they are the Nats-Msg-Id that makes re-publishing harmless.
func TestNormaliseIDsStableAcrossPolls(t *testing.T) {
	for name, doc := range map[string]string{"rss": strings.Replace(rssFeed, "LONGCONTENT", "x", 1), "atom": atomFeed, "json": jsonFeed} {
		src := FeedRef{ID: "stable", URL: "https://example.com/feed"}
		f1, err := Parse(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		f2, err := Parse(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		first := Normalise(src, f1, fetchedAt)
		second := Normalise(src, f2, fetchedAt.Add(6*time.Hour))
		if len(first) != len(second) {
			t.Fatalf("%s: %d then %d articles", name, len(first), len(second))
		}
		seen := map[string]bool{}
		for i := range first {
			if first[i].ID != second[i].ID {
				t.Errorf("%s item %d: id %q then %q", name, i, first[i].ID, second[i].ID)
			}
			if seen[first[i].ID] {
				t.Errorf("%s item %d: id %q used twice in one feed", name, i, first[i].ID)
			}
			seen[first[i].ID] = true
		}
	}
}

// A feed whose items differ only in the fragment of their link: the URL
// drops it, the ids must not.
func TestNormaliseFragmentOnlyLinks(t *testing.T) {
	arts := parseString(t, `<rss version="2.0"><channel><title>N</title><link>https://n.example/</link>
		<item><title>Issue</title><link>https://n.example/entries.php#111</link></item>
		<item><title>Issue</title><link>https://n.example/entries.php#110</link></item>
		</channel></rss>`)
	if len(arts) != 2 {
		t.Fatalf("got %d articles, want 2", len(arts))
	}
	for i, a := range arts {
		if want := "https://n.example/entries.php"; a.URL != want {
			t.Errorf("article %d URL = %q, want %q", i, a.URL, want)
		}
	}
	if arts[0].ID == arts[1].ID {
		t.Errorf("items differing only by link fragment share id %q", arts[0].ID)
	}
	if want := ArticleID("example", "", "https://n.example/entries.php#111", "", time.Time{}); arts[0].ID != want {
		t.Errorf("ID = %q, want the fragment-bearing URL identity %q", arts[0].ID, want)
	}
}

func TestNormaliseNil(t *testing.T) {
	if got := Normalise(FeedRef{ID: "x"}, nil, fetchedAt); got != nil {
		t.Errorf("Normalise(nil feed) = %v, want nil", got)
	}
}

// TestNormaliseCapsTitle: a title is capped like a summary, so that no
// feed can hand the stages a megabyte to read per article.
func TestNormaliseCapsTitle(t *testing.T) {
	long := strings.Repeat("sanctions russia ", 50000) // 850 KB
	arts := parseString(t, `<rss version="2.0"><channel><title>T</title><item><title>`+long+`</title><link>https://x.example/a</link></item></channel></rss>`)
	if len(arts) != 1 {
		t.Fatalf("got %d articles, want 1", len(arts))
	}
	title := arts[0].Title
	if n := utf8.RuneCountInString(title); n > TitleMaxRunes || n < TitleMaxRunes/2 {
		t.Errorf("title has %d runes, want at most %d and not much less", n, TitleMaxRunes)
	}
	if !strings.HasSuffix(title, "…") || !strings.HasPrefix(title, "sanctions russia") {
		t.Errorf("title = %.60q…, want the start ending in …", title)
	}
}
