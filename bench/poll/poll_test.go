package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for the command: the benchmark
// re-executes itself for its child processes, and in a test that is this
// binary, marked by childEnv.
func TestMain(m *testing.M) {
	if os.Getenv(strings.Split(childEnv, "=")[0]) != "" {
		if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
			os.Stderr.WriteString("poll child: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSmoke runs the whole benchmark with tiny numbers. It checks that the
// table comes out, not how fast anything is.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three processes and a NATS server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"-feeds", "30", "-feeds-per-host", "5", "-rounds", "1", "-repeat", "1",
		"-interval", "500ms", "-slow", "150ms", "-concurrency", "8", "-corpus", "../../../shared/corpus/feeds"},
		nil, &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"| newswire (poller", "| baseline (gofeed", "CPU per poll, baseline / newswire", "not_modified"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("\n%s", out)
}

func TestMedian(t *testing.T) {
	rs := func(v ...float64) []sideResult {
		out := make([]sideResult, len(v))
		for i, x := range v {
			out[i] = sideResult{CPU: x}
		}
		return out
	}
	cpu := func(r sideResult) float64 { return r.CPU }
	for _, tc := range []struct {
		in   []sideResult
		want float64
	}{
		{rs(3), 3},
		{rs(5, 1, 3), 3},
		{rs(4, 1, 3, 2), 2.5},
	} {
		if got := median(tc.in, cpu); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestFeedServer checks the behaviours the mix is made of: a static feed
// answers 304 to its own validators, an active one changes on every
// request, an error feed fails.
func TestFeedServer(t *testing.T) {
	srv := newFeedServer(config{feeds: 200, slow: 3 * time.Second}, generatedTemplates(), nil)
	get := func(i int, etag string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/feed/%d.xml", i), nil)
		if etag != "" {
			r.Header.Set("If-None-Match", etag)
		}
		w := httptest.NewRecorder()
		srv.serveFeed(w, r)
		return w
	}
	seen := map[kind]bool{}
	for i, f := range srv.feeds {
		if seen[f.kind] || f.kind == kindSlow || (f.kind == kindError && f.status == 0) {
			continue // one of each; a slow one would only be slow, a reset needs a real connection
		}
		seen[f.kind] = true
		first := get(i, "")
		switch f.kind {
		case kindStatic:
			if first.Code != 200 || first.Body.Len() < 1500 {
				t.Errorf("static feed %d: got %d with %d bytes, want 200 with a document", i, first.Code, first.Body.Len())
			}
			if got := get(i, first.Header().Get("ETag")).Code; got != 304 {
				t.Errorf("static feed %d with its ETag: got %d, want 304", i, got)
			}
		case kindActive:
			second := get(i, first.Header().Get("ETag"))
			if second.Code != 200 || bytes.Equal(first.Body.Bytes(), second.Body.Bytes()) {
				t.Errorf("active feed %d: got %d and the same body %v, want 200 with new items", i, second.Code,
					bytes.Equal(first.Body.Bytes(), second.Body.Bytes()))
			}
		case kindError:
			if first.Code != f.status {
				t.Errorf("error feed %d: got %d, want %d", i, first.Code, f.status)
			}
		}
	}
	if len(seen) != 3 {
		t.Errorf("200 feeds held only kinds %v", seen)
	}
}
