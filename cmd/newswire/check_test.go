package main

import (
	"strings"
	"testing"
)

// check warns, without failing, about feeds the poller would refuse.
func TestCheckWarnsAboutPrivateFeeds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	feedsYAML := `feeds:
  - {id: lan, url: "http://10.0.0.5/rss"}
  - {id: local, url: "http://localhost:8080/feed"}
  - {id: public, url: "https://93.184.216.34/rss"}
`
	path := writeFile(t, dir, "newswire.yaml", feedsYAML)
	code, stdout, stderr := cli(t, "check", "--config", path)
	if code != 0 || !strings.Contains(stdout, "ok: 3 feeds") {
		t.Fatalf("check: exit %d, stdout %q, stderr %q; want 0", code, stdout, stderr)
	}
	for _, want := range []string{
		"warning: feed lan: 10.0.0.5 resolves to a private address (10.0.0.5), which the poller refuses; allow it with poll.allow_private: true or add the host to poll.allow_hosts\n",
		"warning: feed local: localhost resolves to a loopback address",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "public") {
		t.Errorf("warned about a public address:\n%s", stderr)
	}

	allowed := writeFile(t, dir, "allowed.yaml", "poll:\n  allow_hosts: [10.0.0.0/8, localhost]\n"+feedsYAML)
	if code, _, stderr := cli(t, "check", "--config", allowed); code != 0 || stderr != "" {
		t.Errorf("check with allow_hosts: exit %d, stderr %q; want 0 and no warning", code, stderr)
	}
	all := writeFile(t, dir, "all.yaml", "poll:\n  allow_private: true\n"+feedsYAML)
	if code, _, stderr := cli(t, "check", "--config", all); code != 0 || stderr != "" {
		t.Errorf("check with allow_private: exit %d, stderr %q; want 0 and no warning", code, stderr)
	}
}
