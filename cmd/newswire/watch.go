package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"slices"
	"time"
)

// fileWatcher notices changes to a few small files (the config, its
// feeds_file and topics_file) by polling them: portable, no dependency, and
// cheap at one stat per file every Interval. A file counts as changed when
// its content hash differs, or it appears or disappears; its mtime and size
// only decide whether it must be read and hashed again, so touching a file
// does not reload anything.
//
// Editors and tools write in several steps (truncate then write, write a
// temporary file then rename, remove then create), so a change is reported
// once the files have stayed the same for Settle after it: one reload per
// edit, on the finished file.
type fileWatcher struct {
	Interval time.Duration // between polls while nothing changes; zero: 2s
	Settle   time.Duration // how long files must stay unchanged; zero: 500ms
}

// fileStamp is what a poll learnt about one file.
type fileStamp struct {
	exists  bool
	modTime time.Time
	size    int64
	sum     [sha256.Size]byte
}

// sameContent reports whether two stamps describe the same bytes.
func (a fileStamp) sameContent(b fileStamp) bool {
	return a.exists == b.exists && (!a.exists || a.sum == b.sum)
}

// Run polls the files named by paths until ctx is done. After each settled
// change it sends on changed, without blocking if a change is already
// pending there, and then calls paths again, since the set of files to
// watch may change with the configuration. The first poll only records how
// the files are. Run returns ctx's error.
func (w fileWatcher) Run(ctx context.Context, paths func() []string, changed chan<- struct{}) error {
	every, settle := w.Interval, w.Settle
	if every <= 0 {
		every = 2 * time.Second
	}
	if settle <= 0 {
		settle = 500 * time.Millisecond
	}
	watched := paths()
	stamps := stampFiles(watched, nil)
	pending := false         // a change was seen and has not been reported
	var lastChange time.Time // when a poll last saw the files differ
	timer := time.NewTimer(every)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C:
		}
		now := stampFiles(watched, stamps)
		if !sameStamps(now, stamps) {
			pending, lastChange = true, time.Now()
		}
		stamps = now
		if pending && time.Since(lastChange) >= settle {
			pending = false
			select {
			case changed <- struct{}{}:
			default:
			}
			if next := paths(); !slices.Equal(next, watched) {
				watched = next
				stamps = stampFiles(watched, nil)
			}
		}
		if pending {
			timer.Reset(settle)
		} else {
			timer.Reset(every)
		}
	}
}

// stampFiles stamps each path; a file whose mtime and size match its stamp
// in prev (by path) keeps that stamp without being read again.
func stampFiles(paths []string, prev map[string]fileStamp) map[string]fileStamp {
	out := make(map[string]fileStamp, len(paths))
	for _, p := range paths {
		out[p] = stampFile(p, prev[p])
	}
	return out
}

func stampFile(path string, prev fileStamp) fileStamp {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fileStamp{}
		}
		// Unreadable for another reason (permissions): report it as it
		// was, so that a reload attempt says what is wrong once it is
		// readable again, rather than reloading on every poll.
		return prev
	}
	s := fileStamp{exists: true, modTime: st.ModTime(), size: st.Size()}
	if prev.exists && s.modTime.Equal(prev.modTime) && s.size == prev.size {
		s.sum = prev.sum
		return s
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return prev
	}
	s.sum = sha256.Sum256(data)
	return s
}

func sameStamps(a, b map[string]fileStamp) bool {
	if len(a) != len(b) {
		return false
	}
	for p, s := range a {
		if !s.sameContent(b[p]) {
			return false
		}
	}
	return true
}
