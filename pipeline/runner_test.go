package pipeline_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/natstest"
)

func article(id, title string) feeds.Article {
	return feeds.Article{
		Schema: feeds.SchemaV1, ID: id, Title: title,
		Feed:      feeds.FeedRef{ID: "f1", URL: "https://example.org/rss"},
		FetchedAt: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
	}
}

func publishRaw(t *testing.T, js jetstream.JetStream, id string, data []byte) {
	t.Helper()
	msg := nats.NewMsg(pipeline.RawSubject("f1"))
	msg.Data = data
	if _, err := js.PublishMsg(context.Background(), msg, jetstream.WithMsgID(id)); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

// TestRunnerAckRule runs a Runner on a real server: a good message is
// passed on once, bad JSON is dead-lettered at once, a handler that panics
// is retried MaxDeliver times and then dead-lettered, and the stage keeps
// going after both.
func TestRunnerAckRule(t *testing.T) {
	srv := natstest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	topo := pipeline.DefaultTopology()
	topo.MaxDeliver = 3
	if _, err := pipeline.EnsureTopology(ctx, srv.JS, topo); err != nil {
		t.Fatal(err)
	}
	var panics atomic.Int32
	handler := func(ctx context.Context, msg jetstream.Msg) error {
		a, err := pipeline.DecodeArticle(msg.Data())
		if err != nil {
			return err
		}
		if a.Title == "boom" {
			panics.Add(1)
			panic("boom article")
		}
		return pipeline.PublishJSON(ctx, srv.JS, pipeline.UniqueSubject(a.Feed.ID), a.ID, a, nil)
	}
	r := pipeline.NewRunner(srv.JS, pipeline.RunnerOptions{
		Stage: "dedupe", Stream: pipeline.StreamRaw, Consumer: pipeline.ConsumerDedupe,
		MaxDeliver: 3, RetryDelay: 10 * time.Millisecond,
	}, handler, nil, zerolog.Nop())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	good, _ := json.Marshal(article("a1", "fine"))
	boom, _ := json.Marshal(article("a2", "boom"))
	publishRaw(t, srv.JS, "a1", good)
	publishRaw(t, srv.JS, "bad", []byte("{not json"))
	publishRaw(t, srv.JS, "a2", boom)
	after, _ := json.Marshal(article("a3", "after"))
	publishRaw(t, srv.JS, "a3", after)

	unique := natstest.Collect(t, srv.JS, pipeline.StreamUnique, 2, 10*time.Second)
	if len(unique) != 2 {
		t.Fatalf("got %d unique messages, want 2 (a1, a3)", len(unique))
	}
	dead := natstest.Collect(t, srv.JS, pipeline.StreamDead, 2, 15*time.Second)
	if len(dead) != 2 {
		t.Fatalf("got %d dead letters, want 2", len(dead))
	}
	reasons := map[string]string{}
	for _, m := range dead {
		if got := m.Subject(); got != "news.dead.dedupe" {
			t.Errorf("dead letter subject = %q, want news.dead.dedupe", got)
		}
		reasons[string(m.Data())] = m.Headers().Get(pipeline.HeaderDeadReason)
	}
	if r := reasons["{not json"]; !strings.Contains(r, "invalid article JSON") || !strings.Contains(r, "delivery 1") {
		t.Errorf("bad JSON reason = %q, want invalid article JSON at delivery 1", r)
	}
	if r := reasons[string(boom)]; !strings.Contains(r, "panic: boom article") || !strings.Contains(r, "delivery 3") {
		t.Errorf("panic reason = %q, want the panic at delivery 3", r)
	}
	if got := panics.Load(); got != 3 {
		t.Errorf("handler panicked %d times, want 3 (MaxDeliver)", got)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	// Nothing is left unacknowledged.
	cons, err := srv.JS.Consumer(context.Background(), pipeline.StreamRaw, pipeline.ConsumerDedupe)
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.NumAckPending != 0 || info.NumPending != 0 {
		t.Errorf("consumer has %d ack-pending, %d pending; want 0, 0", info.NumAckPending, info.NumPending)
	}
}

// TestEnsureTopologyIdempotent: every process calls it at start.
func TestEnsureTopologyIdempotent(t *testing.T) {
	srv := natstest.Start(t)
	for i := 0; i < 2; i++ {
		res, err := pipeline.EnsureTopology(context.Background(), srv.JS, pipeline.Topology{})
		if err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
		if res.Topology.MaxDeliver != 5 {
			t.Errorf("MaxDeliver = %d, want default 5", res.Topology.MaxDeliver)
		}
	}
	for _, name := range []string{pipeline.StreamRaw, pipeline.StreamUnique, pipeline.StreamTagged, pipeline.StreamDead} {
		s, err := srv.JS.Stream(context.Background(), name)
		if err != nil {
			t.Fatalf("stream %s: %v", name, err)
		}
		want := pipeline.DuplicateWindow
		if name == pipeline.StreamRaw {
			want = pipeline.RawDuplicateWindow
		}
		if got := s.CachedInfo().Config.Duplicates; got != want {
			t.Errorf("%s duplicate window = %v, want %v", name, got, want)
		}
	}
}
