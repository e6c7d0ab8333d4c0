package configs

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Error is one problem in a configuration file. Its message has the form
// "FILE:LINE: KEY: message"; parts that are unknown are left out (no line for
// a file that cannot be read, no key for a YAML syntax error).
type Error struct {
	File string // the file as it was named to Load, or a path derived from it; "built-in" for the embedded taxonomy
	Line int    // 1-based; 0 when unknown
	Key  string // dotted key path such as "poll.interval" or "feeds[1].id"; for OPML "outline 3"
	Msg  string
	Err  error // the underlying cause, if any (for example fs.ErrNotExist); may be nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	for _, part := range []string{e.Key, e.Msg} {
		if part == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(part)
	}
	return b.String()
}

// Unwrap returns the underlying cause, if any.
func (e *Error) Unwrap() error { return e.Err }

// ErrorList is every problem found in a configuration, in file order and then
// line order. Load, LoadTopics, ParseTopics and ReadOPML return their errors
// as an ErrorList; its message has one Error per line.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap lets errors.Is and errors.As look at each Error.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// add appends an error located at file, line and key.
func (l *ErrorList) add(file string, line int, key, format string, args ...any) {
	*l = append(*l, &Error{File: file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// err returns nil for an empty list, else the list sorted by file (in order
// of first appearance) and line, errors without a line last. A nil ErrorList
// must not be returned as a non-nil error, hence this method.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	rank := map[string]int{}
	for _, e := range l {
		if _, ok := rank[e.File]; !ok {
			rank[e.File] = len(rank)
		}
	}
	slices.SortStableFunc(l, func(a, b *Error) int {
		if r := rank[a.File] - rank[b.File]; r != 0 {
			return r
		}
		return cmp.Compare(sortLine(a.Line), sortLine(b.Line))
	})
	return l
}

// sortLine puts errors without a line (about a key that is missing) after
// those with one.
func sortLine(line int) int {
	if line <= 0 {
		return int(^uint(0) >> 1)
	}
	return line
}

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a yaml.v3 parse error into an Error with its line.
func syntaxError(file string, err error) *Error {
	msg := err.Error()
	if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: m[2], Err: err}
	}
	return &Error{File: file, Msg: strings.TrimPrefix(msg, "yaml: "), Err: err}
}

// readError describes a failure to read a file without repeating its path,
// which the Error already carries: "no such file or directory".
func readError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
