package dedupe

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/dedupe/near"
	"github.com/newswire/newswire/pipeline/natstest"
)

// BenchmarkWindowLoad is what a restarted replica spends rebuilding its
// memory: b.N stories on NEWS_TAGGED, as the stage publishes them, read
// back by a new Window until it declares itself loaded.
func BenchmarkWindowLoad(b *testing.B) {
	srv := natstest.Start(b)
	ctx := context.Background()
	if _, err := pipeline.EnsureTopology(ctx, srv.JS, pipeline.Topology{}); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var futs []jetstream.PubAckFuture
	for i := range b.N {
		a := &feeds.Article{Schema: feeds.SchemaV1, ID: fmt.Sprintf("%032x", i), GUID: fmt.Sprint("g", i), URL: fmt.Sprintf("https://news.example/%d", i),
			Title: randomText(rng, 8), Summary: randomText(rng, 40), Feed: feeds.FeedRef{ID: fmt.Sprint("feed", i%200)}, Topics: []feeds.TopicMatch{}}
		msgs, err := StoryMessages(a, uint64(i+1), true)
		if err != nil {
			b.Fatal(err)
		}
		msgs[0].Header.Del(jetstream.MsgIDHeader)
		f, err := srv.JS.PublishMsgAsync(msgs[0])
		if err != nil {
			b.Fatal(err)
		}
		futs = append(futs, f)
	}
	for _, f := range futs {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			b.Fatal(err)
		}
	}
	nc, err := nats.Connect(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	b.ResetTimer()
	w := NewWindow(js, near.IndexConfig{Window: time.Hour}, true, zerolog.Nop())
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = w.Run(rctx); close(done) }()
	<-w.Loaded()
	b.StopTimer()
	cancel()
	<-done
	if w.Len() != b.N {
		b.Fatalf("loaded %d stories, want %d", w.Len(), b.N)
	}
}
