package main

import (
	"regexp"
	"testing"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	want := regexp.MustCompile(`^newswire \S+ \(\S+, go1\.[0-9.]+\S*\)\n$`)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, stderr := cli(t, args...)
		if code != 0 || !want.MatchString(stdout) {
			t.Errorf("newswire %s: exit %d, stdout %q, stderr %q; want `newswire <version> (<revision>, <go>)`", args[0], code, stdout, stderr)
		}
	}
	if code, _, _ := cli(t, "version", "extra"); code != 2 {
		t.Errorf("version extra: exit %d, want 2", code)
	}
}
