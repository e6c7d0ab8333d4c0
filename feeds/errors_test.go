package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

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
	trusted := newFetcher(FetcherOptions{Transport: tlsSrv.Client().Transport})
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

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 6, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"120", 120 * time.Second},
		{" 3600 ", time.Hour},
		{"Mon, 06 May 2024 12:05:00 GMT", 5 * time.Minute},
		{"Monday, 06-May-24 12:00:30 GMT", 30 * time.Second}, // RFC 850
		{"Mon May  6 13:00:00 2024", time.Hour},              // asctime
		{"Mon, 06 May 2024 11:00:00 GMT", 0},                 // in the past
		{"tomorrow", 0},
		{"1.5", 0},
		{"99999999999999999999", 0}, // does not fit: ignored
		{"9999999999999", time.Duration(1<<63 - 1).Truncate(time.Second)},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestClassOf(t *testing.T) {
	fe := &FetchError{Class: ClassHTTP429, StatusCode: 429, URL: "https://example.com/feed"}
	tests := []struct {
		name string
		err  error
		want ErrorClass
	}{
		{"nil", nil, ""},
		{"fetch error", fe, ClassHTTP429},
		{"wrapped", fmt.Errorf("worker: poll: %w", fe), ClassHTTP429},
		{"deadline", context.DeadlineExceeded, ClassTimeout},
		{"canceled", fmt.Errorf("x: %w", context.Canceled), ClassCanceled},
		{"other", errors.New("boom"), ClassUnknown},
	}
	for _, tt := range tests {
		if got := ClassOf(tt.err); got != tt.want {
			t.Errorf("ClassOf(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestFetchErrorMessage(t *testing.T) {
	tests := []struct {
		err  *FetchError
		want string
	}{
		{&FetchError{Class: ClassParse, Err: errors.New("XML syntax error")}, "feeds: parse: XML syntax error"},
		{&FetchError{Class: ClassHTTP4xx, StatusCode: 404, URL: "https://x/feed"}, "feeds: http_4xx: https://x/feed: status 404"},
		{&FetchError{Class: ClassHTTP429, StatusCode: 429, URL: "https://x/feed", RetryAfter: time.Minute,
			Err: errors.New("HTTP 429 Too Many Requests")}, "feeds: http_429: https://x/feed: HTTP 429 Too Many Requests (retry after 1m0s)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	inner := errors.New("inner")
	if !errors.Is(&FetchError{Class: ClassNetwork, Err: inner}, inner) {
		t.Errorf("FetchError does not unwrap to its cause")
	}
}
