package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/dedupe"
	"github.com/newswire/newswire/pipeline/dedupe/near/neartest"
)

// broker is an embedded JetStream server in this process with newswire's
// topology, as the daemon runs it.
type broker struct {
	srv *pipeline.EmbeddedServer
	nc  *nats.Conn
	js  jetstream.JetStream
	res *pipeline.Resources
}

// startBroker starts a server on a free port with its store in dir. The
// caller calls close.
func startBroker(ctx context.Context, dir string) (*broker, error) {
	srv, err := pipeline.StartEmbedded(pipeline.EmbeddedOptions{Listen: "127.0.0.1:0", StoreDir: dir}, zerolog.Nop())
	if err != nil {
		return nil, err
	}
	b := &broker{srv: srv}
	if b.nc, err = pipeline.Connect(context.Background(), srv.ClientURL(), "bench-dedupe", 0, zerolog.Nop()); err != nil {
		srv.Shutdown()
		return nil, err
	}
	if b.js, err = jetstream.New(b.nc); err == nil {
		b.res, err = pipeline.EnsureTopology(ctx, b.js, pipeline.Topology{})
	}
	if err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

func (b *broker) close() {
	b.nc.Close()
	b.srv.Shutdown()
}

// publishBatch is how many async publishes are awaited together.
const publishBatch = 1000

// publish stores msgs, publishBatch at a time (async, then waiting for all
// their acks), as the poller's RawPublisher does per feed.
func (b *broker) publish(ctx context.Context, msgs []*nats.Msg, msgIDs []string) error {
	for start := 0; start < len(msgs); start += publishBatch {
		end := min(start+publishBatch, len(msgs))
		futures := make([]jetstream.PubAckFuture, 0, end-start)
		for i := start; i < end; i++ {
			var opts []jetstream.PublishOpt
			if msgIDs != nil {
				opts = append(opts, jetstream.WithMsgID(msgIDs[i]))
			}
			f, err := b.js.PublishMsgAsync(msgs[i], opts...)
			if err != nil {
				return fmt.Errorf("publish %s: %w", msgs[i].Subject, err)
			}
			futures = append(futures, f)
		}
		for _, f := range futures {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return fmt.Errorf("publish %s: %w", f.Msg().Subject, err)
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// publishRaw stores articles on news.raw.<feed> with the poller's
// Nats-Msg-Id.
func (b *broker) publishRaw(ctx context.Context, articles []feeds.Article) error {
	msgs := make([]*nats.Msg, len(articles))
	ids := make([]string, len(articles))
	for i := range articles {
		m, err := jsonMsg(pipeline.RawSubject(articles[i].Feed.ID), &articles[i])
		if err != nil {
			return err
		}
		msgs[i], ids[i] = m, pipeline.RawMsgID(&articles[i])
	}
	return b.publish(ctx, msgs, ids)
}

func jsonMsg(subject string, a *feeds.Article) (*nats.Msg, error) {
	data, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	m := nats.NewMsg(subject)
	m.Data = data
	m.Header.Set("Content-Type", "application/json")
	return m, nil
}

// streamMsgs is the number of messages stream holds.
func (b *broker) streamMsgs(ctx context.Context, stream string) (uint64, error) {
	s, err := b.js.Stream(ctx, stream)
	if err != nil {
		return 0, err
	}
	return s.CachedInfo().State.Msgs, nil
}

// drained waits until the dedupe consumer has nothing pending or unacked.
func (b *broker) drained(ctx context.Context) error {
	cons, err := b.js.Consumer(ctx, pipeline.StreamRaw, pipeline.ConsumerDedupe)
	if err != nil {
		return err
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		info, err := cons.Info(ctx)
		if err != nil {
			return err
		}
		if info.NumPending == 0 && info.NumAckPending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the dedupe consumer (%d pending, %d unacked): %w", info.NumPending, info.NumAckPending, ctx.Err())
		case <-tick.C:
		}
	}
}

// preload stores n synthetic stories on NEWS_TAGGED in the store at dir, as
// a dedupe stage would have published them, and returns up to keep of them
// (spread over the n) to make near copies from. No Nats-Msg-Id: a window's
// stories are older than the stream's duplicate window.
func preload(ctx context.Context, dir string, n, keep int) ([]story, error) {
	b, err := startBroker(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer b.close()
	gen := neartest.New(uint64(n))
	every := max(1, n/max(keep, 1))
	var samples []story
	at := time.Now().UTC()
	const chunk = 4 * publishBatch
	batch := make([]story, 0, chunk)
	msgs := make([]*nats.Msg, chunk)
	for first := 0; first < n; first += chunk {
		batch = batch[:0]
		for i := first; i < min(first+chunk, n); i++ {
			t, s := gen.Story()
			batch = append(batch, story{t, s})
			if i%every == 0 && len(samples) < keep {
				samples = append(samples, story{t, s})
			}
		}
		// Signing dominates: spread it over the CPUs.
		var wg sync.WaitGroup
		errs := make([]error, len(batch))
		workers := runtime.GOMAXPROCS(0)
		for w := 0; w < workers; w++ {
			wg.Go(func() {
				for i := w; i < len(batch); i += workers {
					a := rememberedArticle(first+i, batch[i], at)
					var story []*nats.Msg
					if story, errs[i] = dedupe.StoryMessages(&a, uint64(first+i+1), true); errs[i] == nil {
						msgs[i] = story[0]
						msgs[i].Header.Del(jetstream.MsgIDHeader)
					}
				}
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return nil, err
			}
		}
		if err := b.publish(ctx, msgs[:len(batch)], nil); err != nil {
			return nil, err
		}
	}
	return samples, nil
}
