package feeds

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/andybalholm/brotli"
)

// Inputs built to hurt a feed reader. Each test asserts the error class
// (which says how the input was stopped: a guard, MaxBody, the timeout)
// and that the memory allocated while handling it stays bounded; how long
// each took is logged, not asserted.

// hostileAllocLimit is the most a hostile input may cost in allocations.
// Unguarded, the worst of them cost gofeed 5 GB or more.
const hostileAllocLimit = 200 << 20

// measure runs f and returns the bytes it allocated and how long it took.
func measure(f func()) (alloc uint64, took time.Duration) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	f()
	took = time.Since(start)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, took
}

func checkHostile(t *testing.T, err error, wantClass ErrorClass, alloc uint64, took time.Duration) {
	t.Helper()
	if got := ClassOf(err); got != wantClass {
		t.Errorf("ClassOf(%v) = %q, want %q", err, got, wantClass)
	}
	if alloc > hostileAllocLimit {
		t.Errorf("allocated %d MB, want at most %d MB", alloc>>20, hostileAllocLimit>>20)
	}
	t.Logf("%v after %v, %.1f MB allocated", err, took.Round(time.Millisecond), float64(alloc)/(1<<20))
}

func parseHostile(t *testing.T, doc []byte, wantClass ErrorClass) {
	t.Helper()
	var err error
	alloc, took := measure(func() { _, err = ParseBody(doc, "application/rss+xml") })
	checkHostile(t, err, wantClass, alloc, took)
}

// rssWith wraps inner in an item's extension element.
func rssWith(rootAttrs, inner string) []byte {
	return []byte(`<?xml version="1.0"?><rss version="2.0" xmlns:ext="urn:x"` + rootAttrs +
		`><channel><title>t</title><item><title>a</title><ext:x>` + inner + `</ext:x></item></channel></rss>`)
}

func deepNesting() []byte { return rssWith("", strings.Repeat("<e>", 2_000_000)) }

func manyNamespaces(decls, elements int) []byte {
	var attrs strings.Builder
	for i := range decls {
		fmt.Fprintf(&attrs, ` xmlns:n%d="urn:n%d"`, i, i)
	}
	return rssWith(attrs.String(), strings.Repeat("<e/>", elements))
}

func manyCDATA(n int) []byte { return rssWith("", strings.Repeat("<![CDATA[0123456789]]>", n)) }

// 2 million nested elements overflow gofeed's stack, which kills the
// process; the depth guard refuses them first.
func TestHostileDeepNesting(t *testing.T) {
	doc := deepNesting()
	parseHostile(t, doc, ClassParse)
	if _, err := ParseBody(doc, ""); !strings.Contains(err.Error(), "nested more than") {
		t.Errorf("error %q, want it to say nested more than", err)
	}
}

// 150 xmlns declarations and 300k empty elements (2 MB): unguarded, gofeed
// copies 150 bindings per element, 11 s of CPU and 5 GB of allocation.
func TestHostileNamespaces(t *testing.T) {
	tests := []struct {
		name            string
		decls, elements int
	}{
		{"150 declarations, 300k elements", 150, 300_000},
		{"64 declarations (the limit), 300k elements", MaxNamespaceDecls - 1, 300_000}, // + xmlns:ext
		{"20 declarations, 2M elements", 20, 2_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parseHostile(t, manyNamespaces(tt.decls, tt.elements), ClassParse)
		})
	}
}

// 120k CDATA sections in one element (2.4 MB): unguarded, gofeed
// concatenates them with string +=, 32 s of CPU. The same holds for text
// split by child elements or comments.
func TestHostileCDATA(t *testing.T) {
	tests := []struct {
		name string
		doc  []byte
	}{
		{"120k CDATA sections", manyCDATA(120_000)},
		{"text between 200k child elements", rssWith("", strings.Repeat("text <b/>", 200_000))},
		{"whitespace between 400k child elements", rssWith("", strings.Repeat(" <b/>", 400_000))},
		{"text between 200k comments", rssWith("", strings.Repeat("text <!---->", 200_000))},
		{"in an element with a foreign default namespace named item", []byte(`<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>` +
			`<item xmlns="urn:evil">` + strings.Repeat("<![CDATA[0123456789]]>", 120_000) + `</item></feed>`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parseHostile(t, tt.doc, ClassParse)
		})
	}
}

