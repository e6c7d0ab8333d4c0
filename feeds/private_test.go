package feeds

import (
	"context"
	"strings"
	"testing"
	"time"
)

// A refused address says which address, of what kind, and which settings
// allow it, without the dialler's "dial tcp …".
func TestRefusalNamesTheSettings(t *testing.T) {
	f := newFetcher(FetcherOptions{Timeout: 2 * time.Second})
	_, err := f.Fetch(context.Background(), FetchRequest{URL: "http://127.0.0.1:1/feed.xml"})
	want := "blocked: http://127.0.0.1:1/feed.xml: refused: resolves to a loopback address (127.0.0.1); allow it with poll.allow_private: true or add the host to poll.allow_hosts"
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("Fetch of a loopback address: %v\nwant it to end in %q", err, want)
	}
}

func TestRefusedAddr(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, tt := range []struct {
		host  string
		allow []string
		kind  string // "": not refused
	}{
		{"10.0.0.5", nil, "private"},
		{"10.0.0.5", []string{"10.0.0.0/8"}, ""},
		{"[::1]", nil, "loopback"},
		{"localhost", nil, "loopback"},
		{"localhost", []string{"LOCALHOST"}, ""},
		{"169.254.169.254", nil, "link-local"},
		{"100.64.1.1", nil, "non-public"},
		{"93.184.216.34", nil, ""},
	} {
		_, kind, refused, err := RefusedAddr(ctx, tt.host, tt.allow)
		if err != nil || kind != tt.kind || refused != (tt.kind != "") {
			t.Errorf("RefusedAddr(%q, %q) = %q, %v, %v; want %q", tt.host, tt.allow, kind, refused, err, tt.kind)
		}
	}
}
