package main

import (
	"context"
	"fmt"

	"github.com/newswire/newswire/internal/buildinfo"
)

// cmdVersion prints `newswire <version> (<revision>, <go version>)`. The
// version is set at link time on internal/buildinfo (see its doc).
func cmdVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	fmt.Fprintln(e.stdout, versionLine())
	return nil
}

func versionLine() string {
	return fmt.Sprintf("newswire %s (%s, %s)", buildinfo.Version(), buildinfo.Revision(), buildinfo.GoVersion())
}
