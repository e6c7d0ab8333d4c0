package main

import (
	"flag"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
)

// logFlags defines --log-format and --log-level (defaulting to level) on
// fs and returns what builds the logger they ask for, once fs is parsed.
func logFlags(fs *flag.FlagSet, level string) func(w io.Writer) (zerolog.Logger, error) {
	format := fs.String("log-format", "auto", "json, console, or auto (console on a terminal)")
	lvl := fs.String("log-level", level, "trace, debug, info, warn or error")
	return func(w io.Writer) (zerolog.Logger, error) { return newLogger(w, *format, *lvl) }
}

// newLogger builds the process logger: JSON by default, human-readable with
// format "console" (or "auto" on a terminal).
func newLogger(w io.Writer, format, level string) (zerolog.Logger, error) {
	lvl, err := zerolog.ParseLevel(level)
	if err != nil || level == "" {
		return zerolog.Nop(), usagef("--log-level %q: want trace, debug, info, warn or error", level)
	}
	switch format {
	case "json":
	case "console":
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	case "auto":
		if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
		}
	default:
		return zerolog.Nop(), usagef("--log-format %q: want json, console or auto", format)
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}