// A few CDATA sections, as real feeds use to escape "]]>", are fine.
func TestHostileCDATAFewSectionsParse(t *testing.T) {
	feed, err := ParseBody(rssWith("", strings.Repeat("<![CDATA[a]]]]><![CDATA[>b]]>", 50)), "")
	if err != nil {
		t.Fatalf("ParseBody: %v", err)
	}
	if got := feed.Items[0].Extensions["ext"]["x"][0].Value; got != strings.Repeat("a]]>b", 50) {
		t.Errorf("extension value = %q", got)
	}
}

// serveHostile serves handler and fetches it with MaxBody 10 MiB and the
// given timeout, measuring the fetch.
func fetchHostile(t *testing.T, timeout time.Duration, handler http.HandlerFunc) (*FetchResult, error, uint64, time.Duration) {
	t.Helper()
	srv := httptest.NewServer(handler)
	defer srv.Close()
	f := testFetcher(FetcherOptions{MaxBody: 10 << 20, Timeout: timeout})
	var res *FetchResult
	var err error
	alloc, took := measure(func() { res, err = f.Fetch(context.Background(), FetchRequest{URL: srv.URL}) })
	return res, err, alloc, took
}

// gzipBomb returns a gzip stream of size zero bytes: the same member,
// 1 MiB of zeros compressed, repeated (gzip readers decode concatenated
// members as one stream), which is quick to build even under -race.
func gzipBomb(t *testing.T, size int) []byte {
	member := gzipped(t, make([]byte, 1<<20))
	return bytes.Repeat(member, size>>20)
}

// brotliBomb returns a brotli stream of size zero bytes.
func brotliBomb(t *testing.T, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, brotli.BestSpeed)
	chunk := make([]byte, 1<<20)
	for range size >> 20 {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A body inflating to 400 MiB fails as too_large once MaxBody (10 MiB)
// bytes have been decoded, having allocated little more than that.
func TestHostileCompressionBomb(t *testing.T) {
	tests := []struct {
		encoding string
		body     []byte
	}{
		{"gzip", gzipBomb(t, 400<<20)},
		{"br", brotliBomb(t, 400<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.encoding, func(t *testing.T) {
			t.Logf("%d bytes compressed, 400 MiB decoded", len(tt.body))
			_, err, alloc, took := fetchHostile(t, 30*time.Second, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", tt.encoding)
				w.Write(tt.body)
			})
			checkHostile(t, err, ClassTooLarge, alloc, took)
			if alloc > 4*(10<<20) {
				t.Errorf("allocated %d MB for a 10 MiB MaxBody, want under 40 MB", alloc>>20)
			}
		})
	}
}

// A 120 MB feed fails as too_large without being read to the end: at once
// when its Content-Length says so, after MaxBody bytes when it does not.
func TestHostileHugeBody(t *testing.T) {
	const size = 120 << 20
	for _, withLength := range []bool{true, false} {
		t.Run(fmt.Sprintf("Content-Length %v", withLength), func(t *testing.T) {
			var sent atomic.Int64
			done := make(chan struct{})
			_, err, alloc, took := fetchHostile(t, 30*time.Second, func(w http.ResponseWriter, r *http.Request) {
				defer close(done)
				if withLength {
					w.Header().Set("Content-Length", fmt.Sprint(size))
				}
				chunk := bytes.Repeat([]byte("<item><title>x</title></item>\n"), 2048)
				for sent.Load() < size {
					n, err := w.Write(chunk)
					sent.Add(int64(n))
					if err != nil {
						return
					}
				}
			})
			checkHostile(t, err, ClassTooLarge, alloc, took)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("server still writing 10 s after the client gave up")
			}
			if n := sent.Load(); n >= size {
				t.Errorf("server sent all %d bytes, want the client to stop reading at MaxBody", n)
			} else {
				t.Logf("server managed to send %.1f MB of %d MB", float64(n)/(1<<20), size>>20)
			}
		})
	}
}

// A server trickling a byte a second is cut off by the Fetcher's timeout.
func TestHostileTrickle(t *testing.T) {
	_, err, alloc, took := fetchHostile(t, 1500*time.Millisecond, func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < len(tinyFeed); i++ {
			w.Write([]byte{tinyFeed[i]})
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
	})
	checkHostile(t, err, ClassTimeout, alloc, took)
}

