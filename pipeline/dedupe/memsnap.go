package dedupe

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/pipeline/dedupe/near"
)

// snapshotObject is the name of the memory snapshot in the
// pipeline.BucketMemory object store.
const snapshotObject = "window"

// A replica looks every snapshotCheck at how far its memory moved since
// the last snapshot (its own or the one it loaded) and writes one when the
// stream moved snapshotTail sequences on, or at all in snapshotMaxAge: a
// restart then reads the snapshot and at most about snapshotTail messages
// (about a second and a half), while a quiet installation does not rewrite
// hundreds of megabytes every few minutes.
const (
	snapshotCheck  = 5 * time.Minute
	snapshotTail   = 100_000
	snapshotMaxAge = time.Hour
)

// writeSnapshot encodes memory under the lock and stores it, returning the
// sequence it was taken at. Stories keep being judged while it uploads.
func (w *Window) writeSnapshot(ctx context.Context) (uint64, error) {
	pr, pw := io.Pipe()
	// Encoded into memory under the lock (a few hundred milliseconds at
	// a million stories), then uploaded without it.
	var buf bytesBuffer
	bw := bufio.NewWriterSize(&buf, 1<<20)
	w.mu.Lock()
	followed := w.followed.Load()
	err := w.encodeSnapshot(bw, followed)
	w.mu.Unlock()
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return 0, err
	}
	go func() {
		_, err := buf.WriteTo(pw)
		pw.CloseWithError(err)
	}()
	_, err = w.snaps.Put(ctx, jetstream.ObjectMeta{Name: snapshotObject, Description: fmt.Sprintf("story stage memory at NEWS_TAGGED sequence %d", followed)}, pr)
	pr.CloseWithError(err)
	return followed, err
}

// bytesBuffer is a list of chunks: a snapshot of hundreds of megabytes is
// not copied each time a single buffer would grow.
type bytesBuffer struct{ chunks [][]byte }

func (b *bytesBuffer) Write(p []byte) (int, error) {
	b.chunks = append(b.chunks, append([]byte(nil), p...))
	return len(p), nil
}

func (b *bytesBuffer) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for i, c := range b.chunks {
		m, err := w.Write(c)
		n += int64(m)
		b.chunks[i] = nil // released as it goes
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (w *Window) encodeSnapshot(bw *bufio.Writer, followed uint64) error {
	bw.WriteString(snapshotMagic)
	bw.WriteByte(snapshotVersion)
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], followed)
	bw.Write(b[:])
	binary.LittleEndian.PutUint64(b[:], uint64(w.window))
	bw.Write(b[:])
	if w.idx != nil {
		bw.WriteByte(1)
	} else {
		bw.WriteByte(0)
	}
	if err := w.exact.writeTo(bw); err != nil {
		return err
	}
	if w.idx != nil {
		return w.idx.WriteSnapshot(bw)
	}
	return nil
}

// loadSnapshot replaces memory with the stored snapshot and returns the
// sequence it was taken at; ok is false (memory unchanged) when there is
// none or it does not fit this window (another dedupe.window, near on or
// off): then memory is read from the stream.
func (w *Window) loadSnapshot(ctx context.Context) (followed uint64, ok bool) {
	if w.snaps == nil {
		return 0, false
	}
	t0 := time.Now()
	res, err := w.snaps.Get(ctx, snapshotObject)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return 0, false
	}
	if err == nil {
		defer res.Close()
		followed, err = w.decodeSnapshot(bufio.NewReaderSize(res, 1<<20))
	}
	if err != nil {
		w.log.Warn().Err(err).Msg("memory snapshot not used: reading the window from NEWS_TAGGED")
		return 0, false
	}
	w.followed.Store(followed)
	w.log.Info().Int("stories", w.exact.len()).Uint64("seq", followed).Dur("took", time.Since(t0)).Msg("memory snapshot loaded")
	return followed, true
}

func (w *Window) decodeSnapshot(r *bufio.Reader) (uint64, error) {
	head := make([]byte, len(snapshotMagic)+1+8+8+1)
	if _, err := io.ReadFull(r, head); err != nil {
		return 0, err
	}
	if string(head[:len(snapshotMagic)]) != snapshotMagic || head[len(snapshotMagic)] != snapshotVersion {
		return 0, fmt.Errorf("%w: not a snapshot of this version", errSnapshot)
	}
	rest := head[len(snapshotMagic)+1:]
	followed := binary.LittleEndian.Uint64(rest)
	window := time.Duration(binary.LittleEndian.Uint64(rest[8:]))
	withNear := rest[16] == 1
	if window != w.window || withNear != (w.idx != nil) {
		return 0, fmt.Errorf("%w: written for a window of %s (near-duplicates %v)", errSnapshot, window, withNear)
	}
	exact, err := readExact(r)
	if err != nil {
		return 0, err
	}
	var idx *near.Index
	if w.idx != nil {
		if idx, err = near.ReadSnapshot(r, w.idxConfig); err != nil {
			return 0, err
		}
	}
	w.mu.Lock()
	w.exact, w.idx = exact, idx
	w.mu.Unlock()
	return followed, nil
}
