// Package buildinfo says which build of newswire is running: the version
// set at link time (-ldflags "-X github.com/newswire/newswire/internal/buildinfo.version=v1.2.3")
// and the VCS revision and Go version the toolchain recorded.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// version is set by the linker; "dev" for a build from a work tree.
var version = "dev"

// Version is the release version, "dev" when none was set at link time.
func Version() string { return version }

// Revision is the VCS revision the binary was built from, with "-dirty"
// when the work tree had changes; "unknown" without VCS information.
func Revision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "unknown", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}

// GoVersion is the Go toolchain that built the binary.
func GoVersion() string { return runtime.Version() }
