package tag

import (
	"strconv"
	"strings"
)

// Error is a problem with a topic rule, named by the file, line and key of
// the phrase or setting at fault: "FILE:LINE: KEY: message", leaving out
// what is unknown (no line for rules built in code).
type Error struct {
	File string // Topics.Source: a path, or "built-in"
	Line int    // 1-based; 0 when unknown
	Key  string // key path such as "topics[2].weak[5]"
	Msg  string
}

func (e *Error) Error() string {
	parts := make([]string, 0, 3)
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	for _, p := range []string{loc, e.Key, e.Msg} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ": ")
}

// Errors are every problem Compile found, in line order; the message has
// one per line.
type Errors []*Error

func (l Errors) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}