// A redirect loop stops at the first repeated URL.
func TestHostileRedirectLoop(t *testing.T) {
	var hits atomic.Int32
	_, err, alloc, took := fetchHostile(t, 5*time.Second, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, "/loop", http.StatusMovedPermanently)
	})
	checkHostile(t, err, ClassRedirect, alloc, took)
	if n := hits.Load(); n > MaxRedirects+1 {
		t.Errorf("server got %d requests, want at most %d", n, MaxRedirects+1)
	}
}

// An HTML page served as 200 instead of the feed (a bot wall) is not_feed,
// even one with enough unclosed tags to trip the depth guard.
func TestHostileBotWall(t *testing.T) {
	tests := []struct {
		name string
		page string
	}{
		{"challenge page", `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>` +
			`<meta http-equiv="refresh" content="390"></head><body><noscript>Enable JavaScript and cookies to continue</noscript>` +
			`<script>(function(){window._cf_chl_opt={cvId:'3'};})();</script></body></html>`},
		{"unclosed tags", "<html><body>" + strings.Repeat("<p>para<br>", 2000) + "</body></html>"},
		{"xhtml with a declaration", `<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" ` +
			`"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>`},
		{"some other XML", `<?xml version="1.0"?><error><code>AccessDenied</code></error>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err, _, _ := fetchHostile(t, 5*time.Second, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=UTF-8")
				fmt.Fprint(w, tt.page)
			})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			parseHostile(t, res.Body, ClassNotFeed)
		})
	}
}

// Invalid UTF-8 inside an otherwise good feed: the feed parses, the bad
// bytes are dropped and the text is valid UTF-8.
func TestHostileInvalidUTF8(t *testing.T) {
	doc := []byte(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Café</title>` +
		"<item><title>Bad \xff\xfe bytes \xc3 here</title><description>ok \xed\xa0\x80 surrogate</description>" +
		`<link>https://example.com/a</link></item></channel></rss>`)
	feed, err := ParseBody(doc, "application/rss+xml; charset=utf-8")
	if err != nil {
		t.Fatalf("ParseBody: %v", err)
	}
	item := feed.Items[0]
	if item.Title != "Bad  bytes  here" || item.Description != "ok  surrogate" {
		t.Errorf("title, description = %q, %q, want the bad bytes dropped", item.Title, item.Description)
	}
	for _, s := range []string{feed.Title, item.Title, item.Description} {
		if !utf8.ValidString(s) {
			t.Errorf("%q is not valid UTF-8", s)
		}
	}
}

// An empty body is a clear not_feed error, not a parser's puzzlement.
func TestHostileEmptyBody(t *testing.T) {
	for _, body := range []string{"", " \r\n\t ", "\xef\xbb\xbf", "\xff\xfe"} {
		res, err, _, _ := fetchHostile(t, 5*time.Second, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprint(w, body)
		})
		if err != nil {
			t.Fatalf("Fetch(%q): %v", body, err)
		}
		_, err = ParseBody(res.Body, res.ContentType)
		if ClassOf(err) != ClassNotFeed || !strings.Contains(err.Error(), "empty body") {
			t.Errorf("ParseBody(%q) = %v, want not_feed: empty body", body, err)
		}
	}
}

// The guarded benchmarks measure ParseBody refusing the input; the
// unguarded ones call Parse, which is gofeed alone (seconds per op).
func BenchmarkHostileNamespaces(b *testing.B) {
	benchmarkHostile(b, manyNamespaces(150, 300_000))
}

func BenchmarkHostileCDATA(b *testing.B) {
	benchmarkHostile(b, manyCDATA(120_000))
}

func benchmarkHostile(b *testing.B, doc []byte) {
	b.Run("guarded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseBody(doc, ""); ClassOf(err) != ClassParse {
				b.Fatalf("ParseBody = %v, want a parse error", err)
			}
		}
	})
	b.Run("unguarded", func(b *testing.B) {
		if testing.Short() {
			b.Skip("seconds per op; run without -short")
		}
		b.ReportAllocs()
		for b.Loop() {
			Parse(bytes.NewReader(doc))
		}
	})
}
