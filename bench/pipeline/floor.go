package main

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/pipeline"
)

// The broker floor (-floor): what newswire's design asks of the broker per
// article, with none of newswire's own work.
//
// This process runs a pool of workers on the daemon's server (which runs no
// stage, as for the hop) in place of the story stage. They make the broker
// calls the stage makes for an article and nothing else: no JSON, no
// hashing, no memory, no rules. Per new story: a publish to
// news.tagged.<feed> awaited before the ack. Per copy: the ack. Topic
// copies (news.topic.>), the memory's headers-only follower of NEWS_TAGGED
// and dead letters are left out, so the floor is below what the real stage
// must do.
//
// Its throughput bounds the pipeline's on this machine whatever newswire's
// own code costs: if the floor is under the target, no tuning of the
// stage reaches it.

// floorWorkers is how many articles the floor pool handles at once: as
// many as the stage's handlers, so the floor is bound by CPU, not by round
// trips.
const floorWorkers = 64

// startFloor starts the floor's pool on js; isNew tells a new story from a
// copy by its article id. stop ends it and returns the first error a
// worker met.
func startFloor(ctx context.Context, js jetstream.JetStream, isNew func(articleID string) bool) (stop func() error, err error) {
	ctx, cancel := context.WithCancel(ctx)
	f := &floorPools{cancel: cancel}
	judge := func(ctx context.Context, m jetstream.Msg) error {
		id := m.Headers().Get(jetstream.MsgIDHeader)
		aid := id[:max(0, strings.LastIndexByte(id, '.'))] // the poller's id is "<article id>.<text hash>"
		if !isNew(aid) {
			return m.Ack()
		}
		return forward(ctx, js, m, pipeline.TaggedSubject(strings.TrimPrefix(m.Subject(), "news.raw.")), aid)
	}
	if err := f.start(ctx, js, pipeline.StreamRaw, pipeline.ConsumerDedupe, judge); err != nil {
		f.stop()
		return nil, err
	}
	return f.stop, nil
}

// forward publishes m's body to subject under msgID, waits for the
// stream's ack, then acks m: the stages' ack rule.
func forward(ctx context.Context, js jetstream.JetStream, m jetstream.Msg, subject, msgID string) error {
	out := nats.NewMsg(subject)
	out.Data = m.Data()
	out.Header.Set(jetstream.MsgIDHeader, msgID)
	if _, err := js.PublishMsg(ctx, out); err != nil {
		return err
	}
	return m.Ack()
}

// floorPools are the running pools.
type floorPools struct {
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	consumes []jetstream.ConsumeContext
	mu       sync.Mutex
	err      error
}

// start consumes stream through the durable consumer and hands each
// message to one of floorWorkers workers.
func (f *floorPools) start(ctx context.Context, js jetstream.JetStream, stream, consumer string, handle func(context.Context, jetstream.Msg) error) error {
	cons, err := js.Consumer(ctx, stream, consumer)
	if err != nil {
		return err
	}
	work := make(chan jetstream.Msg, floorWorkers)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case work <- m:
		case <-ctx.Done():
		}
	}, jetstream.PullMaxMessages(2*floorWorkers))
	if err != nil {
		return err
	}
	f.consumes = append(f.consumes, cc)
	for range floorWorkers {
		f.wg.Go(func() {
			for {
				select {
				case m := <-work:
					if err := handle(ctx, m); err != nil && ctx.Err() == nil {
						f.mu.Lock()
						f.err = cmp.Or(f.err, fmt.Errorf("floor %s: %w", consumer, err))
						f.mu.Unlock()
						_ = m.Nak()
					}
				case <-ctx.Done():
					return
				}
			}
		})
	}
	return nil
}

func (f *floorPools) stop() error {
	for _, cc := range f.consumes {
		cc.Stop()
	}
	f.cancel()
	f.wg.Wait()
	return f.err
}
