package feeds

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestURLIdentityFoldsVariants(t *testing.T) {
	same := []string{
		"https://www.example.com/world/story-1",
		"http://example.com/world/story-1",
		"https://example.com/world/story-1/",
		"https://m.example.com/world/story-1",
		"https://amp.example.com/world/story-1",
		"https://www.example.com/world/story-1/amp",
		"https://example.com/world/story-1?amp=1",
		"https://example.com/world/story-1?outputType=amp",
	}
	want := URLIdentity(same[0])
	for _, u := range same[1:] {
		if got := URLIdentity(u); got != want {
			t.Errorf("URLIdentity(%q) = %q, want %q", u, got, want)
		}
	}
	different := []string{
		"https://example.com/world/story-2",
		"https://example.com/world/story-1?page=2",
		"https://example.org/world/story-1",
		"https://m.example.com/", // host folding must leave a real domain
	}
	for _, u := range different {
		if got := URLIdentity(u); got == want {
			t.Errorf("URLIdentity(%q) = %q: folded into a different page", u, got)
		}
	}
	if got := URLIdentity("https://m.co/x"); got != "https://m.co/x" {
		t.Errorf("a bare two-label host lost its first label: %q", got)
	}
}

func TestCanonicalURLDropsFeedMarkers(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://ex.com/a?src=rss&id=3", "https://ex.com/a?id=3"},
		{"https://ex.com/a?ref=rss&x=1", "https://ex.com/a?x=1"},
		{"https://ex.com/a?partner=rss&emc=rss", "https://ex.com/a"},
		{"https://ex.com/a?src=home", "https://ex.com/a?src=home"}, // not a feed marker
	}
	for _, tt := range tests {
		if got, err := CanonicalURL(tt.in, nil); err != nil || got != tt.want {
			t.Errorf("CanonicalURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalisePrefersFeedBurnerOrigLink(t *testing.T) {
	doc := `<?xml version="1.0"?><rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><channel><title>t</title><link>https://ex.com/</link>
<item><guid>1</guid><title>Story</title><link>https://feeds.feedburner.com/~r/ex/~3/abc/</link><feedburner:origLink>https://ex.com/world/story?utm_source=feedburner</feedburner:origLink></item></channel></rss>`
	feed, err := ParseBody([]byte(doc), "application/rss+xml")
	if err != nil {
		t.Fatal(err)
	}
	as := Normalise(FeedRef{ID: "ex", URL: "https://ex.com/rss"}, feed, time.Now())
	if len(as) != 1 || as[0].URL != "https://ex.com/world/story" {
		t.Fatalf("articles %+v, want the origLink as URL", as)
	}
}

func TestNormaliseCapsContentHTML(t *testing.T) {
	big := strings.Repeat("é", MaxContentHTML) // 2 bytes each: twice the cap
	doc := `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>
<item><guid>1</guid><title>Big</title><link>https://ex.com/1</link><content:encoded><![CDATA[` + big + `]]></content:encoded></item></channel></rss>`
	feed, err := ParseBody([]byte(doc), "application/rss+xml")
	if err != nil {
		t.Fatal(err)
	}
	as := Normalise(FeedRef{ID: "ex", URL: "https://ex.com/rss"}, feed, time.Now())
	if len(as) != 1 || len(as[0].ContentHTML) > MaxContentHTML || !utf8.ValidString(as[0].ContentHTML) || len(as[0].ContentHTML) < MaxContentHTML-2 {
		t.Fatalf("content_html of %d bytes, want at most %d, valid UTF-8", len(as[0].ContentHTML), MaxContentHTML)
	}
}
