package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/newswire/newswire/internal/daemon"
)

// usageError is a mistake in the command line or the configuration: exit 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// errHelp is returned when the user asked for --help: exit 0.
var errHelp = flag.ErrHelp

// exitCode maps run's error to the process exit code: 0 success, 2 usage or
// configuration error, 1 runtime failure.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	default:
		return 1
	}
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what every subcommand gets: its streams and the environment.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// ready, when set, is called by `run` once the daemon serves (tests).
	ready func(d *daemon.Daemon)
	// watch polls the config's files for `run`; zero values mean its
	// defaults (tests shorten them).
	watch fileWatcher
}

func commands() []command {
	return []command{
		{"run", "run the daemon: poll, dedupe, tag, publish", cmdRun},
		{"demo", "run the daemon on sample feeds it serves itself: news flowing, offline", cmdDemo},
		{"subscribe", "print tagged articles of topics as they arrive", cmdSubscribe},
		{"feeds", "list, add, remove, import or export feeds", cmdFeeds},
		{"topics", "list topics, or test why a text matches", cmdTopics},
		{"dedupe", "test how pairs of items are judged: same story or not", cmdDedupe},
		{"replay", "re-tag stored articles after a rule change, republish the changed", cmdReplay},
		{"status", "feed health: last poll, last error, next due, counts", cmdStatus},
		{"check", "validate the config and topic rules", cmdCheck},
		{"version", "print the version, revision and Go version", cmdVersion},
		{"completion", "print a bash, zsh or fish completion script", cmdCompletion},
	}
}

// run is the whole program; main only wires signals and the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runEnv(ctx, &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv}, args)
}

func runEnv(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(e.stderr)
		if len(args) == 0 {
			return usagef("newswire: no command given")
		}
		return nil
	}
	if args[0] == "--version" {
		fmt.Fprintln(e.stdout, versionLine())
		return nil
	}
	var names []string
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, e, args[1:])
			if err != nil && !errors.Is(err, errHelp) {
				fmt.Fprintln(e.stderr, "newswire "+c.name+":", userMessage(err))
			}
			return err
		}
		names = append(names, c.name)
	}
	err := unknownCommand("command", args[0], names, "newswire help")
	fmt.Fprintln(e.stderr, "newswire:", err)
	return err
}

// packagePrefixes are the "pkg: " prefixes newswire's packages put on
// their errors (for logs and Go callers); a person at the command line
// needs what went wrong and where, not which package said so.
var packagePrefixes = []string{"configs: ", "pipeline: ", "worker: ", "feeds: ", "dedupe: ", "near: ", "tag: ", "daemon: ", "labelled: "}

// userMessage is err's message without leading package prefixes. Only the
// start is trimmed: further on, "feeds: " may be a config key.
func userMessage(err error) string {
	msg := err.Error()
	for trimmed := true; trimmed; {
		trimmed = false
		for _, p := range packagePrefixes {
			if rest, ok := strings.CutPrefix(msg, p); ok {
				msg, trimmed = rest, true
			}
		}
	}
	return msg
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: newswire <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\n`newswire <command> --help` describes a command's flags.")
}

// newFlags returns a FlagSet for a subcommand that reports to e.stderr.
func newFlags(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("newswire "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: newswire %s %s\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// (`newswire subscribe ceasefire --since 1h`).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// defaultConfigPath is --config's default: $NEWSWIRE_CONFIG, else the shipped
// configs/newswire.yaml (so `newswire run` works from a fresh clone).
func defaultConfigPath(e *env) string {
	if p := e.getenv("NEWSWIRE_CONFIG"); p != "" {
		return p
	}
	return "configs/newswire.yaml"
}
