package feeds

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

func TestFetchRefusesPrivateAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, tinyFeed)
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	f := newFetcher(FetcherOptions{Timeout: 5 * time.Second}) // AllowPrivate false

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

func TestFetchAllowHosts(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, tinyFeed)
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	byIP := srv.URL
	byName := fmt.Sprintf("http://localhost:%d/", port)
	tests := []struct {
		name  string
		allow []string
		url   string
		want  ErrorClass
	}{
		{"default refuses IP", nil, byIP, ClassBlocked},
		{"default refuses name", nil, byName, ClassBlocked},
		{"name allowed", []string{"localhost"}, byName, ""},
		{"name matched case-insensitively", []string{"LocalHost."}, byName, ""},
		{"name does not allow the IP", []string{"localhost"}, byIP, ClassBlocked},
		{"IP allowed", []string{"127.0.0.1"}, byIP, ""},
		{"IP allows a name resolving to it", []string{"127.0.0.1", "::1"}, byName, ""},
		{"CIDR allowed", []string{"127.0.0.0/8"}, byIP, ""},
		{"other CIDR", []string{"10.0.0.0/8", "192.168.0.0/16"}, byIP, ClassBlocked},
		{"other name", []string{"example.com"}, byName, ClassBlocked},
		{"garbage entries", []string{"", "not a host/99", "300.1.1.1"}, byIP, ClassBlocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFetcher(FetcherOptions{Timeout: 5 * time.Second, AllowHosts: tt.allow})
			_, err := f.Fetch(context.Background(), FetchRequest{URL: tt.url})
			if got := ClassOf(err); got != tt.want {
				t.Errorf("ClassOf(%v) = %q, want %q", err, got, tt.want)
			}
		})
	}
}
