package feeds

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want ErrorClass
	}{
		{"empty", "", ClassNotFeed},
		{"garbage", "this is not a feed at all \x00\x01\x02", ClassNotFeed},
		{"html page", "<!doctype html><html><head><title>x</title></head><body>hi</body></html>", ClassNotFeed},
		{"json but not a feed", `{"hello": "world"}`, ClassNotFeed},
		{"truncated rss", `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a`, ClassParse},
		{"truncated json feed", `{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": [{"id": "1"`, ClassParse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed, err := Parse(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("Parse = %+v, want a %s error", feed, tt.want)
			}
			if got := ClassOf(err); got != tt.want {
				t.Errorf("ClassOf(%v) = %q, want %q", err, got, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "feeds: ") {
				t.Errorf("error %q, want prefix %q", err, "feeds: ")
			}
		})
	}
}

func TestParseBodyCharset(t *testing.T) {
	const title = "Übersicht: Straße & Café"
	latin1, err := charmap.ISO8859_1.NewEncoder().String(
		`<rss version="2.0"><channel><title>` + strings.ReplaceAll(title, "&", "&amp;") +
			`</title><item><title>Grüße</title><link>https://example.com/a</link></item></channel></rss>`)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		body        string
		contentType string
		wantClass   ErrorClass // "" for success
		wantTitle   string
	}{
		{"utf-8 as is", `<rss version="2.0"><channel><title>Grüße</title></channel></rss>`, "application/rss+xml", "", "Grüße"},
		{"latin-1 with charset header", latin1, "application/rss+xml; charset=ISO-8859-1", "", title},
		{"latin-1 with quoted charset", latin1, `text/xml; charset="latin1"`, "", title},
		{"latin-1 without any charset is guessed", latin1, "application/xml", "", title},
		{"declared encoding wins", `<?xml version="1.0" encoding="ISO-8859-1"?>` + latin1, "text/xml; charset=windows-1251", "", title},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			feed, err := ParseBody([]byte(tt.body), tt.contentType)
			if tt.wantClass != "" {
				if got := ClassOf(err); got != tt.wantClass {
					t.Fatalf("ParseBody error class = %q (%v), want %q", got, err, tt.wantClass)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseBody: %v", err)
			}
			if feed.Title != tt.wantTitle {
				t.Errorf("feed title = %q, want %q", feed.Title, tt.wantTitle)
			}
		})
	}
}

func TestXMLDeclaredEncoding(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<?xml version="1.0" encoding="UTF-8"?><rss/>`, "UTF-8"},
		{"\xef\xbb\xbf  \n<?xml version='1.0' encoding = 'windows-1251' ?>", "windows-1251"},
		{`<?xml version="1.0"?><rss/>`, ""},
		{`<rss encoding="x"/>`, ""},
		{`<?xml version="1.0" encoding="unterminated`, ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got, _ := xmlDeclaredEncoding([]byte(tt.in)); got != tt.want {
			t.Errorf("xmlDeclaredEncoding(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
