package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cli runs newswire with args and returns its exit code and output.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	err := runEnv(context.Background(), e, args)
	return exitCode(err), out.String(), errb.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunRefusesBadConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name, config, wantErr string
	}{
		{"unknown key", "nats:\n  embeded:\n    listen: 127.0.0.1:0\n", "bad.yaml:2: nats.embeded: unknown key"},
		{"bad duration", "poll:\n  interval: 5 minutes\n", `bad.yaml:2: poll.interval: invalid duration "5 minutes"`},
		{"duplicate feed id", "feeds:\n  - id: a\n    url: https://a.example/rss\n  - id: a\n    url: https://b.example/rss\n", `bad.yaml:4: feeds[1].id: duplicate feed id "a" (first at line 2)`},
		{"unreadable topics file", "topics_file: nope.yaml\n", `bad.yaml:1: topics_file: cannot read`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, dir, "bad.yaml", tt.config)
			code, _, stderr := cli(t, "run", "--config", path)
			if code != 2 {
				t.Errorf("exit code = %d, want 2", code)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantErr)
			}
			if _, err := os.Stat(filepath.Join(dir, "data")); err == nil {
				t.Errorf("run created a store despite the bad config")
			}
		})
	}
}

func TestRunRefusesBadTopics(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "topics.yaml", "topics:\n  - name: Bad Name\n    strong: [x]\n")
	path := writeFile(t, dir, "newswire.yaml", "topics_file: topics.yaml\n")
	code, _, stderr := cli(t, "run", "--config", path)
	if code != 2 || !strings.Contains(stderr, "topics.yaml:2: topics[0].name") {
		t.Errorf("exit %d, stderr %q; want 2 naming topics.yaml:2 topics[0].name", code, stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"run", "--only", "poll,fly"},
		{"run", "--bogus"},
		{"subscribe"},
		{"subscribe", "Not-A-Topic", "--nats", "nats://127.0.0.1:1"},
		{"feeds", "dance"},
	} {
		if code, _, stderr := cli(t, args...); code != 2 {
			t.Errorf("newswire %q: exit %d (stderr %q), want 2", args, code, stderr)
		}
	}
	if code, _, stderr := cli(t, "run", "--help"); code != 0 || !strings.Contains(stderr, "usage: newswire run") {
		t.Errorf("run --help: exit %d, stderr %q", code, stderr)
	}
}

func TestCheckShippedConfig(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"../../configs/newswire.yaml", "../../deploy/nats-cluster/newswire-cluster.yaml"} {
		code, stdout, stderr := cli(t, "check", "--config", path)
		if code != 0 {
			t.Fatalf("check %s: exit %d: %s", path, code, stderr)
		}
		if !strings.Contains(stdout, "ok:") || !strings.Contains(stdout, "rules version") {
			t.Errorf("check %s printed %q", path, stdout)
		}
	}
}

