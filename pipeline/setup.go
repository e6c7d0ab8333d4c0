package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Topology sizes the streams, consumers and buckets. Zero fields take the
// defaults of DefaultTopology.
type Topology struct {
	Replicas   int           // 1 (embedded) or 3 on a cluster
	RawMaxAge  time.Duration // how long raw and unique articles are kept (replay window)
	TaggedAge  time.Duration // how long tagged articles are kept for late subscribers
	DeadMaxAge time.Duration // how long dead letters are kept
	DedupeTTL  time.Duration // how long dedupe keys are remembered
	MaxDeliver int           // deliveries before a failing message is dead-lettered
	AckWait    time.Duration // redelivery timeout of an unacked message
	MaxPending int           // MaxAckPending per consumer: bounds work in flight
}

// DefaultTopology is what the daemon uses unless configured otherwise.
func DefaultTopology() Topology {
	return Topology{
		Replicas:   1,
		RawMaxAge:  7 * 24 * time.Hour,
		TaggedAge:  30 * 24 * time.Hour,
		DeadMaxAge: 30 * 24 * time.Hour,
		DedupeTTL:  30 * 24 * time.Hour,
		MaxDeliver: 5,
		AckWait:    30 * time.Second,
		MaxPending: 1000,
	}
}

func (t Topology) withDefaults() Topology {
	d := DefaultTopology()
	if t.Replicas <= 0 {
		t.Replicas = d.Replicas
	}
	if t.RawMaxAge <= 0 {
		t.RawMaxAge = d.RawMaxAge
	}
	if t.TaggedAge <= 0 {
		t.TaggedAge = d.TaggedAge
	}
	if t.DeadMaxAge <= 0 {
		t.DeadMaxAge = d.DeadMaxAge
	}
	if t.DedupeTTL <= 0 {
		t.DedupeTTL = d.DedupeTTL
	}
	if t.MaxDeliver <= 0 {
		t.MaxDeliver = d.MaxDeliver
	}
	if t.AckWait <= 0 {
		t.AckWait = d.AckWait
	}
	if t.MaxPending <= 0 {
		t.MaxPending = d.MaxPending
	}
	return t
}

// Resources are the handles EnsureTopology created or found.
type Resources struct {
	FeedState jetstream.KeyValue // BucketFeeds
	Dedupe    jetstream.KeyValue // BucketDedupe
	Topology  Topology           // with defaults applied
}

// EnsureTopology creates or updates every stream, durable consumer and KV
// bucket newswire uses. It is idempotent: every process calls it at start,
// and replicas racing each other converge on the same configuration.
func EnsureTopology(ctx context.Context, js jetstream.JetStream, t Topology) (*Resources, error) {
	t = t.withDefaults()
	streams := []jetstream.StreamConfig{
		// The raw stream's only writer is the poller, whose retries come
		// within seconds and whose re-polls the dedupe stage catches: a short
		// window keeps the server's memory of message ids small.
		{Name: StreamRaw, Subjects: []string{"news.raw.>"}, MaxAge: t.RawMaxAge, Duplicates: RawDuplicateWindow},
		{Name: StreamUnique, Subjects: []string{"news.unique.>"}, MaxAge: t.RawMaxAge},
		{Name: StreamTagged, Subjects: []string{"news.tagged.>", "news.topic.>"}, MaxAge: t.TaggedAge},
		{Name: StreamDead, Subjects: []string{"news.dead.>"}, MaxAge: t.DeadMaxAge},
	}
	for _, sc := range streams {
		sc.Storage = jetstream.FileStorage
		sc.Replicas = t.Replicas
		if sc.Duplicates == 0 {
			sc.Duplicates = DuplicateWindow
		}
		sc.Discard = jetstream.DiscardOld
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			return nil, fmt.Errorf("pipeline: stream %s: %w", sc.Name, err)
		}
	}
	consumers := []struct{ stream, name string }{
		{StreamRaw, ConsumerDedupe},
		{StreamUnique, ConsumerTag},
	}
	for _, c := range consumers {
		_, err := js.CreateOrUpdateConsumer(ctx, c.stream, jetstream.ConsumerConfig{
			Durable:       c.name,
			Description:   "newswire " + c.name + " stage",
			AckPolicy:     jetstream.AckExplicitPolicy,
			DeliverPolicy: jetstream.DeliverAllPolicy,
			AckWait:       t.AckWait,
			MaxDeliver:    t.MaxDeliver,
			MaxAckPending: t.MaxPending,
			Replicas:      t.Replicas,
		})
		if err != nil {
			return nil, fmt.Errorf("pipeline: consumer %s on %s: %w", c.name, c.stream, err)
		}
	}
	feedState, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      BucketFeeds,
		Description: "newswire per-feed poll state",
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    t.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("pipeline: bucket %s: %w", BucketFeeds, err)
	}
	dedupe, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      BucketDedupe,
		Description: "newswire dedupe keys",
		History:     1,
		TTL:         t.DedupeTTL,
		Storage:     jetstream.FileStorage,
		Replicas:    t.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("pipeline: bucket %s: %w", BucketDedupe, err)
	}
	return &Resources{FeedState: feedState, Dedupe: dedupe, Topology: t}, nil
}
