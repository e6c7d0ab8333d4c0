package main

import (
	"strings"
	"testing"
)

func TestUnknownCommandSuggests(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want []string // lines stderr must contain
		not  string   // and must not
	}{
		{[]string{"bogus"}, []string{`newswire: unknown command "bogus"`, "Run `newswire help`"}, "Did you mean"},
		{[]string{"statsu"}, []string{`unknown command "statsu"`, `Did you mean "status"?`}, ""},
		{[]string{"sub"}, []string{`Did you mean "subscribe"?`}, ""},
		{[]string{"feeds", "imprt", "x.opml"}, []string{`newswire feeds: unknown feeds command "imprt"`, `Did you mean "import"?`, "newswire feeds --help"}, ""},
		{[]string{"topics", "--topics", "../../configs/topics.yaml", "lst"}, []string{`unknown topics command "lst"`, `Did you mean "list"?`}, ""},
		{[]string{"dedupe", "tset"}, []string{`unknown dedupe command "tset"`, `Did you mean "test"?`}, ""},
	}
	for _, tt := range tests {
		code, stdout, stderr := cli(t, tt.args...)
		if code != 2 || stdout != "" {
			t.Errorf("%q: exit %d, stdout %q; want 2 and nothing on stdout", tt.args, code, stdout)
		}
		for _, w := range tt.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%q: stderr %q lacks %q", tt.args, stderr, w)
			}
		}
		if tt.not != "" && strings.Contains(stderr, tt.not) {
			t.Errorf("%q: stderr %q has %q", tt.args, stderr, tt.not)
		}
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"run", "run", 0}, {"statsu", "status", 2}, {"fed", "feeds", 2}, {"kitten", "sitting", 3}, {"", "abc", 3},
	} {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
