package pipeline

import (
	"context"
	"sync"
)

// StoreOrder lets a stage's handlers settle conflicts between messages in
// the order the stream stored them, while handling the rest concurrently.
//
// A Runner with a StoreOrder files each message as it is received (in
// delivery order, which for first deliveries is the stream's order) and
// removes it when its handler returns. A handler calls Wait with the keys
// its message may conflict on (for dedupe: its exact keys and its
// near-duplicate band keys); Wait returns once every message this process
// received earlier has filed its keys, and none of those that share a key
// with this one is still being handled. So of two copies of one story in
// this process's hands at once, the one stored first decides first, however
// the goroutines are scheduled; messages that share nothing do not wait
// for each other beyond filing their keys.
//
// It orders one process's messages. Replicas sharing a consumer receive
// different messages; between them, "first" is the first to claim.
type StoreOrder struct {
	mu      sync.Mutex
	changed chan struct{}       // closed and replaced whenever a turn is filed or left
	turns   map[uint64]*turn    // messages in hand, by stream sequence
	holders map[uint64][]uint64 // key → sequences in hand that filed it
}

type turn struct {
	keys  []uint64
	filed bool
}

// NewStoreOrder returns an empty StoreOrder for one Runner.
func NewStoreOrder() *StoreOrder {
	return &StoreOrder{changed: make(chan struct{}), turns: map[uint64]*turn{}, holders: map[uint64][]uint64{}}
}

// arrive files a received message (the Runner, in delivery order).
func (o *StoreOrder) arrive(seq uint64) {
	if o == nil || seq == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.turns[seq]; !ok {
		o.turns[seq] = &turn{}
	}
}

// leave removes a message whose handler returned (the Runner).
func (o *StoreOrder) leave(seq uint64) {
	if o == nil || seq == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	t, ok := o.turns[seq]
	if !ok {
		return
	}
	delete(o.turns, seq)
	for _, k := range t.keys {
		hs := o.holders[k]
		for i, h := range hs {
			if h == seq {
				hs[i] = hs[len(hs)-1]
				hs = hs[:len(hs)-1]
				break
			}
		}
		if len(hs) == 0 {
			delete(o.holders, k)
		} else {
			o.holders[k] = hs
		}
	}
	o.signal()
}

// signal wakes every waiter; o.mu is held.
func (o *StoreOrder) signal() {
	close(o.changed)
	o.changed = make(chan struct{})
}

// Wait files keys for the message of stream sequence seq and blocks until
// it is its turn (see StoreOrder) or ctx is done. A nil StoreOrder, or a
// message the Runner did not file, never waits.
func (o *StoreOrder) Wait(ctx context.Context, seq uint64, keys []uint64) error {
	if o == nil {
		return nil
	}
	o.mu.Lock()
	t, ok := o.turns[seq]
	if !ok || t.filed {
		o.mu.Unlock()
		return nil
	}
	t.keys, t.filed = keys, true
	for _, k := range keys {
		o.holders[k] = append(o.holders[k], seq)
	}
	o.signal()
	for !o.myTurn(seq, keys) {
		changed := o.changed
		o.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
		o.mu.Lock()
	}
	o.mu.Unlock()
	return nil
}

// myTurn reports whether every earlier message has filed its keys and none
// that shares one is in hand; o.mu is held.
func (o *StoreOrder) myTurn(seq uint64, keys []uint64) bool {
	for s, t := range o.turns {
		if s < seq && !t.filed {
			return false
		}
	}
	for _, k := range keys {
		for _, h := range o.holders[k] {
			if h < seq {
				return false
			}
		}
	}
	return true
}
