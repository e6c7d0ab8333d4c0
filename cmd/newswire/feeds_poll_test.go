package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// configAt is the config at path with http.listen set to addr: what the
// CLI reads to find a daemon that listens on a port chosen at start.
func configAt(t *testing.T, path, addr string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(data), "http:\n  listen: 127.0.0.1:0", "http:\n  listen: "+addr, 1)
	if s == string(data) {
		t.Fatal("config has no http.listen: 127.0.0.1:0 to replace")
	}
	return writeFile(t, filepath.Dir(path), "client.yaml", s)
}

func TestFeedsPoll(t *testing.T) {
	t.Parallel()
	feedsSrv := newFeedServer(t)
	dir := t.TempDir()
	path := writeConfig(t, dir, feedsSrv.URL)
	// Hourly polls, so that a second fetch within the test is ours.
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(data), "interval: 1s", "interval: 1h")), 0o644); err != nil {
		t.Fatal(err)
	}
	rd := startRun(t, path)
	client := configAt(t, path, rd.d.HTTPAddr())
	waitFor(t, "the first poll of world", 10*time.Second, func() bool { n, _ := feedsSrv.counts("/world.xml"); return n == 1 })

	code, stdout, stderr := cli(t, "feeds", "--config", client, "poll", "world")
	if code != 0 || stdout != "poll of world queued\n" {
		t.Fatalf("feeds poll world: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	waitFor(t, "the asked-for poll of world", 10*time.Second, func() bool { n, _ := feedsSrv.counts("/world.xml"); return n == 2 })
	if n, _ := feedsSrv.counts("/mirror.xml"); n != 1 {
		t.Errorf("mirror fetched %d times, want 1: only world was asked for", n)
	}

	code, _, stderr = cli(t, "feeds", "--config", client, "poll", "wrld")
	if code != 2 || !strings.Contains(stderr, `no feed "wrld" in`) || !strings.Contains(stderr, `Did you mean "world"?`) {
		t.Errorf("feeds poll wrld: exit %d, stderr %q; want 2 and a suggestion", code, stderr)
	}
}

func TestFeedsPollWithoutPoller(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeConfig(t, dir, "http://127.0.0.1:1")
	rd := startRun(t, path, "--only", "dedupe")
	client := configAt(t, path, rd.d.HTTPAddr())
	code, _, stderr := cli(t, "feeds", "--config", client, "poll", "world")
	if code != 1 || !strings.Contains(stderr, "this process does not poll") {
		t.Errorf("feeds poll on --only dedupe: exit %d, stderr %q; want 1 and 409's message", code, stderr)
	}

	// No daemon at all.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, _, stderr = cli(t, "feeds", "--config", configAt(t, path, addr), "poll", "world")
	if code != 1 || !strings.Contains(stderr, "no daemon answers at "+addr) || !strings.Contains(stderr, "is `newswire run` running?") {
		t.Errorf("feeds poll without a daemon: exit %d, stderr %q", code, stderr)
	}
}
