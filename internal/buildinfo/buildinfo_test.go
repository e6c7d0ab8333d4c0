package buildinfo

import (
	"runtime"
	"testing"
)

func TestFormatRevision(t *testing.T) {
	for _, tt := range []struct {
		rev   string
		dirty bool
		want  string
	}{
		{"", false, "unknown"},
		{"", true, "unknown"},
		{"0123456789abcdef0123", false, "0123456789ab"},
		{"0123456789abcdef0123", true, "0123456789ab-dirty"},
		{"abc", false, "abc"},
	} {
		if got := formatRevision(tt.rev, tt.dirty); got != tt.want {
			t.Errorf("formatRevision(%q, %v) = %q, want %q", tt.rev, tt.dirty, got, tt.want)
		}
	}
}

func TestVersions(t *testing.T) {
	if Version() != "dev" {
		t.Errorf("Version() = %q, want dev in a test binary", Version())
	}
	if GoVersion() != runtime.Version() {
		t.Errorf("GoVersion() = %q, want %q", GoVersion(), runtime.Version())
	}
	if Revision() == "" {
		t.Error("Revision() is empty, want a revision or unknown")
	}
}
