package dedupe

// keyTable maps 64-bit key hashes (never 0) to story slots: open
// addressing with linear probing over two parallel arrays (12 bytes an
// entry, no per-entry allocation; a Go map spends about twice that), grown
// at three quarters full. Deletion shifts the entries after a freed one back
// along their probe path (no tombstones), so look-ups stay short however
// many keys expire. Not safe for concurrent use.
type keyTable struct {
	keys  []uint64 // 0: empty
	slots []uint32
	n     int
}

func (t *keyTable) home(k uint64) int { return int(mix(k)) & (len(t.keys) - 1) }

// mix spreads a key hash over the table: the hashes are xxhash values, but
// a cheap finaliser keeps sequential test keys from clustering.
func mix(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	return k
}

// get returns the slot filed under k.
func (t *keyTable) get(k uint64) (uint32, bool) {
	if t.n == 0 {
		return 0, false
	}
	mask := len(t.keys) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			return t.slots[i], true
		case 0:
			return 0, false
		}
	}
}

// set files slot under k, replacing what k held.
func (t *keyTable) set(k uint64, slot uint32) {
	if (t.n+1)*4 > len(t.keys)*3 {
		t.grow()
	}
	mask := len(t.keys) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			t.slots[i] = slot
			return
		case 0:
			t.keys[i], t.slots[i] = k, slot
			t.n++
			return
		}
	}
}

// deleteIf removes k if it holds slot.
func (t *keyTable) deleteIf(k uint64, slot uint32) {
	if t.n == 0 {
		return
	}
	mask := len(t.keys) - 1
	i := t.home(k)
	for ; t.keys[i] != k; i = (i + 1) & mask {
		if t.keys[i] == 0 {
			return
		}
	}
	if t.slots[i] != slot {
		return
	}
	t.removeAt(i)
}

// removeAt empties position i and moves back the entries after it that
// would otherwise be cut off from their home.
func (t *keyTable) removeAt(i int) {
	mask := len(t.keys) - 1
	t.keys[i] = 0
	t.n--
	for j := (i + 1) & mask; t.keys[j] != 0; j = (j + 1) & mask {
		h := t.home(t.keys[j])
		// Entry j may move to i if its home is not in (i, j] (cyclically).
		if (j > i && (h <= i || h > j)) || (j < i && h <= i && h > j) {
			t.keys[i], t.slots[i] = t.keys[j], t.slots[j]
			t.keys[j] = 0
			i = j
		}
	}
}

// dropBelow removes every entry whose slot is below first, and shrinks the
// table when it is mostly empty.
func (t *keyTable) dropBelow(first uint32) {
	for i := 0; i < len(t.keys); {
		if t.keys[i] != 0 && t.slots[i] < first {
			t.removeAt(i) // may move another entry into i: look at it again
			continue
		}
		i++
	}
	if len(t.keys) > 64 && t.n*8 < len(t.keys) {
		t.resize(len(t.keys) / 2)
	}
}

func (t *keyTable) grow() { t.resize(max(64, 2*len(t.keys))) }

func (t *keyTable) resize(size int) {
	keys, slots := t.keys, t.slots
	t.keys, t.slots, t.n = make([]uint64, size), make([]uint32, size), 0
	for i, k := range keys {
		if k != 0 {
			t.set(k, slots[i])
		}
	}
}

// len is the number of keys held.
func (t *keyTable) len() int { return t.n }
