package feeds

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestFetchPermanentURL(t *testing.T) {
	// /r/<codes>: redirect with the first status code, then the rest.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		codes := strings.Split(strings.TrimPrefix(r.URL.Path, "/r/"), "/")
		if codes[0] == "feed" {
			fmt.Fprint(w, tinyFeed)
			return
		}
		code, _ := strconv.Atoi(codes[0])
		http.Redirect(w, r, "/r/"+strings.Join(codes[1:], "/"), code)
	}))
	defer srv.Close()
	tests := []struct {
		path          string
		wantPermanent bool
	}{
		{"/r/feed", false}, // no redirect
		{"/r/301/feed", true},
		{"/r/308/feed", true},
		{"/r/301/308/301/feed", true},
		{"/r/302/feed", false},
		{"/r/307/feed", false},
		{"/r/303/feed", false},
		{"/r/301/302/feed", false},
		{"/r/302/301/feed", false},
	}
	f := testFetcher(FetcherOptions{})
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, err := f.Fetch(context.Background(), FetchRequest{URL: srv.URL + tt.path})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			want := ""
			if tt.wantPermanent {
				want = srv.URL + "/r/feed"
			}
			if res.PermanentURL != want {
				t.Errorf("PermanentURL = %q, want %q", res.PermanentURL, want)
			}
			if res.FinalURL != srv.URL+"/r/feed" {
				t.Errorf("FinalURL = %q, want %q", res.FinalURL, srv.URL+"/r/feed")
			}
		})
	}
}

func TestFetchRedirectLoop(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/self":
			http.Redirect(w, r, "/self", http.StatusMovedPermanently)
		case "/a":
			http.Redirect(w, r, "/b", http.StatusFound)
		case "/b":
			http.Redirect(w, r, "/a", http.StatusFound)
		}
	}))
	defer srv.Close()
	for _, path := range []string{"/self", "/a"} {
		_, err := testFetcher(FetcherOptions{}).Fetch(context.Background(), FetchRequest{URL: srv.URL + path})
		if got := ClassOf(err); got != ClassRedirect || !strings.Contains(err.Error(), "redirect loop") {
			t.Errorf("Fetch(%s): %v (class %q), want a redirect loop error", path, err, got)
		}
	}
}

// recordingServer records the Authorization and Cookie headers of every
// request it receives.
type recordingServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // "path auth=... cookie=..."
}

func newRecordingServer(t *testing.T, h func(w http.ResponseWriter, r *http.Request)) *recordingServer {
	rs := &recordingServer{}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.mu.Lock()
		rs.seen = append(rs.seen, fmt.Sprintf("%s auth=%q cookie=%q", r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Cookie")))
		rs.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(rs.Close)
	return rs
}

// A feed URL with user:password@ sends Basic credentials to its own host,
// including after a same-host redirect, but never to another host a
// redirect leads to; neither does a cookie the first host sets.
func TestFetchRedirectDoesNotLeakCredentials(t *testing.T) {
	other := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tinyFeed) })
	origin := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "secret"})
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/feed", http.StatusMovedPermanently)
		case "/away":
			http.Redirect(w, r, other.URL+"/feed", http.StatusMovedPermanently)
		case "/away-by-name": // same IP, port and path, another host name
			_, port, _ := net.SplitHostPort(other.Listener.Addr().String())
			http.Redirect(w, r, "http://localhost:"+port+"/by-name", http.StatusFound)
		default:
			fmt.Fprint(w, tinyFeed)
		}
	})
	withUser := strings.Replace(origin.URL, "http://", "http://reader:hunter2@", 1)
	const basic = `auth="Basic cmVhZGVyOmh1bnRlcjI="`
	f := testFetcher(FetcherOptions{})
	for _, path := range []string{"/same", "/away", "/away-by-name"} {
		if _, err := f.Fetch(context.Background(), FetchRequest{URL: withUser + path}); err != nil {
			t.Fatalf("Fetch(%s): %v", path, err)
		}
	}
	wantOrigin := []string{
		"/same " + basic + ` cookie=""`,
		"/feed " + basic + ` cookie=""`,
		"/away " + basic + ` cookie=""`,
		"/away-by-name " + basic + ` cookie=""`,
	}
	wantOther := []string{`/feed auth="" cookie=""`, `/by-name auth="" cookie=""`}
	checkSeen(t, "origin", origin, wantOrigin)
	checkSeen(t, "other host", other, wantOther)
}

func checkSeen(t *testing.T, name string, rs *recordingServer, want []string) {
	t.Helper()
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if strings.Join(rs.seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s saw:\n%s\nwant:\n%s", name, strings.Join(rs.seen, "\n"), strings.Join(want, "\n"))
	}
}

// checkRedirect itself drops credentials a caller might have set, for
// any other host, subdomains included (net/http alone keeps them for
// subdomains).
func TestCheckRedirectStripsCredentials(t *testing.T) {
	tests := []struct {
		from, to string
		keep     bool
	}{
		{"https://example.com/a", "https://example.com/b", true},
		{"https://example.com/a", "https://EXAMPLE.com/b", true},
		{"https://example.com/a", "https://feeds.example.com/b", false},
		{"https://example.com/a", "https://example.com:8443/b", false},
		{"https://example.com/a", "https://evil.test/b", false},
	}
	for _, tt := range tests {
		first, _ := http.NewRequest("GET", tt.from, nil)
		next, _ := http.NewRequest("GET", tt.to, nil)
		next.Header.Set("Authorization", "Bearer x")
		next.Header.Set("Cookie", "a=b")
		if err := checkRedirect(next, []*http.Request{first}); err != nil {
			t.Fatalf("checkRedirect(%s → %s): %v", tt.from, tt.to, err)
		}
		kept := next.Header.Get("Authorization") != "" && next.Header.Get("Cookie") != ""
		gone := next.Header.Get("Authorization") == "" && next.Header.Get("Cookie") == ""
		if (tt.keep && !kept) || (!tt.keep && !gone) {
			t.Errorf("%s → %s: headers %v, want kept=%v", tt.from, tt.to, next.Header, tt.keep)
		}
	}
}
