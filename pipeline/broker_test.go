package pipeline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/natstest"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("invalid article JSON"), ""},
		{&jetstream.APIError{Code: 503, ErrorCode: 10023, Description: "insufficient resources"}, pipeline.KindStorageFull},
		{fmt.Errorf("publish: %w", &jetstream.APIError{Code: 400, ErrorCode: 10002, Description: "resource limits exceeded for account"}), pipeline.KindStorageFull},
		{&jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeStreamMessageExceedsMaximum, Description: "message size exceeds maximum allowed"}, pipeline.KindTooLarge},
		{fmt.Errorf("publish: %w", nats.ErrMaxPayload), pipeline.KindTooLarge},
		{fmt.Errorf("kv create: %w", context.DeadlineExceeded), pipeline.KindTimeout},
		{nats.ErrNoResponders, pipeline.KindUnavailable},
		{nats.ErrConnectionClosed, pipeline.KindUnavailable},
		{&jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeStreamWrongLastSequence, Description: "wrong last sequence: 4"}, pipeline.KindOther},
	}
	for _, c := range cases {
		if got := pipeline.Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// TestRunnerHoldsWhileStorageFull fills the server's JetStream storage with
// another stream, so that a stage's outputs are refused: the stage must keep
// its inputs (far past MaxDeliver, without dead-lettering them), report the
// condition through Health, and pass every input on exactly once when space
// returns.
func TestRunnerHoldsWhileStorageFull(t *testing.T) {
	t.Parallel()
	srv := natstest.StartWith(t, t.TempDir(), func(o *server.Options) { o.JetStreamMaxStore = 4 << 20 })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := pipeline.EnsureTopology(ctx, srv.JS, pipeline.DefaultTopology()); err != nil {
		t.Fatal(err)
	}
	const n = 20
	for i := range n {
		data, _ := json.Marshal(article(fmt.Sprintf("a%d", i), fmt.Sprintf("story %d", i)))
		publishRaw(t, srv.JS, fmt.Sprintf("a%d", i), data)
	}
	filler, err := srv.JS.CreateStream(ctx, jetstream.StreamConfig{Name: "FILLER", Subjects: []string{"filler.>"}, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	block := make([]byte, 256<<10)
	for i := 0; ; i++ {
		_, err := srv.JS.Publish(ctx, "filler.x", block)
		if pipeline.Classify(err) == pipeline.KindStorageFull {
			break
		}
		if err != nil || i > 100 {
			t.Fatalf("filling the store: %d blocks, err %v", i, err)
		}
	}

	metrics := pipeline.NewMetrics(prometheus.NewRegistry())
	var mu sync.Mutex
	attempts := map[string]int{}
	handler := func(ctx context.Context, msg jetstream.Msg) error {
		a, err := pipeline.DecodeArticle(msg.Data())
		if err != nil {
			return err
		}
		mu.Lock()
		attempts[a.ID]++
		mu.Unlock()
		return pipeline.PublishJSON(ctx, srv.JS, pipeline.TaggedSubject(a.Feed.ID), a.ID, a, nil)
	}
	r := pipeline.NewRunner(srv.JS, pipeline.RunnerOptions{
		Stage: "dedupe", Stream: pipeline.StreamRaw, Consumer: pipeline.ConsumerDedupe,
		MaxDeliver: 2, RetryDelay: 10 * time.Millisecond,
	}, handler, metrics, zerolog.Nop())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	// Blocked: reported, and every input tried more often than MaxDeliver.
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		least := n * 100
		for i := range n {
			least = min(least, attempts[fmt.Sprintf("a%d", i)])
		}
		mu.Unlock()
		if least > 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("inputs were not retried past MaxDeliver while the store was full (least attempts %d)", least)
		}
		time.Sleep(50 * time.Millisecond)
	}
	blocked := metrics.Health().Blocked()
	if len(blocked) != 1 || blocked[0].Component != "dedupe" || blocked[0].Kind != pipeline.KindStorageFull {
		t.Fatalf("Blocked() = %v, want dedupe storage_full", blocked)
	}
	if s := blocked[0].String(); !strings.Contains(s, "out of JetStream storage") || !strings.Contains(s, "insufficient resources") {
		t.Errorf("condition reads %q", s)
	}
	if n := streamMsgs(t, srv.JS, pipeline.StreamDead); n != 0 {
		t.Fatalf("%d messages dead-lettered while the store was full, want 0", n)
	}

	// Space returns: everything goes through once, and the block ends.
	if err := filler.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	unique := natstest.Collect(t, srv.JS, pipeline.StreamTagged, n, 30*time.Second)
	ids := map[string]int{}
	for _, m := range unique {
		ids[m.Headers().Get(jetstream.MsgIDHeader)]++
	}
	if len(unique) != n || len(ids) != n {
		t.Fatalf("after space returned: %d unique messages, %d distinct; want %d of each", len(unique), len(ids), n)
	}
	waitFor(t, 5*time.Second, func() bool { return len(metrics.Health().Blocked()) == 0 }, "the block to end after a success")
	if n := streamMsgs(t, srv.JS, pipeline.StreamDead); n != 0 {
		t.Errorf("%d dead letters, want 0", n)
	}
	cancel()
	<-done
}

// TestDeadLetterTooLarge: an input too large to be stored again with the
// dead-letter headers is dead-lettered without its body, naming where the
// body is, instead of failing to dead-letter forever.
func TestDeadLetterTooLarge(t *testing.T) {
	t.Parallel()
	srv := natstest.StartWith(t, t.TempDir(), func(o *server.Options) { o.MaxPayload = 64 << 10 })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := pipeline.EnsureTopology(ctx, srv.JS, pipeline.DefaultTopology()); err != nil {
		t.Fatal(err)
	}
	big := []byte(`{"schema":"` + strings.Repeat("x", 60<<10) + `"}`)
	publishRaw(t, srv.JS, "big", big)
	small := []byte(`{not json`)
	publishRaw(t, srv.JS, "small", small)
	r := pipeline.NewRunner(srv.JS, pipeline.RunnerOptions{
		Stage: "dedupe", Stream: pipeline.StreamRaw, Consumer: pipeline.ConsumerDedupe,
	}, func(ctx context.Context, msg jetstream.Msg) error {
		_, err := pipeline.DecodeArticle(msg.Data())
		return err
	}, nil, zerolog.Nop())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	dead := natstest.Collect(t, srv.JS, pipeline.StreamDead, 2, 10*time.Second)
	if len(dead) != 2 {
		t.Fatalf("got %d dead letters, want 2", len(dead))
	}
	for _, m := range dead {
		seq := m.Headers().Get(pipeline.HeaderDeadSequence)
		switch seq {
		case "1":
			if len(m.Data()) != 0 || !strings.Contains(m.Headers().Get(pipeline.HeaderDeadBody), "read it from NEWS_RAW sequence 1") {
				t.Errorf("large dead letter: %d body bytes, %s %q", len(m.Data()), pipeline.HeaderDeadBody, m.Headers().Get(pipeline.HeaderDeadBody))
			}
		case "2":
			if string(m.Data()) != string(small) || m.Headers().Get(pipeline.HeaderDeadBody) != "" {
				t.Errorf("small dead letter lost its body: %q", m.Data())
			}
		default:
			t.Errorf("dead letter with %s %q", pipeline.HeaderDeadSequence, seq)
		}
		if got := m.Headers().Get(pipeline.HeaderDeadStream); got != pipeline.StreamRaw {
			t.Errorf("%s = %q, want %s", pipeline.HeaderDeadStream, got, pipeline.StreamRaw)
		}
	}
	cancel()
	<-done
}

// TestEnsureTopologyConcurrent: processes starting together on a fresh
// server all get the same topology.
func TestEnsureTopologyConcurrent(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() {
			js, err := jetstream.New(srv.NC)
			if err == nil {
				_, err = pipeline.EnsureTopology(context.Background(), js, pipeline.Topology{})
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	cons, err := srv.JS.Consumer(context.Background(), pipeline.StreamRaw, pipeline.ConsumerDedupe)
	if err != nil {
		t.Fatal(err)
	}
	if got := cons.CachedInfo().Config.MaxDeliver; got != -1 {
		t.Errorf("consumer MaxDeliver = %d, want -1 (the Runner decides)", got)
	}
}

func streamMsgs(t *testing.T, js jetstream.JetStream, name string) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func waitFor(t *testing.T, d time.Duration, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
