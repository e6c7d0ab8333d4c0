// Package buildinfo says which build of newswire is running: the version
// set at link time, the VCS revision and the Go version. The CLI prints it
// (`newswire version`) and the daemon exports it (newswire_build_info). It
// imports nothing of newswire's.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// version is set at link time:
//
//	go build -ldflags "-X github.com/newswire/newswire/internal/buildinfo.version=v1.2.3" ./cmd/newswire
var version = "dev"

// Version is the version set at link time; else the module version `go
// install …@v1.2.3` records; else "dev".
func Version() string {
	if version != "dev" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return version
}

// Revision is the VCS revision the binary was built from, shortened to 12
// characters, with "-dirty" when the work tree had changes; "unknown" when
// the build recorded none (go run, go test, a build outside a repository).
func Revision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	var rev string
	var dirty bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	return formatRevision(rev, dirty)
}

func formatRevision(rev string, dirty bool) string {
	if rev == "" {
		return "unknown"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}

// GoVersion is the Go version the binary was built with, such as "go1.26.8".
func GoVersion() string { return runtime.Version() }
