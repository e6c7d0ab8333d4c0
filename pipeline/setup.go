package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Topology sizes the streams, consumers and buckets. Zero fields take the
// defaults of DefaultTopology.
type Topology struct {
	Replicas   int           // 1 (embedded) or 3 on a cluster
	RawMaxAge  time.Duration // how long raw articles are kept
	TaggedAge  time.Duration // how long tagged articles are kept for late subscribers
	DeadMaxAge time.Duration // how long dead letters are kept
	MaxDeliver int           // deliveries of a failing article before the Runner dead-letters it
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
	FeedState jetstream.KeyValue    // BucketFeeds
	Memory    jetstream.ObjectStore // BucketMemory
	Topology  Topology              // with defaults applied
	// Upgraded lists what EnsureTopology removed of a store written by a
	// version before the one-hop story stage (see upgrade).
	Upgraded []string
}

// EnsureTopology creates or updates every stream, durable consumer and KV
// bucket newswire uses. It is idempotent: every process calls it at start,
// and replicas racing each other converge on the same configuration.
func EnsureTopology(ctx context.Context, js jetstream.JetStream, t Topology) (*Resources, error) {
	t = t.withDefaults()
	upgraded, err := upgrade(ctx, js)
	if err != nil {
		return nil, err
	}
	streams := []jetstream.StreamConfig{
		// The raw stream's only writer is the poller, whose retries come
		// within seconds and whose re-polls the dedupe stage catches: a short
		// window keeps the server's memory of message ids small.
		{Name: StreamRaw, Subjects: []string{"news.raw.>"}, MaxAge: t.RawMaxAge, Duplicates: RawDuplicateWindow},
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
		err := ensure(ctx, func(ctx context.Context) error {
			_, err := js.CreateStream(ctx, sc)
			if !errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
				return err
			}
			// It exists: update it only if it differs in what we set, so
			// processes starting together do not make a cluster
			// re-assign a stream that another one has just created.
			s, err := js.Stream(ctx, sc.Name)
			if err != nil {
				return err
			}
			if sameStream(s.CachedInfo().Config, sc) {
				return nil
			}
			_, err = js.UpdateStream(ctx, sc)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("pipeline: stream %s: %w", sc.Name, err)
		}
	}
	consumers := []struct{ stream, name string }{
		{StreamRaw, ConsumerDedupe},
	}
	for _, c := range consumers {
		cc := jetstream.ConsumerConfig{
			Durable:       c.name,
			Description:   "newswire " + c.name + " stage",
			AckPolicy:     jetstream.AckExplicitPolicy,
			DeliverPolicy: jetstream.DeliverAllPolicy,
			AckWait:       t.AckWait,
			// Unlimited: the Runner decides when a failing article is
			// dead-lettered (after t.MaxDeliver deliveries), and a message
			// held back by a broker outage must never run out of deliveries.
			MaxDeliver:    -1,
			MaxAckPending: t.MaxPending,
			Replicas:      t.Replicas,
		}
		err := ensure(ctx, func(ctx context.Context) error {
			_, err := js.CreateConsumer(ctx, c.stream, cc)
			if errors.Is(err, jetstream.ErrConsumerExists) {
				_, err = js.UpdateConsumer(ctx, c.stream, cc)
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("pipeline: consumer %s on %s: %w", c.name, c.stream, err)
		}
	}
	feedState, err := ensureBucket(ctx, js, jetstream.KeyValueConfig{
		Bucket:      BucketFeeds,
		Description: "newswire per-feed poll state",
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    t.Replicas,
	})
	if err != nil {
		return nil, err
	}
	var memory jetstream.ObjectStore
	err = ensure(ctx, func(ctx context.Context) error {
		var err error
		memory, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket:      BucketMemory,
			Description: "newswire story stage memory snapshots",
			Storage:     jetstream.FileStorage,
			Replicas:    t.Replicas,
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pipeline: object store %s: %w", BucketMemory, err)
	}
	return &Resources{FeedState: feedState, Memory: memory, Topology: t, Upgraded: upgraded}, nil
}

func ensureBucket(ctx context.Context, js jetstream.JetStream, cfg jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	var kv jetstream.KeyValue
	err := ensure(ctx, func(ctx context.Context) error {
		var err error
		kv, err = js.CreateKeyValue(ctx, cfg)
		if errors.Is(err, jetstream.ErrBucketExists) {
			kv, err = js.UpdateKeyValue(ctx, cfg)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pipeline: bucket %s: %w", cfg.Bucket, err)
	}
	return kv, nil
}

// ensure runs one create-or-update step with a deadline of 10 s per attempt
// and retries it until ctx ends, unless the server refuses the configuration
// itself (a 400: retrying cannot help). Creating first (and updating only
// what exists with another configuration) lets several processes start at
// once on a fresh cluster: the first create wins, the others find an equal
// stream (which the server accepts as a create) or update it. The
// per-attempt deadline keeps a request lost during a leader election from
// using up the whole start-up time.
func ensure(ctx context.Context, step func(ctx context.Context) error) error {
	return retry(ctx, 10*time.Second, func(err error) bool {
		var apiErr *jetstream.APIError
		return !errors.As(err, &apiErr) || apiErr.Code != 400
	}, step)
}

// sameStream reports whether have already is the stream want asks for, in
// every field EnsureTopology sets.
func sameStream(have, want jetstream.StreamConfig) bool {
	return slices.Equal(have.Subjects, want.Subjects) && have.MaxAge == want.MaxAge &&
		have.Duplicates == want.Duplicates && have.Replicas == want.Replicas &&
		have.Storage == want.Storage && have.Discard == want.Discard
}

// What versions before the one-hop story stage left in a store: the
// stream between dedupe and tag, the tag stage's consumer on it, and the
// bucket of exact dedupe keys (now kept in the stage's memory).
const (
	oldStreamUnique = "NEWS_UNIQUE"
	oldConsumerTag  = "tag"
	oldBucketDedupe = "newswire_dedupe"
)

// ErrUpgradePending: the store holds stories the previous version's tag
// stage has not tagged yet, which this version would never publish.
var ErrUpgradePending = errors.New("pipeline: stories of the previous version are waiting to be tagged")

// upgrade removes what a previous version left, once nothing in it waits
// to be published: NEWS_UNIQUE when its tag consumer has tagged every
// story (each is on NEWS_TAGGED, which the story stage's memory reads),
// and the newswire_dedupe bucket. With stories still pending it refuses
// (ErrUpgradePending), saying how many and how to let them through.
func upgrade(ctx context.Context, js jetstream.JetStream) ([]string, error) {
	var done []string
	again := func(err error) bool {
		var apiErr *jetstream.APIError
		return !errors.Is(err, ErrUpgradePending) && (!errors.As(err, &apiErr) || apiErr.Code != 400)
	}
	err := retry(ctx, 10*time.Second, again, func(ctx context.Context) error {
		s, err := js.Stream(ctx, oldStreamUnique)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if c, err := s.Consumer(ctx, oldConsumerTag); err == nil {
			info, err := c.Info(ctx)
			if err != nil {
				return err
			}
			if n := info.NumPending + uint64(info.NumAckPending); n > 0 {
				return fmt.Errorf("%w: %s holds %d stories its %q consumer has not tagged; run the previous version with `run --only tag` until `nats consumer info %s %s` shows none pending, then start this one (docs/operations.md, Upgrading)",
					ErrUpgradePending, oldStreamUnique, n, oldConsumerTag, oldStreamUnique, oldConsumerTag)
			}
		} else if !errors.Is(err, jetstream.ErrConsumerNotFound) {
			return err
		}
		if err := js.DeleteStream(ctx, oldStreamUnique); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return err
		}
		done = append(done, "stream "+oldStreamUnique)
		return nil
	})
	if errors.Is(err, ErrUpgradePending) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("pipeline: upgrade: %w", err)
	}
	err = ensure(ctx, func(ctx context.Context) error {
		err := js.DeleteKeyValue(ctx, oldBucketDedupe)
		switch {
		case err == nil:
			done = append(done, "bucket "+oldBucketDedupe)
		case errors.Is(err, jetstream.ErrBucketNotFound), errors.Is(err, jetstream.ErrStreamNotFound):
			err = nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pipeline: upgrade: bucket %s: %w", oldBucketDedupe, err)
	}
	return done, nil
}
