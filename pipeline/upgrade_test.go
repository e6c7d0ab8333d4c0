package pipeline_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/natstest"
)

// A store written by the version with two stages (NEWS_UNIQUE between them,
// exact keys in the newswire_dedupe bucket) is refused while stories wait
// on NEWS_UNIQUE for the old tag stage, with a message that says how many
// and what to do, and upgraded once none waits: the stream and the bucket
// are removed and named.
func TestEnsureTopologyUpgradesTwoStageStore(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	ctx := context.Background()
	js := srv.JS
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "NEWS_UNIQUE", Subjects: []string{"news.unique.>"}}); err != nil {
		t.Fatal(err)
	}
	cons, err := js.CreateConsumer(ctx, "NEWS_UNIQUE", jetstream.ConsumerConfig{Durable: "tag", AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "newswire_dedupe"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		if _, err := js.Publish(ctx, "news.unique.f1", []byte(`{"id":"`+id+`"}`)); err != nil {
			t.Fatal(err)
		}
	}

	_, err = pipeline.EnsureTopology(ctx, js, pipeline.Topology{})
	if !errors.Is(err, pipeline.ErrUpgradePending) || !strings.Contains(err.Error(), "2 stories") || !strings.Contains(err.Error(), "--only tag") {
		t.Fatalf("EnsureTopology with stories pending = %v, want ErrUpgradePending naming 2 stories and --only tag", err)
	}
	// The previous version's tag stage lets them through.
	batch, err := cons.Fetch(2, jetstream.FetchMaxWait(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range batch.Messages() {
		if err := m.DoubleAck(ctx); err != nil {
			t.Fatal(err)
		}
	}

	res, err := pipeline.EnsureTopology(ctx, js, pipeline.Topology{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"stream NEWS_UNIQUE", "bucket newswire_dedupe"}; !slices.Equal(res.Upgraded, want) {
		t.Errorf("Upgraded = %q, want %q", res.Upgraded, want)
	}
	if _, err := js.Stream(ctx, "NEWS_UNIQUE"); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("NEWS_UNIQUE after the upgrade: %v, want gone", err)
	}
	if _, err := js.KeyValue(ctx, "newswire_dedupe"); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Errorf("newswire_dedupe after the upgrade: %v, want gone", err)
	}
	// A second start finds nothing to upgrade.
	if res, err := pipeline.EnsureTopology(ctx, js, pipeline.Topology{}); err != nil || len(res.Upgraded) != 0 {
		t.Errorf("second start: upgraded %q, err %v; want nothing", res.Upgraded, err)
	}
}
