package main

import (
	"net"
	"strings"
	"testing"
)

// Common errors read as what went wrong and where, without the package
// that said so ("configs: ", "pipeline: ").
func TestMessagesWithoutPackagePrefixes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeFile(t, dir, "newswire.yaml", "feeds:\n  - id: one\n    url: https://one.example/rss\n")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "nats://" + ln.Addr().String()
	ln.Close()
	for _, tt := range []struct {
		args []string
		want string // the whole first line of stderr
	}{
		{[]string{"feeds", "--config", path, "remove", "nope"}, `newswire feeds: no feed with id "nope" in ` + path},
		{[]string{"feeds", "--config", path, "add", "https://two.example/rss", "--id", "one"}, `newswire feeds: feed id "one" already exists (` + path + `:2)`},
		{[]string{"feeds", "--config", path, "add", "two.example/rss"}, `newswire feeds: invalid feed URL "two.example/rss": want an absolute http or https URL`},
		{[]string{"status", "--nats", url}, "newswire status: no broker at " + url},
	} {
		_, _, stderr := cli(t, tt.args...)
		first, _, _ := strings.Cut(stderr, "\n")
		if !strings.HasPrefix(first, tt.want) {
			t.Errorf("%q: stderr %q, want it to start with %q", tt.args, stderr, tt.want)
		}
		_, msg, _ := strings.Cut(first, ": ") // after "newswire feeds: "
		for _, p := range packagePrefixes {
			if strings.Contains(msg, p) {
				t.Errorf("%q: %q names the package %q", tt.args, first, p)
			}
		}
	}
}
