package main

import (
	"strings"
	"testing"
	"time"
)

func TestDurationFlags(t *testing.T) {
	t.Parallel()
	fs := newFlags(&env{stderr: &strings.Builder{}}, "x", "")
	since := durationVar(fs, "since", time.Hour, "")
	wait := durationVar(fs, "wait", 0, "")
	if _, err := parseFlags(fs, []string{"--since", "1d12h", "--wait", "2w"}); err != nil {
		t.Fatal(err)
	}
	if *since != 36*time.Hour || *wait != 14*24*time.Hour {
		t.Errorf("--since 1d12h --wait 2w read as %v and %v, want 36h and 336h", *since, *wait)
	}

	code, _, stderr := cli(t, "subscribe", "ceasefire", "--since", "7x")
	want := `invalid value "7x" for flag -since: want a duration such as 90s, 15m, 1h30m, 7d, 1d12h or 2w`
	if code != 2 || !strings.Contains(stderr, want) {
		t.Errorf("--since 7x: exit %d, stderr %q; want 2 and %q", code, stderr, want)
	}
	_, _, stderr = cli(t, "subscribe", "--help")
	if strings.Contains(stderr, "(default 0s)") {
		t.Errorf("help shows a zero default:\n%s", stderr)
	}
}
