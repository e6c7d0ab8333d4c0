package main

import (
	"cmp"
	"context"
	"errors"
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
// This process runs two pools of workers on the daemon's server (which runs
// no stage, as for the hop) in place of the dedupe and tag stages. They make
// the broker calls the stages make for an article and nothing else: no
// JSON, no hashing, no near-duplicate index, no rules. Per new story: three
// KV creates in the dedupe bucket (its guid, url and content keys), a
// publish to news.unique.<feed> awaited before the ack, then on the tag side
// a publish to news.tagged.<feed> awaited before the ack. Per copy: the
// failed create of a key another article holds and the read of its owner,
// then the ack. Topic copies (news.topic.>) and dead letters are left out,
// so the floor is below what the real stages must do.
//
// Its throughput bounds the pipeline's on this machine whatever newswire's
// own code costs: if the floor is under the target, no tuning of the
// stages reaches it.

// floorWorkers is how many articles each floor pool handles at once: as
// many as the stages' handlers, so the floor is bound by CPU, not by round
// trips.
const floorWorkers = 64

// floorTakenKey is the dedupe key every copy finds taken.
const floorTakenKey = "floor.taken"

// floorClaim stands for a dedupe claim: about the size of the stage's JSON.
var floorClaim = []byte(`{"article_id":"0123456789abcdef0123456789abcdef","feed":"feed-000","guid":"https://example.com/guid/000000","seq":123456,"content_hash":"0123456789abcdef"}`)

// startFloor starts the floor's two pools on js; isNew tells a new story
// from a copy by its article id. stop ends them and returns the first
// error a worker met.
func startFloor(ctx context.Context, js jetstream.JetStream, isNew func(articleID string) bool) (stop func() error, err error) {
	kv, err := js.KeyValue(ctx, pipeline.BucketDedupe)
	if err != nil {
		return nil, err
	}
	if _, err := kv.Create(ctx, floorTakenKey, floorClaim); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &floorPools{cancel: cancel}
	dedupe := func(ctx context.Context, m jetstream.Msg) error {
		id := m.Headers().Get(jetstream.MsgIDHeader)
		aid := id[:max(0, strings.LastIndexByte(id, '.'))] // the poller's id is "<article id>.<text hash>"
		if !isNew(aid) {
			if _, err := kv.Create(ctx, floorTakenKey, floorClaim); !errors.Is(err, jetstream.ErrKeyExists) {
				return fmt.Errorf("copy %s: create of a taken key: %v", aid, err)
			}
			if _, err := kv.Get(ctx, floorTakenKey); err != nil {
				return err
			}
			return m.Ack()
		}
		for _, kind := range []string{"g.", "u.", "c."} {
			if _, err := kv.Create(ctx, kind+aid, floorClaim); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
				return err // (exists: a redelivery)
			}
		}
		return forward(ctx, js, m, pipeline.UniqueSubject(strings.TrimPrefix(m.Subject(), "news.raw.")), aid)
	}
	tag := func(ctx context.Context, m jetstream.Msg) error {
		return forward(ctx, js, m, pipeline.TaggedSubject(strings.TrimPrefix(m.Subject(), "news.unique.")), m.Headers().Get(jetstream.MsgIDHeader))
	}
	for _, p := range []struct {
		stream, consumer string
		handle           func(context.Context, jetstream.Msg) error
	}{{pipeline.StreamRaw, pipeline.ConsumerDedupe, dedupe}, {pipeline.StreamUnique, pipeline.ConsumerTag, tag}} {
		if err := f.start(ctx, js, p.stream, p.consumer, p.handle); err != nil {
			f.stop()
			return nil, err
		}
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
