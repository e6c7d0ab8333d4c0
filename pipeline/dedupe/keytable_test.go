package dedupe

import (
	"math/rand/v2"
	"testing"
)

// The key table answers as a map does through sets, replacements,
// deletions (shifting entries back along their probe paths) and drops by
// slot; small key ranges make long probe runs and wrap-arounds common.
func TestKeyTableMatchesAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, keys := range []uint64{50, 5000} {
		var tab keyTable
		ref := map[uint64]uint32{}
		first := uint32(0)
		for op := range 200_000 {
			k := 1 + rng.Uint64N(keys)
			switch r := rng.IntN(100); {
			case r < 50:
				slot := first + uint32(rng.IntN(1000))
				tab.set(k, slot)
				ref[k] = slot
			case r < 80:
				slot, ok := ref[k]
				if !ok || rng.IntN(2) == 0 {
					slot = first + uint32(rng.IntN(1000))
				}
				tab.deleteIf(k, slot)
				if ref[k] == slot {
					delete(ref, k)
				}
			case r < 81:
				first += uint32(rng.IntN(300))
				tab.dropBelow(first)
				for k, s := range ref {
					if s < first {
						delete(ref, k)
					}
				}
			}
			if op%997 == 0 || op == 199_999 {
				if tab.len() != len(ref) {
					t.Fatalf("keys %d, op %d: table holds %d, map %d", keys, op, tab.len(), len(ref))
				}
				for k := uint64(1); k <= keys; k++ {
					got, ok := tab.get(k)
					want, wok := ref[k]
					if ok != wok || got != want {
						t.Fatalf("keys %d, op %d: get(%d) = %d, %v; want %d, %v", keys, op, k, got, ok, want, wok)
					}
				}
			}
		}
	}
}