func TestFeedsEditing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeFile(t, dir, "newswire.yaml", "# my feeds\npoll:\n  interval: 10m\nfeeds:\n  - id: one\n    url: https://one.example/rss\n")
	code, stdout, stderr := cli(t, "feeds", "--config", path, "add", "https://two.example/feed.xml", "--id", "two", "--interval", "2m")
	if code != 0 {
		t.Fatalf("add: exit %d: %s", code, stderr)
	}
	if want := "added feed two https://two.example/feed.xml\n"; stdout != want {
		t.Errorf("add printed %q, want only %q", stdout, want)
	}
	if code, _, stderr := cli(t, "feeds", "--config", path, "add", "https://two.example/feed.xml", "--id", "two"); code != 2 || !strings.Contains(stderr, "two") {
		t.Errorf("adding a duplicate: exit %d, stderr %q; want 2", code, stderr)
	}
	code, stdout, _ = cli(t, "feeds", "--config", path, "list")
	if code != 0 || !strings.Contains(stdout, "two") || !strings.Contains(stdout, "2m") || !strings.Contains(stdout, "one") {
		t.Errorf("list after add: exit %d:\n%s", code, stdout)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "# my feeds") {
		t.Errorf("add lost the file's comment:\n%s", data)
	}
	if code, stdout, stderr := cli(t, "feeds", "--config", path, "remove", "one"); code != 0 || stdout != "removed feed one\n" {
		t.Fatalf("remove: exit %d, stdout %q: %s", code, stdout, stderr)
	}
	if code, _, _ := cli(t, "feeds", "--config", path, "remove", "one"); code != 2 {
		t.Errorf("removing an unknown id: exit %d, want 2", code)
	}
	code, stdout, _ = cli(t, "feeds", "--config", path, "export")
	if code != 0 || !strings.Contains(stdout, `xmlUrl="https://two.example/feed.xml"`) || strings.Contains(stdout, "one.example") {
		t.Errorf("export: exit %d:\n%s", code, stdout)
	}
	opml := writeFile(t, dir, "more.opml", `<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
<outline text="World"><outline type="rss" text="Three" xmlUrl="https://three.example/rss"/>
<outline type="rss" text="Two again" xmlUrl="https://two.example/feed.xml"/></outline></body></opml>`)
	code, _, stderr = cli(t, "feeds", "--config", path, "import", opml)
	if code != 0 || !strings.Contains(stderr, "imported 1 of 2") {
		t.Errorf("import: exit %d\nstderr %s", code, stderr)
	}
	code, stdout, stderr = cli(t, "feeds", "--config", path, "list")
	if code != 0 || !strings.Contains(stdout, "three.example") {
		t.Errorf("import: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}

func TestTopicsTestExplains(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := cli(t, "topics", "--config", "../../configs/newswire.yaml", "test", "Warring", "sides", "agree", "a", "ceasefire")
	if code != 0 || !strings.Contains(stdout, "ceasefire: MATCH") {
		t.Errorf("topics test: exit %d, printed:\n%s%s\nwant a ceasefire match", code, stdout, stderr)
	}
	code, stdout, _ = cli(t, "topics", "--config", "../../configs/newswire.yaml", "test", "US and China extend their trade truce")
	if code != 0 || !strings.Contains(stdout, "ceasefire: VETOED: read in another sense") || !strings.Contains(stdout, `vetoed by exclude "trade truce"`) {
		t.Errorf("topics test: exit %d, printed:\n%s\nwant the truce vetoed by trade truce, in the sense of trade", code, stdout)
	}
	code, stdout, _ = cli(t, "topics", "--config", "../../configs/newswire.yaml", "list")
	if code != 0 || !strings.Contains(stdout, "\nsanctions          Restrictive measures") {
		t.Errorf("topics list: exit %d:\n%s", code, stdout)
	}
}

// A start-up failure (here: the HTTP port is taken) is reported and exits
// 1, after releasing what was started.
func TestRunReportsStartupFailure(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dir := t.TempDir()
	path := writeFile(t, dir, "newswire.yaml", "nats:\n  embedded:\n    listen: 127.0.0.1:0\n    store_dir: store\nhttp:\n  listen: "+ln.Addr().String()+"\n")
	code, _, stderr := cli(t, "run", "--config", path)
	if code != 1 || !strings.Contains(stderr, "http.listen") {
		t.Errorf("exit %d, stderr %q; want 1 naming http.listen", code, stderr)
	}
}

// TestClientCommandsWithoutBroker: status, subscribe and replay with no
// broker at the address fail within a few seconds, exit 1, and say what to
// check; --wait waits that long first.
func TestClientCommandsWithoutBroker(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "nats://" + ln.Addr().String()
	ln.Close()
	for _, args := range [][]string{
		{"status", "--nats", url},
		{"subscribe", "--nats", url, "ceasefire"},
		{"replay", "--nats", url, "--since", "1h", "--topics", "../../configs/topics.yaml"},
	} {
		start := time.Now()
		code, _, stderr := cli(t, args...)
		took := time.Since(start)
		if code != 1 || !strings.Contains(stderr, "no broker at "+url) || !strings.Contains(stderr, "is `newswire run` running?") {
			t.Errorf("%s: exit %d, stderr %q; want 1 and a hint that newswire run is not running", args[0], code, stderr)
		}
		if took > 5*time.Second {
			t.Errorf("%s: took %s to fail, want a few seconds at most", args[0], took)
		}
	}
	start := time.Now()
	code, _, _ := cli(t, "status", "--nats", url, "--wait", "1500ms")
	if took := time.Since(start); code != 1 || took < time.Second {
		t.Errorf("status --wait 1500ms: exit %d after %s, want 1 after waiting about 1.5s", code, took)
	}
}
