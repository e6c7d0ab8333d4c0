package feeds

import (
	"net/url"
	"strings"
	"testing"
)

func TestCanonicalURL(t *testing.T) {
	base, _ := url.Parse("https://news.example.com/world/index.html")
	tests := []struct {
		name string
		raw  string
		base *url.URL
		want string
	}{
		{"unchanged", "https://example.com/a/b", nil, "https://example.com/a/b"},
		{"lower scheme and host", "HTTPS://Example.COM/Path/Case", nil, "https://example.com/Path/Case"},
		{"default https port", "https://example.com:443/a", nil, "https://example.com/a"},
		{"default http port", "http://example.com:80/a", nil, "http://example.com/a"},
		{"non-default port kept", "http://example.com:8080/a", nil, "http://example.com:8080/a"},
		{"https on port 80 kept", "https://example.com:80/a", nil, "https://example.com:80/a"},
		{"empty port", "http://example.com:/a", nil, "http://example.com/a"},
		{"fragment dropped", "https://example.com/a#section-2", nil, "https://example.com/a"},
		{"empty query dropped", "https://example.com/a?", nil, "https://example.com/a"},
		{"empty query and fragment", "https://example.com/a?#top", nil, "https://example.com/a"},
		{"utm removed", "https://example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=x", nil, "https://example.com/a"},
		{"utm case-insensitive", "https://example.com/a?UTM_Source=rss&id=3", nil, "https://example.com/a?id=3"},
		{"tracking mixed with real", "https://example.com/a?id=7&fbclid=abc&page=2&gclid=z", nil, "https://example.com/a?id=7&page=2"},
		{"params sorted", "https://example.com/a?z=1&a=2&m=3", nil, "https://example.com/a?a=2&m=3&z=1"},
		{"repeated names keep order", "https://example.com/a?b=2&a=x&b=1", nil, "https://example.com/a?a=x&b=2&b=1"},
		{"empty pieces dropped", "https://example.com/a?&a=1&&b=2&", nil, "https://example.com/a?a=1&b=2"},
		{"values not re-encoded", "https://example.com/s?q=a+b%20c&x=%7E", nil, "https://example.com/s?q=a+b%20c&x=%7E"},
		{"bbc at_ params", "https://www.bbc.co.uk/news/world-1?at_medium=RSS&at_campaign=KARANGA", nil, "https://www.bbc.co.uk/news/world-1"},
		{"ns_ params", "https://example.com/a?ns_mchannel=rss&ns_source=PublicRSS20-sa&ns_campaign=c", nil, "https://example.com/a"},
		{"mailchimp and others", "https://example.com/a?mc_cid=1&mc_eid=2&igshid=3&_ga=4&yclid=5&msclkid=6&dclid=7&cmpid=8&ocid=9", nil, "https://example.com/a"},
		{"param without value kept", "https://example.com/a?print", nil, "https://example.com/a?print"},
		{"tracking only, then fragment", "https://example.com/a?utm_source=x#frag", nil, "https://example.com/a"},
		{"www kept", "https://www.example.com/a", nil, "https://www.example.com/a"},
		{"trailing slash kept", "https://example.com/a/", nil, "https://example.com/a/"},
		{"root without slash kept", "https://example.com", nil, "https://example.com"},
		{"surrounding whitespace", "\n   https://example.com/a \n", nil, "https://example.com/a"},
		{"relative path", "story.html", base, "https://news.example.com/world/story.html"},
		{"root-relative", "/2024/01/story", base, "https://news.example.com/2024/01/story"},
		{"dot segments", "../sport/./x", base, "https://news.example.com/sport/x"},
		{"scheme-relative", "//cdn.Example.org/a?utm_term=1", base, "https://cdn.example.org/a"},
		{"query-only", "?id=4&utm_source=x", base, "https://news.example.com/world/index.html?id=4"},
		{"absolute ignores base", "http://other.example/x", base, "http://other.example/x"},
		{"ipv6 default port", "https://[2001:DB8::1]:443/a", nil, "https://[2001:db8::1]/a"},
		{"ipv6 other port", "http://[2001:db8::1]:8080/a", nil, "http://[2001:db8::1]:8080/a"},
		{"encoded path kept", "https://example.com/a%2Fb/c", nil, "https://example.com/a%2Fb/c"},
		{"unicode path", "https://example.com/über", nil, "https://example.com/%C3%BCber"},
		{"unicode query", "https://example.com/s?q=über&a=1", nil, "https://example.com/s?a=1&q=%C3%BCber"},
		{"invalid utf-8 in query", "https://example.com/s?\x80", nil, "https://example.com/s?%80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalURL(tt.raw, tt.base)
			if err != nil {
				t.Fatalf("CanonicalURL(%q) error: %v", tt.raw, err)
			}
			if got != tt.want {
				t.Errorf("CanonicalURL(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestCanonicalURLErrors(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		base *url.URL
	}{
		{"empty", "", nil},
		{"blank", "   ", nil},
		{"relative without base", "/a/b", nil},
		{"mailto", "mailto:desk@example.com", nil},
		{"javascript", "javascript:alert(1)", nil},
		{"ftp", "ftp://example.com/file", nil},
		{"no host", "http:///path", nil},
		{"bad escape", "https://example.com/%zz", nil},
		{"control character", "https://example.com/a\nb", nil},
		{"colons for a host", "//::", mustParse("https://example.com/")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalURL(tt.raw, tt.base)
			if err == nil {
				t.Fatalf("CanonicalURL(%q) = %q, want an error", tt.raw, got)
			}
			if !strings.HasPrefix(err.Error(), "feeds: ") {
				t.Errorf("error %q, want prefix %q", err, "feeds: ")
			}
		})
	}
}

// CanonicalURL is used for identities, so applying it twice must not change
// anything.
func TestCanonicalURLIdempotent(t *testing.T) {
	for _, raw := range []string{
		"HTTP://Example.com:80/a/../b?z=1&utm_x=2&a=3#f",
		"https://example.com/?",
		"https://example.com/s?q=%E2%82%AC&b",
	} {
		once, err := CanonicalURL(raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		twice, err := CanonicalURL(once, nil)
		if err != nil {
			t.Fatal(err)
		}
		if once != twice {
			t.Errorf("CanonicalURL not idempotent for %q: got %q then %q", raw, once, twice)
		}
	}
}

func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/a?utm_source=x&b=1#f",
		"HTTP://EXAMPLE.COM:80/",
		"/relative/path?q=1",
		"//cdn.example.com/x",
		"http://[::1]:443/a",
		"mailto:x@example.com",
		"https://example.com/%zz",
		"https://example.com/?&&&",
		"",
	} {
		f.Add(s)
	}
	base, _ := url.Parse("https://base.example/dir/page")
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := CanonicalURL(raw, base)
		if err != nil {
			return
		}
		if !strings.HasPrefix(got, "http://") && !strings.HasPrefix(got, "https://") {
			t.Errorf("CanonicalURL(%q) = %q, want an http(s) URL", raw, got)
		}
		if strings.Contains(got, "#") {
			t.Errorf("CanonicalURL(%q) = %q, still has a fragment", raw, got)
		}
		for i := 0; i < len(got); i++ {
			if got[i] <= ' ' || got[i] >= 0x7f {
				t.Fatalf("CanonicalURL(%q) = %q, not printable ASCII", raw, got)
			}
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("CanonicalURL(%q) = %q, which does not parse: %v", raw, got, err)
		}
		if again, err := CanonicalURL(got, nil); err != nil || again != got {
			t.Errorf("CanonicalURL(%q) = %q, but CanonicalURL of that = %q, %v", raw, got, again, err)
		}
		if u.ForceQuery {
			t.Errorf("CanonicalURL(%q) = %q, ends in an empty query", raw, got)
		}
		for name := range u.Query() {
			if isTrackingParam(name) {
				t.Errorf("CanonicalURL(%q) = %q, kept tracking parameter %q", raw, got, name)
			}
		}
	})
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
