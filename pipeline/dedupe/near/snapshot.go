package near

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// A snapshot of an Index is its generations' flat slices as they are, so
// that loading one is a few large copies, not an Add per story (the story
// stage's memory snapshot, pipeline/dedupe, carries it). Layout
// (little-endian; slices as a uvarint length and their elements):
//
//	version, window (ns), generations, banding (4 uvarints), key limit
//	n, dropped, cutoff, number of generations, then per generation:
//	start, n, ids, other ids (count, then slot and string each), atLo,
//	atHi, ats, recs, offs, packed (bucket bits, slot bits, starts,
//	entries), table (entries, n)
//
// An index of another window, generation count, banding or key limit
// cannot take a snapshot: its stories would sit in other generations and
// bands (ErrSnapshotConfig).
const snapshotVersion = 1

// ErrSnapshotConfig: the snapshot was written by an index of another
// configuration.
var ErrSnapshotConfig = errors.New("near: snapshot of an index of another configuration")

// maxSnapshotElems bounds a slice read from a snapshot (of any element
// size): larger is damage, not an index.
const maxSnapshotElems = 1 << 34

// WriteSnapshot writes the index to w. It holds the read lock while it
// writes: Query goes on, Add and Expire wait.
func (x *Index) WriteSnapshot(w *bufio.Writer) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	e := snapWriter{w: w}
	e.uv(snapshotVersion)
	x.writeConfig(&e)
	e.uv(uint64(x.n))
	e.uv(uint64(x.dropped))
	e.u64(uint64(x.cutoff))
	e.uv(uint64(len(x.gens)))
	for _, g := range x.gens {
		e.u64(uint64(g.start))
		e.uv(uint64(g.n))
		e.bytes(g.ids)
		e.uv(uint64(len(g.otherIDs)))
		for slot, id := range g.otherIDs {
			e.uv(uint64(slot))
			e.bytes([]byte(id))
		}
		e.u32s(g.atLo)
		e.u16s(g.atHi)
		e.u64s(int64sAsU64(g.ats))
		e.bytes(g.recs)
		e.u32s(g.offs)
		e.uv(uint64(g.packed.bucketBits))
		e.uv(uint64(g.packed.slotBits))
		e.u32s(g.packed.starts)
		e.u32s(g.packed.entries)
		e.u64s(g.table.entries)
		e.uv(uint64(g.table.n))
	}
	return e.err
}

func (x *Index) writeConfig(e *snapWriter) {
	e.u64(uint64(x.cfg.Window))
	for _, v := range []int{x.cfg.Generations, x.cfg.Banding.BodyBands, x.cfg.Banding.BodyRows, x.cfg.Banding.HeadBands, x.cfg.Banding.HeadRows, x.cfg.KeyLimit} {
		e.uv(uint64(v))
	}
}

// ReadSnapshot reads what WriteSnapshot wrote into a new index of cfg
// (whose window, generations, banding and key limit must be the writer's;
// MaxStories and Params may differ).
func ReadSnapshot(r *bufio.Reader, cfg IndexConfig) (*Index, error) {
	x := NewIndex(cfg)
	d := snapReader{r: r}
	if v := d.uv(); d.err == nil && v != snapshotVersion {
		return nil, fmt.Errorf("near: snapshot version %d, want %d", v, snapshotVersion)
	}
	win := d.u64()
	conf := make([]uint64, 6)
	for i := range conf {
		conf[i] = d.uv()
	}
	if d.err != nil {
		return nil, d.err
	}
	c := x.cfg
	if time.Duration(win) != c.Window || conf[0] != uint64(c.Generations) || conf[1] != uint64(c.Banding.BodyBands) ||
		conf[2] != uint64(c.Banding.BodyRows) || conf[3] != uint64(c.Banding.HeadBands) || conf[4] != uint64(c.Banding.HeadRows) || conf[5] != uint64(c.KeyLimit) {
		return nil, ErrSnapshotConfig
	}
	x.n = int(d.uv())
	x.dropped = int(d.uv())
	x.cutoff = int64(d.u64())
	ngens := d.uv()
	if d.err == nil && ngens > 1<<20 {
		d.err = fmt.Errorf("near: snapshot of %d generations", ngens)
	}
	for range ngens {
		if d.err != nil {
			break
		}
		g := &generation{start: int64(d.u64()), n: int(d.uv())}
		g.ids = d.bytes()
		if others := d.uv(); others > 0 && d.err == nil {
			g.otherIDs = make(map[uint32]string, min(others, 1<<20))
			for range others {
				slot := d.uv()
				g.otherIDs[uint32(slot)] = string(d.bytes())
			}
		}
		g.atLo = d.u32s()
		g.atHi = d.u16s()
		g.ats = u64sAsInt64(d.u64s())
		g.recs = d.bytes()
		g.offs = d.u32s()
		g.packed.bucketBits = uint(d.uv())
		g.packed.slotBits = uint(d.uv())
		g.packed.starts = d.u32s()
		g.packed.entries = d.u32s()
		g.table.entries = d.u64s()
		g.table.n = int(d.uv())
		if d.err == nil {
			d.err = g.check()
		}
		x.gens = append(x.gens, g)
	}
	if d.err != nil {
		return nil, fmt.Errorf("near: read snapshot: %w", d.err)
	}
	return x, nil
}

