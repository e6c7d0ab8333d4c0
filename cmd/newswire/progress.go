package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
)

// progress shows how far a long command got on one line of a terminal,
// rewritten in place with \r at most every 100ms. On anything but a
// terminal it prints nothing: the command's final summary is the one line
// a log or a pipe gets.
type progress struct {
	w      io.Writer
	format string // with two %d: done and total
	tty    bool
	last   time.Time
	width  int // of the line last written, to blank it out
}

func newProgress(w io.Writer, format string) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, format: format, tty: ok && isatty.IsTerminal(f.Fd())}
}

// update shows done of total; it has the signature configs.AddFeeds wants.
func (p *progress) update(done, total int) {
	if !p.tty || (done < total && time.Since(p.last) < 100*time.Millisecond) {
		return
	}
	p.last = time.Now()
	line := fmt.Sprintf(p.format, done, total)
	fmt.Fprint(p.w, "\r"+line)
	p.width = len(line)
}

// clear blanks the progress line so that the next output starts clean.
func (p *progress) clear() {
	if p.tty && p.width > 0 {
		fmt.Fprint(p.w, "\r"+strings.Repeat(" ", p.width)+"\r")
		p.width = 0
	}
}
