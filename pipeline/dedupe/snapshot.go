package dedupe

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// A snapshot of memory lets a restarted replica judge within seconds: it
// reads the snapshot (one object of the newswire_memory bucket) and then
// only the tail of NEWS_TAGGED after the sequence the snapshot was taken
// at, instead of every story of the window. Replicas write one every
// snapshotEvery while memory changes (Window.Run); any replica's serves
// every other, since all follow the same stream.
//
// Layout (little-endian, uvarint counts and lengths):
//
//	"newswire-memory" version
//	followed (uint64)           the NEWS_TAGGED sequence memory holds up to
//	window (int64, ns)          dedupe.window when written: another window loads from the stream
//	near (byte)                 1 when the near-duplicate index follows
//	exact memory                feeds, first slot, stories, key table (exactMemory.writeTo)
//	near-duplicate index        near.Index.WriteSnapshot, when near
//
// Stories this process was still publishing (tentative) are written as
// forgotten, without their keys: the stream has yet to say they came first.

const snapshotMagic = "newswire-memory"
const snapshotVersion = 1

// errSnapshot wraps what is wrong with a snapshot that cannot be loaded.
var errSnapshot = errors.New("dedupe: unusable memory snapshot")

// writeTo writes the exact memory (exactMemory layout above).
func (x *exactMemory) writeTo(w *bufio.Writer) error {
	var b [binary.MaxVarintLen64]byte
	uv := func(v uint64) { w.Write(binary.AppendUvarint(b[:0], v)) }
	u64 := func(v uint64) { w.Write(binary.LittleEndian.AppendUint64(b[:0], v)) }
	str := func(s string) { uv(uint64(len(s))); w.WriteString(s) }

	uv(uint64(len(x.feedNames)))
	for _, f := range x.feedNames {
		str(f)
	}
	uv(uint64(x.first))
	uv(uint64(len(x.stories)))
	for i := range x.stories {
		st := &x.stories[i]
		if st.tentative {
			str("")
			w.Write(make([]byte, 8*4))
			uv(0)
			uv(0)
			continue
		}
		str(st.id)
		u64(uint64(st.at))
		u64(st.rawSeq)
		u64(st.guid)
		u64(st.content)
		uv(uint64(st.feed))
		uv(uint64(st.rev))
	}
	// The key table as it is: loading it is a copy, not a rehash.
	uv(uint64(len(x.byKey.keys)))
	holes := byte(0)
	for i, k := range x.byKey.keys {
		if k != 0 && x.at(x.byKey.slots[i]).tentative {
			k, holes = 0, 1 // a tentative story's key: left out
		}
		u64(k)
		w.Write(binary.LittleEndian.AppendUint32(b[:0], x.byKey.slots[i]))
	}
	// A key left out is a hole in a probe run, which would cut off the
	// keys after it: the reader files the table again.
	return w.WriteByte(holes)
}

// readExact reads what writeTo wrote.
func readExact(r *bufio.Reader) (*exactMemory, error) {
	x := newExactMemory()
	var err error
	uv := func() uint64 {
		if err != nil {
			return 0
		}
		var v uint64
		v, err = binary.ReadUvarint(r)
		return v
	}
	var buf [8]byte
	u64 := func() uint64 {
		if err == nil {
			_, err = io.ReadFull(r, buf[:])
		}
		return binary.LittleEndian.Uint64(buf[:])
	}
	var scratch [maxSnapshotString]byte
	str := func() string {
		n := uv()
		if err != nil || n > maxSnapshotString {
			err = errors.Join(err, fmt.Errorf("%w: a string of %d bytes", errSnapshot, n))
			return ""
		}
		if _, e := io.ReadFull(r, scratch[:n]); e != nil {
			err = e
		}
		return string(scratch[:n])
	}
	nFeeds := uv()
	if nFeeds > math.MaxUint32 {
		return nil, fmt.Errorf("%w: %d feeds", errSnapshot, nFeeds)
	}
	for range nFeeds {
		x.intern(str())
	}
	x.first = uint32(uv())
	n := uv()
	if err != nil || n > 1<<32 {
		return nil, errors.Join(err, fmt.Errorf("%w: %d stories", errSnapshot, n))
	}
	x.stories = make([]exactStory, n)
	for i := range x.stories {
		st := &x.stories[i]
		st.id = str()
		st.at = int64(u64())
		st.rawSeq, st.guid, st.content = u64(), u64(), u64()
		feed, rev := uv(), uv()
		if err != nil {
			return nil, err
		}
		if feed >= uint64(len(x.feedNames)) && st.id != "" || rev > math.MaxUint16 {
			return nil, fmt.Errorf("%w: story %d: feed %d of %d, revision %d", errSnapshot, i, feed, len(x.feedNames), rev)
		}
		st.feed, st.rev = uint32(feed), uint16(rev)
	}
	size := uv()
	if err != nil || size&(size-1) != 0 || size > 1<<34 {
		return nil, errors.Join(err, fmt.Errorf("%w: a key table of %d", errSnapshot, size))
	}
	x.byKey.keys, x.byKey.slots = make([]uint64, size), make([]uint32, size)
	var kb [12]byte
	for i := range x.byKey.keys {
		if _, err := io.ReadFull(r, kb[:]); err != nil {
			return nil, err
		}
		k, slot := binary.LittleEndian.Uint64(kb[:8]), binary.LittleEndian.Uint32(kb[8:])
		x.byKey.keys[i], x.byKey.slots[i] = k, slot
		if k != 0 {
			if !x.holds(slot) {
				return nil, fmt.Errorf("%w: key of slot %d outside %d…%d", errSnapshot, slot, x.first, x.first+uint32(len(x.stories)))
			}
			x.byKey.n++
		}
	}
	holes, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	if holes != 0 {
		x.byKey.resize(len(x.byKey.keys))
	}
	return x, nil
}

// maxSnapshotString bounds an id or a feed id read from a snapshot.
const maxSnapshotString = 1 << 10
