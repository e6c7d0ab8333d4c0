package configs

import (
	"strings"
	"testing"
)

func TestFeedIDFromURL(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("section/", 12) + "rss.xml"
	tests := []struct {
		in, want string
	}{
		{"https://www.aljazeera.com/xml/rss/all.xml", "aljazeera-com-xml-rss-all-xml"},
		{"https://feeds.bbci.co.uk/news/world/rss.xml", "feeds-bbci-co-uk-news-world-rss-xml"},
		{"https://www.theguardian.com/world/rss", "theguardian-com-world-rss"},
		{"HTTP://WWW.Example.COM/Feed/", "example-com-feed"},
		{"http://example.com:8080/rss", "example-com-8080-rss"},
		{"https://example.com/rss.php?cat=world&lang=fr", "example-com-rss-php-cat-world-lang-fr"},
		{"https://www.tagesschau.de/xml/rss2/", "tagesschau-de-xml-rss2"},
		{"https://example.com/caf%C3%A9", "example-com-caf-c3-a9"},
		{"https://wwwexample.com/", "wwwexample-com"},
		{long, "example-com-section-section-section-section-section-sec-8b506009"},
		{"", ""},
	}
	for _, tt := range tests {
		got := FeedIDFromURL(tt.in)
		if got != tt.want {
			t.Errorf("FeedIDFromURL(%q): got %q, want %q", tt.in, got, tt.want)
		}
		if tt.want != "" && !ValidFeedID(got) {
			t.Errorf("FeedIDFromURL(%q) = %q: not a valid feed id", tt.in, got)
		}
	}
	if a, b := FeedIDFromURL(long), FeedIDFromURL(long+"?x=1"); a == b {
		t.Errorf("two long URLs: got the same id %q, want different ones", a)
	}
}

func TestValidFeedID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"bbc", true},
		{"bbc-world_2", true},
		{"", false},
		{"BBC", false},
		{"bbc.world", false},
		{"bbc world", false},
		{"news.*", false},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
	}
	for _, tt := range tests {
		if got := ValidFeedID(tt.in); got != tt.want {
			t.Errorf("ValidFeedID(%q): got %v, want %v", tt.in, got, tt.want)
		}
	}
}
