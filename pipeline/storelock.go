package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// storeLockName is the file in a store directory that the daemon holding
// the store keeps locked, with its pid inside.
const storeLockName = "newswire.lock"

// ErrStoreInUse is returned by StartEmbedded when another process holds
// the store directory.
var ErrStoreInUse = errors.New("store directory in use")

// storeLock is an exclusive lock on a store directory, held from before
// the embedded server opens the store until after it has flushed it: two
// servers writing one store corrupt it. The lock is the kernel's (flock
// where the platform has it), so it is released when its holder dies,
// however it dies; the pid in the file is for the message only.
type storeLock struct {
	f *os.File
}

// lockStore creates dir if needed and locks it, or fails with
// ErrStoreInUse naming the holder's pid.
func lockStore(dir string) (*storeLock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("pipeline: store %s: %w", dir, err)
	}
	path := filepath.Join(dir, storeLockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("pipeline: store %s: %w", dir, err)
	}
	if err := lockFile(f); err != nil {
		holder := "another process"
		if b, rerr := os.ReadFile(path); rerr == nil {
			if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
				holder = "pid " + strconv.Itoa(pid)
			}
		}
		f.Close()
		return nil, fmt.Errorf("pipeline: store %s is held by %s (%s): %w; two daemons must not share a store_dir",
			dir, holder, path, ErrStoreInUse)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &storeLock{f: f}, nil
}

// unlock releases the lock. The file stays: removing it would let a
// process that opened it just before take a lock on a file no one else
// can see.
func (l *storeLock) unlock() {
	if l == nil || l.f == nil {
		return
	}
	unlockFile(l.f)
	l.f.Close()
	l.f = nil
}
