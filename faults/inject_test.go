package faults

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// injector publishes raw articles as a poller would: each with its
// Nats-Msg-Id, each retried with the same id until the broker acknowledges
// it, so a broker restart neither loses nor doubles one.
type injector struct {
	js      jetstream.JetStream
	workers int           // publishes in flight
	rate    int           // messages per second at most
	timeout time.Duration // per attempt

	retries atomic.Int64
	acked   atomic.Int64
}

// run publishes msgs in order (workers at a time) at the injector's rate
// and returns when all are acknowledged, or ctx's error.
func (in *injector) run(ctx context.Context, msgs []rawMsg) error {
	next := make(chan int)
	var wg sync.WaitGroup
	for range in.workers {
		wg.Go(func() {
			for i := range next {
				in.publish(ctx, msgs[i])
			}
		})
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	perTick := max(1, in.rate/100)
	i := 0
feed:
	for i < len(msgs) {
		select {
		case <-ctx.Done():
			break feed
		case <-tick.C:
		}
		for end := min(i+perTick, len(msgs)); i < end; i++ {
			select {
			case next <- i:
			case <-ctx.Done():
				break feed
			}
		}
	}
	close(next)
	wg.Wait()
	return ctx.Err()
}

// publish retries m until it is acknowledged or ctx is done.
func (in *injector) publish(ctx context.Context, m rawMsg) {
	for ctx.Err() == nil {
		msg := nats.NewMsg(m.subject)
		msg.Data = m.data
		msg.Header.Set("Content-Type", "application/json")
		actx, cancel := context.WithTimeout(ctx, in.timeout)
		_, err := in.js.PublishMsg(actx, msg, jetstream.WithMsgID(m.msgID))
		cancel()
		if err == nil {
			in.acked.Add(1)
			return
		}
		in.retries.Add(1)
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}
