package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const tinyFeed = `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>` +
	`<item><title>A</title><link>https://example.com/a</link></item></channel></rss>`

// testFetcher may connect to the httptest server on 127.0.0.1.
func testFetcher(opts FetcherOptions) *Fetcher {
	opts.AllowPrivate = true
	if opts.Timeout == 0 {
		opts.Timeout = 5 * time.Second
	}
	return NewFetcher(opts)
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
		{"Accept-Encoding sent", got.Get("Accept-Encoding"), "gzip"},
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
		{"brotli not asked for", []byte("xx"), "br", ClassNetwork},
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

func TestFetchHTTPErrors(t *testing.T) {
	retryDate := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		status     int
		retryAfter string
		wantClass  ErrorClass
		wantRetry  time.Duration // 0: expect 0; otherwise ±2s
	}{
		{404, "", ClassHTTP4xx, 0},
		{410, "", ClassHTTP4xx, 0},
		{401, "", ClassHTTP4xx, 0},
		{500, "", ClassHTTP5xx, 0},
		{502, "30", ClassHTTP5xx, 0}, // Retry-After only read on 429 and 503
		{503, "120", ClassHTTP5xx, 120 * time.Second},
		{503, retryDate, ClassHTTP5xx, 90 * time.Second},
		{429, "120", ClassHTTP429, 120 * time.Second},
		{429, retryDate, ClassHTTP429, 90 * time.Second},
		{429, "soon", ClassHTTP429, 0},
		{429, "", ClassHTTP429, 0},
		{300, "", ClassRedirect, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.status, tt.retryAfter), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, "error page")
			}))
			defer srv.Close()
			res, err := testFetcher(FetcherOptions{}).Fetch(context.Background(), FetchRequest{URL: srv.URL})
			if err == nil {
				t.Fatalf("Fetch = %+v, want an error", res)
			}
			fe, ok := errors.AsType[*FetchError](err)
			if !ok {
				t.Fatalf("error %T %v, want *FetchError", err, err)
			}
			if fe.Class != tt.wantClass || fe.StatusCode != tt.status {
				t.Errorf("Class, StatusCode = %q, %d, want %q, %d", fe.Class, fe.StatusCode, tt.wantClass, tt.status)
			}
			if d := fe.RetryAfter - tt.wantRetry; d < -2*time.Second || d > 2*time.Second || (tt.wantRetry == 0 && fe.RetryAfter != 0) {
				t.Errorf("RetryAfter = %v, want %v", fe.RetryAfter, tt.wantRetry)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "feeds: "+string(tt.wantClass)) || !strings.Contains(msg, strconv.Itoa(tt.status)) {
				t.Errorf("Error() = %q, want the class and status", msg)
			}
		})
	}
}

// slowServer answers after the client has given up, and stops waiting as soon
// as the client goes away so that Close does not hang.
func slowServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchTimeout(t *testing.T) {
	srv := slowServer(t)
	start := time.Now()
	_, err := testFetcher(FetcherOptions{Timeout: 100 * time.Millisecond}).Fetch(context.Background(), FetchRequest{URL: srv.URL})
	if got := ClassOf(err); got != ClassTimeout {
		t.Errorf("ClassOf(%v) = %q, want %q", err, got, ClassTimeout)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, DeadlineExceeded) = false, want true", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Fetch took %v with a 100ms timeout", d)
	}
}

func TestFetchCanceled(t *testing.T) {
	srv := slowServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := testFetcher(FetcherOptions{}).Fetch(ctx, FetchRequest{URL: srv.URL})
	if got := ClassOf(err); got != ClassCanceled {
		t.Errorf("ClassOf(%v) = %q, want %q", err, got, ClassCanceled)
	}
}

func TestFetchRefusesPrivateAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, tinyFeed)
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	f := NewFetcher(FetcherOptions{Timeout: 5 * time.Second}) // AllowPrivate false

	for _, u := range []string{
		srv.URL,
		fmt.Sprintf("http://localhost:%d/", port), // a name, checked once resolved
		fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port),
		"http://0.0.0.0:1/",
		"http://169.254.169.254/latest/meta-data/", // cloud metadata
	} {
		_, err := f.Fetch(context.Background(), FetchRequest{URL: u})
		if got := ClassOf(err); got != ClassBlocked {
			t.Errorf("Fetch(%s): ClassOf(%v) = %q, want %q", u, err, got, ClassBlocked)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("server got %d requests, want 0", n)
	}
}

func TestIsPublicAddr(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"8.8.8.8", true},
		{"93.184.216.34", true},
		{"2606:4700::1111", true},
		{"100.63.255.255", true},
		{"100.128.0.0", true},
		{"127.0.0.1", false},
		{"127.8.9.10", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false},
		{"fe80::1", false},
		{"fc00::1", false},
		{"fd12:3456::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"0.1.2.3", false},
		{"100.64.0.1", false},
		{"192.0.0.8", false},
		{"198.18.0.1", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"240.0.0.1", false},
		{"255.255.255.255", false},
		{"::ffff:10.0.0.1", false},
		{"::ffff:8.8.8.8", true},
		{"64:ff9b::7f00:1", false},
		{"64:ff9b::808:808", true},
	}
	for _, tt := range tests {
		if got := isPublicAddr(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("isPublicAddr(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestFetchTransportErrors(t *testing.T) {
	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, tinyFeed)
	}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake is expected
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := l.Addr().String()
	l.Close()

	tests := []struct {
		name string
		url  string
		want ErrorClass
	}{
		{"untrusted certificate", tlsSrv.URL, ClassTLS},
		{"connection refused", "http://" + closedAddr + "/", ClassNetwork},
		{"ftp scheme", "ftp://example.com/feed", ClassBadURL},
		{"file scheme", "file:///etc/passwd", ClassBadURL},
		{"relative", "/feed.xml", ClassBadURL},
		{"unparsable", "http://exa mple.com/%zz", ClassBadURL},
	}
	f := testFetcher(FetcherOptions{Timeout: 5 * time.Second})
	for _, tt := range tests {
		_, err := f.Fetch(context.Background(), FetchRequest{URL: tt.url})
		if got := ClassOf(err); got != tt.want {
			t.Errorf("%s: ClassOf(%v) = %q, want %q", tt.name, err, got, tt.want)
		}
	}

	// The same TLS server, trusted through an injected Transport.
	trusted := NewFetcher(FetcherOptions{Transport: tlsSrv.Client().Transport})
	if _, err := trusted.Fetch(context.Background(), FetchRequest{URL: tlsSrv.URL}); err != nil {
		t.Errorf("Fetch with the server's own transport: %v", err)
	}
}

func TestFetchDNS(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a resolver")
	}
	_, err := testFetcher(FetcherOptions{Timeout: 5 * time.Second}).Fetch(context.Background(),
		FetchRequest{URL: "http://no-such-host.invalid/feed"})
	if got := ClassOf(err); got != ClassDNS && got != ClassTimeout {
		t.Errorf("ClassOf(%v) = %q, want %q", err, got, ClassDNS)
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