// check tells a generation read from a snapshot from damage: its slices
// must agree on how many stories it holds.
func (g *generation) check() error {
	ok := g.n >= 0 && len(g.offs) == g.n && len(g.ids) == 16*g.n &&
		(len(g.atLo) == g.n && len(g.atHi) == g.n || len(g.ats) == g.n) &&
		(len(g.packed.starts) == 0 || len(g.packed.starts) == 1<<g.packed.bucketBits+1) &&
		(len(g.table.entries) == 0 || len(g.table.entries)&(len(g.table.entries)-1) == 0)
	if !ok {
		return fmt.Errorf("generation at %d: slices disagree on its %d stories", g.start, g.n)
	}
	for _, o := range g.offs {
		if int(o) > len(g.recs) {
			return fmt.Errorf("generation at %d: a record at %d of %d bytes", g.start, o, len(g.recs))
		}
	}
	return nil
}

func int64sAsU64(s []int64) []uint64 {
	out := make([]uint64, len(s))
	for i, v := range s {
		out[i] = uint64(v)
	}
	return out
}

func u64sAsInt64(s []uint64) []int64 {
	if s == nil {
		return nil
	}
	out := make([]int64, len(s))
	for i, v := range s {
		out[i] = int64(v)
	}
	return out
}

// snapWriter writes the snapshot's numbers and slices, keeping the first
// error.
type snapWriter struct {
	w   *bufio.Writer
	buf [8]byte
	err error
}

func (e *snapWriter) write(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *snapWriter) uv(v uint64) { e.write(binary.AppendUvarint(e.buf[:0], v)) }
func (e *snapWriter) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.buf[:], v)
	e.write(e.buf[:])
}
func (e *snapWriter) bytes(b []byte) { e.uv(uint64(len(b))); e.write(b) }

func (e *snapWriter) u16s(s []uint16) {
	e.uv(uint64(len(s)))
	for _, v := range s {
		binary.LittleEndian.PutUint16(e.buf[:], v)
		e.write(e.buf[:2])
	}
}

func (e *snapWriter) u32s(s []uint32) {
	e.uv(uint64(len(s)))
	for _, v := range s {
		binary.LittleEndian.PutUint32(e.buf[:], v)
		e.write(e.buf[:4])
	}
}

func (e *snapWriter) u64s(s []uint64) {
	e.uv(uint64(len(s)))
	for _, v := range s {
		binary.LittleEndian.PutUint64(e.buf[:], v)
		e.write(e.buf[:8])
	}
}

// snapReader reads them back, keeping the first error; a slice longer
// than maxSnapshotElems is an error.
type snapReader struct {
	r   *bufio.Reader
	buf [8]byte
	err error
}

func (d *snapReader) uv() uint64 {
	if d.err != nil {
		return 0
	}
	var v uint64
	v, d.err = binary.ReadUvarint(d.r)
	return v
}

func (d *snapReader) u64() uint64 {
	if d.err == nil {
		_, d.err = io.ReadFull(d.r, d.buf[:8])
	}
	return binary.LittleEndian.Uint64(d.buf[:])
}

func (d *snapReader) length() int {
	n := d.uv()
	if d.err == nil && n > maxSnapshotElems {
		d.err = fmt.Errorf("a slice of %d elements", n)
	}
	if d.err != nil {
		return 0
	}
	return int(n)
}

func (d *snapReader) bytes() []byte {
	n := d.length()
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(d.r, b); err != nil {
		d.err = err
	}
	return b
}

// fixed reads a slice of n elements of size bytes each, decoding them
// with get, through a buffer (the slices run to hundreds of megabytes).
func fixed[T any](d *snapReader, size int, get func([]byte) T) []T {
	n := d.length()
	if n == 0 {
		return nil
	}
	out := make([]T, n)
	var chunk [64 << 10]byte
	per := len(chunk) / size
	for i := 0; i < n && d.err == nil; i += per {
		k := min(per, n-i)
		if _, err := io.ReadFull(d.r, chunk[:k*size]); err != nil {
			d.err = err
			break
		}
		for j := range k {
			out[i+j] = get(chunk[j*size:])
		}
	}
	return out
}

func (d *snapReader) u16s() []uint16 { return fixed(d, 2, binary.LittleEndian.Uint16) }
func (d *snapReader) u32s() []uint32 { return fixed(d, 4, binary.LittleEndian.Uint32) }
func (d *snapReader) u64s() []uint64 { return fixed(d, 8, binary.LittleEndian.Uint64) }
