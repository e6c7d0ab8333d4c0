package feeds

import (
	"strings"
	"testing"
)

func TestCheckStructureDepth(t *testing.T) {
	nest := func(n int) string {
		return strings.Repeat("<a>", n) + strings.Repeat("</a>", n)
	}
	tests := []struct {
		name string
		doc  string
		ok   bool
	}{
		{"flat feed", `<?xml version="1.0"?><rss><channel><item><title>x</title></item></channel></rss>`, true},
		{"at the limit", nest(MaxDepth), true},
		{"over the limit", nest(MaxDepth + 1), false},
		{"self-closing does not nest", strings.Repeat("<a/>", 10*MaxDepth), true},
		{"siblings do not nest", strings.Repeat("<a></a>", 10*MaxDepth), true},
		{"comments and CDATA are skipped", "<r><!--" + strings.Repeat("<a>", 2*MaxDepth) + "--><![CDATA[" + strings.Repeat("<b>", 2*MaxDepth) + "]]></r>", true},
		{"truncated tag", "<r><a", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkStructure([]byte(tt.doc))
			if (err == nil) != tt.ok {
				t.Errorf("checkStructure = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// HTML in a JSON Feed's strings, unbalanced or not, is not nesting.
func TestParseBodyJSONFeedWithManyTags(t *testing.T) {
	doc := `{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[{"id":"1","url":"https://j.example/1","content_html":"` +
		strings.Repeat("<br>", 2*MaxDepth) + `"}]}`
	if _, err := ParseBody([]byte(doc), "application/feed+json"); err != nil {
		t.Fatalf("ParseBody = %v, want the feed", err)
	}
}

func BenchmarkCheckStructure(b *testing.B) {
	doc := []byte(strings.Repeat(`<item><title>Story</title><link>https://x.example/a</link><description>&lt;p&gt;Text&lt;/p&gt;</description></item>`, 2000))
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if err := checkStructure(doc); err != nil {
			b.Fatal(err)
		}
	}
}
