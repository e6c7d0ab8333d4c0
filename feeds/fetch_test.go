package feeds

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const tinyFeed = `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>` +
	`<item><title>A</title><link>https://example.com/a</link></item></channel></rss>`

// testFetcher may connect to the httptest server on 127.0.0.1; what opts
// leaves unset it takes from newFetcher.
func testFetcher(opts FetcherOptions) *Fetcher {
	opts.AllowPrivate = true
	return newFetcher(opts)
}

// newFetcher is NewFetcher with the values a test does not set filled in
// (the configuration's defaults are configs'; these are the tests' own).
func newFetcher(opts FetcherOptions) *Fetcher {
	opts.Timeout = cmp.Or(opts.Timeout, 5*time.Second)
	opts.MaxBody = cmp.Or(opts.MaxBody, 10<<20)
	opts.UserAgent = cmp.Or(opts.UserAgent, "newswire-test")
	f, err := NewFetcher(opts)
	if err != nil {
		panic(err)
	}
	return f
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFetchOK(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Mon, 06 May 2024 07:00:00 GMT")
		fmt.Fprint(w, tinyFeed)
	}))
	defer srv.Close()

	res, err := testFetcher(FetcherOptions{}).Fetch(context.Background(), FetchRequest{URL: srv.URL + "/feed"})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	checks := []struct{ field, got, want string }{
		{"Body", string(res.Body), tinyFeed},
		{"ETag", res.ETag, `"v1"`},
		{"LastModified", res.LastModified, "Mon, 06 May 2024 07:00:00 GMT"},
		{"ContentType", res.ContentType, "application/rss+xml; charset=utf-8"},
		{"FinalURL", res.FinalURL, srv.URL + "/feed"},
		{"Accept-Encoding sent", got.Get("Accept-Encoding"), "gzip, br, deflate"},
		{"If-None-Match sent", got.Get("If-None-Match"), ""},
		{"If-Modified-Since sent", got.Get("If-Modified-Since"), ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.field, c.got, c.want)
		}
	}
	if res.StatusCode != 200 || res.NotModified {
		t.Errorf("StatusCode = %d, NotModified = %v, want 200, false", res.StatusCode, res.NotModified)
	}
	if ua := got.Get("User-Agent"); !strings.Contains(ua, "newswire") {
		t.Errorf("User-Agent = %q, want it to name newswire", ua)
	}
	if res.Duration <= 0 {
		t.Errorf("Duration = %v, want > 0", res.Duration)
	}
}

func TestFetchNotModified(t *testing.T) {
	const etag, lastMod = `W/"abc"`, "Sun, 05 May 2024 10:00:00 GMT"
	tests := []struct {
		name       string
		req        FetchRequest
		repeat     bool // does the 304 repeat the validators?
		wantHeader string
		wantValue  string
	}{
		{"etag", FetchRequest{ETag: etag}, true, "If-None-Match", etag},
		{"last-modified", FetchRequest{LastModified: lastMod}, false, "If-Modified-Since", lastMod},
		{"both", FetchRequest{ETag: etag, LastModified: lastMod}, false, "If-None-Match", etag},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got http.Header
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r.Header.Clone()
				if r.Header.Get("If-None-Match") == etag || r.Header.Get("If-Modified-Since") == lastMod {
					if tt.repeat {
						w.Header().Set("ETag", etag)
					}
					w.WriteHeader(http.StatusNotModified)
					return
				}
				fmt.Fprint(w, tinyFeed)
			}))
			defer srv.Close()
			req := tt.req
			req.URL = srv.URL
			res, err := testFetcher(FetcherOptions{}).Fetch(context.Background(), req)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if v := got.Get(tt.wantHeader); v != tt.wantValue {
				t.Errorf("request header %s = %q, want %q", tt.wantHeader, v, tt.wantValue)
			}
			if !res.NotModified || res.StatusCode != http.StatusNotModified || res.Body != nil {
				t.Errorf("got NotModified=%v StatusCode=%d Body=%q, want true, 304, nil", res.NotModified, res.StatusCode, res.Body)
			}
			if res.ETag != req.ETag || res.LastModified != req.LastModified {
				t.Errorf("validators = %q, %q, want the request's %q, %q", res.ETag, res.LastModified, req.ETag, req.LastModified)
			}
		})
	}
}

func TestFetchGzip(t *testing.T) {
	compressed := gzipped(t, []byte(tinyFeed))
	tests := []struct {
		name   string
		header string // Content-Encoding
	}{
		{"content-encoding gzip", "gzip"},
		{"content-encoding x-gzip", "x-gzip"},
		{"gzip body without header", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Content-Encoding", tt.header)
				}
				w.Write(compressed)
			}))
			defer srv.Close()
			res, err := testFetcher(FetcherOptions{}).Fetch(context.Background(), FetchRequest{URL: srv.URL})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if string(res.Body) != tinyFeed {
				t.Errorf("Body = %q, want %q", res.Body, tinyFeed)
			}
		})
	}
}

