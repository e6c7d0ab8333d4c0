package pipeline

import (
	"context"
	"testing"
	"time"
)

func TestStoreOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := NewStoreOrder()
	for _, seq := range []uint64{1, 2, 3} {
		o.arrive(seq)
	}
	// 3 shares nothing with 1 but must wait until 1 and 2 have filed keys.
	third := make(chan error, 1)
	go func() { third <- o.Wait(ctx, 3, []uint64{30}) }()
	select {
	case <-third:
		t.Fatal("3 passed before the earlier messages filed their keys")
	case <-time.After(20 * time.Millisecond):
	}
	if err := o.Wait(ctx, 1, []uint64{10, 11}); err != nil {
		t.Fatal(err)
	}
	// 2 shares key 11 with 1, which is still in hand: it waits.
	second := make(chan error, 1)
	go func() { second <- o.Wait(ctx, 2, []uint64{11}) }()
	if err := <-third; err != nil { // 1 and 2 filed; 3 shares nothing with them
		t.Fatal(err)
	}
	select {
	case <-second:
		t.Fatal("2 passed while 1, stored earlier with a shared key, was in hand")
	case <-time.After(20 * time.Millisecond):
	}
	o.leave(1)
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	o.leave(2)
	o.leave(3)
	if len(o.turns) != 0 || len(o.holders) != 0 {
		t.Errorf("after every message left: %d turns, %d keys held", len(o.turns), len(o.holders))
	}

	// A wait ends with its context; a message never filed does not wait.
	o.arrive(5)
	o.arrive(6)
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := o.Wait(cctx, 6, nil); err == nil {
		t.Error("6 passed while 5 had not filed its keys")
	}
	if err := o.Wait(ctx, 99, []uint64{1}); err != nil {
		t.Errorf("a message the runner did not file: %v", err)
	}
	var none *StoreOrder
	if err := none.Wait(ctx, 1, []uint64{1}); err != nil {
		t.Errorf("nil StoreOrder: %v", err)
	}
}