func TestFetchBodyLimit(t *testing.T) {
	const maxBody = 64 << 10
	bomb := gzipped(t, make([]byte, 16<<20)) // 16 MiB of zeros in ~16 KB
	if len(bomb) > maxBody {
		t.Fatalf("bomb is %d bytes compressed, want it under MaxBody", len(bomb))
	}
	tests := []struct {
		name      string
		body      []byte
		encoding  string
		wantClass ErrorClass
	}{
		{"exactly MaxBody", bytes.Repeat([]byte("x"), maxBody), "", ""},
		{"one byte over", bytes.Repeat([]byte("x"), maxBody+1), "", ClassTooLarge},
		{"gzip bomb", bomb, "gzip", ClassTooLarge},
		{"corrupt gzip", badChecksum(gzipped(t, []byte(tinyFeed))), "gzip", ClassParse},
		{"zstd not asked for", []byte("xx"), "zstd", ClassNetwork},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.encoding != "" {
					w.Header().Set("Content-Encoding", tt.encoding)
				}
				w.Write(tt.body)
			}))
			defer srv.Close()
			res, err := testFetcher(FetcherOptions{MaxBody: maxBody}).Fetch(context.Background(), FetchRequest{URL: srv.URL})
			if got := ClassOf(err); got != tt.wantClass {
				t.Fatalf("ClassOf(%v) = %q, want %q", err, got, tt.wantClass)
			}
			if err == nil && int64(len(res.Body)) != maxBody {
				t.Errorf("len(Body) = %d, want %d", len(res.Body), maxBody)
			}
		})
	}
}

// badChecksum flips a bit of a gzip stream's CRC-32 trailer.
func badChecksum(gz []byte) []byte {
	gz = bytes.Clone(gz)
	gz[len(gz)-8] ^= 1
	return gz
}

func TestFetchRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/hop/"))
		switch {
		case r.URL.Path == "/to-ftp":
			http.Redirect(w, r, "ftp://example.com/feed", http.StatusFound)
		case err != nil:
			http.NotFound(w, r)
		case n > 0:
			http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusMovedPermanently)
		default:
			fmt.Fprint(w, tinyFeed)
		}
	}))
	defer srv.Close()
	f := testFetcher(FetcherOptions{})

	res, err := f.Fetch(context.Background(), FetchRequest{URL: fmt.Sprintf("%s/hop/%d", srv.URL, MaxRedirects)})
	if err != nil {
		t.Fatalf("%d redirects: %v", MaxRedirects, err)
	}
	if want := srv.URL + "/hop/0"; res.FinalURL != want {
		t.Errorf("FinalURL = %q, want %q", res.FinalURL, want)
	}

	tests := []struct {
		path string
		want ErrorClass
	}{
		{fmt.Sprintf("/hop/%d", MaxRedirects+1), ClassRedirect},
		{"/hop/50", ClassRedirect},
		{"/to-ftp", ClassBadURL},
	}
	for _, tt := range tests {
		_, err := f.Fetch(context.Background(), FetchRequest{URL: srv.URL + tt.path})
		if got := ClassOf(err); got != tt.want {
			t.Errorf("Fetch(%s): ClassOf(%v) = %q, want %q", tt.path, err, got, tt.want)
		}
	}
}

func TestFetchConcurrent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(gzipped(t, []byte(tinyFeed)))
	}))
	defer srv.Close()
	f := testFetcher(FetcherOptions{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			res, err := f.Fetch(context.Background(), FetchRequest{URL: srv.URL})
			if err != nil || string(res.Body) != tinyFeed {
				t.Errorf("concurrent Fetch: %v", err)
			}
		})
	}
	wg.Wait()
}

// The fetcher keeps no defaults of its own: what the configuration
// resolves is required.
func TestNewFetcherRequiresSettings(t *testing.T) {
	for _, opts := range []FetcherOptions{
		{MaxBody: 1 << 20, UserAgent: "ua"},
		{Timeout: time.Second, UserAgent: "ua"},
		{Timeout: time.Second, MaxBody: 1 << 20},
	} {
		if _, err := NewFetcher(opts); err == nil {
			t.Errorf("NewFetcher(%+v) accepted missing settings", opts)
		}
	}
	if _, err := NewFetcher(FetcherOptions{Timeout: time.Second, MaxBody: 1 << 20, UserAgent: "ua"}); err != nil {
		t.Errorf("complete settings: %v", err)
	}
}
