package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
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
	t.Parallel()
	srv := topologyServer(t, 3)
	var panics atomic.Int32
	handler := passOn(srv.JS, func(a *feeds.Article) {
		if a.Title == "boom" {
			panics.Add(1)
			panic("boom article")
		}
	})
	stop := runUntilStopped(t, pipeline.NewRunner(srv.JS, pipeline.RunnerOptions{
		Stage: "dedupe", Stream: pipeline.StreamRaw, Consumer: pipeline.ConsumerDedupe,
		MaxDeliver: 3, RetryDelay: 10 * time.Millisecond,
	}, handler, nil, zerolog.Nop()))

	good, _ := json.Marshal(article("a1", "fine"))
	boom, _ := json.Marshal(article("a2", "boom"))
	publishRaw(t, srv.JS, "a1", good)
	publishRaw(t, srv.JS, "bad", []byte("{not json"))
	publishRaw(t, srv.JS, "a2", boom)
	after, _ := json.Marshal(article("a3", "after"))
	publishRaw(t, srv.JS, "a3", after)

	unique := natstest.Collect(t, srv.JS, pipeline.StreamTagged, 2, 10*time.Second)
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

	stop()
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
	t.Parallel()
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
	for _, name := range []string{pipeline.StreamRaw, pipeline.StreamTagged, pipeline.StreamDead} {
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

// TestRunnerDeadline: a handler that finishes after the stage's timeout
// (its publish then fails on the expired context) is not mistaken for a
// broker timeout and held without end: it is retried MaxDeliver times and
// dead-lettered with the reason. While it runs past the timeout the stage
// shows as stuck: in Health (so /readyz), in the oldest-in-flight metric
// and in the log; once it is done, not any more.
func TestRunnerDeadline(t *testing.T) {
	t.Parallel()
	srv := topologyServer(t, 2)
	var calls atomic.Int32
	handler := passOn(srv.JS, func(a *feeds.Article) {
		if a.Title == "slow" {
			calls.Add(1)
			time.Sleep(1500 * time.Millisecond) // work that does not look at ctx
		}
	})
	reg := prometheus.NewRegistry()
	metrics := pipeline.NewMetrics(reg)
	var logs bytes.Buffer // read once the runner has stopped
	stop := runUntilStopped(t, pipeline.NewRunner(srv.JS, pipeline.RunnerOptions{
		Stage: "tag", Stream: pipeline.StreamRaw, Consumer: pipeline.ConsumerDedupe,
		MaxDeliver: 2, RetryDelay: 10 * time.Millisecond, Timeout: 300 * time.Millisecond,
	}, handler, metrics, zerolog.New(zerolog.SyncWriter(&logs))))

	slow, _ := json.Marshal(article("s1", "slow"))
	publishRaw(t, srv.JS, "s1", slow)

	stuckSeen, oldest := false, 0.0
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !stuckSeen {
		for _, c := range metrics.Health().Blocked() {
			stuckSeen = stuckSeen || c.Kind == pipeline.KindStuck && c.Component == "tag" && strings.Contains(c.String(), "over the stage's timeout")
		}
		oldest = max(oldest, gaugeValue(t, reg, "newswire_stage_oldest_inflight_seconds"))
		time.Sleep(50 * time.Millisecond)
	}
	if !stuckSeen {
		t.Error("the stage never showed as stuck while a message ran past its timeout")
	}
	if oldest < 0.3 {
		t.Errorf("oldest in flight peaked at %.2fs, want over the 0.3s timeout", oldest)
	}

	dead := natstest.Collect(t, srv.JS, pipeline.StreamDead, 1, 20*time.Second)
	if len(dead) != 1 {
		t.Fatalf("got %d dead letters, want 1", len(dead))
	}
	if reason := dead[0].Headers().Get(pipeline.HeaderDeadReason); !strings.Contains(reason, "processing exceeded the stage's 300ms deadline") || !strings.Contains(reason, "delivery 2") {
		t.Errorf("dead letter reason %q, want the deadline at delivery 2", reason)
	}
	if got := calls.Load(); got != 2 {
		t.Errorf("handler ran %d times, want 2 (MaxDeliver)", got)
	}
	waitUntil(t, "the stuck condition to clear", 5*time.Second, func() bool { return len(metrics.Health().Blocked()) == 0 })
	stop()
	if !strings.Contains(logs.String(), "stage stuck") {
		t.Errorf("no log line about the stuck stage:\n%s", logs.String())
	}
}

// topologyServer starts a server with newswire's streams, consumers and
// buckets; maxDeliver deliveries of a failing message (0: the default).
func topologyServer(t *testing.T, maxDeliver int) *natstest.Server {
	t.Helper()
	srv := natstest.Start(t)
	topo := pipeline.DefaultTopology()
	if maxDeliver > 0 {
		topo.MaxDeliver = maxDeliver
	}
	if _, err := pipeline.EnsureTopology(context.Background(), srv.JS, topo); err != nil {
		t.Fatal(err)
	}
	return srv
}

// passOn is the handler of these tests: it decodes the article, hands it
// to before (when set) and publishes it on news.tagged.<feed>.
func passOn(js jetstream.JetStream, before func(a *feeds.Article)) pipeline.Handler {
	return func(ctx context.Context, msg jetstream.Msg) error {
		a, err := pipeline.DecodeArticle(msg.Data())
		if err != nil {
			return err
		}
		if before != nil {
			before(a)
		}
		return pipeline.PublishJSON(ctx, js, pipeline.TaggedSubject(a.Feed.ID), a.ID, a, nil)
	}
}

// runUntilStopped runs r in the background; stop cancels it and requires
// Run to return nil within 5 s. A test that ends early is stopped too.
func runUntilStopped(t *testing.T, r *pipeline.Runner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run returned %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Error("Run did not return within 5s of cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func gaugeValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

func waitUntil(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
	}
}

// TestStageInputChecks: an article whose feed id cannot be a subject token
// (">" would land on news.tagged.> for every wildcard subscriber, "a..b"
// is no subject at all) or whose title is larger than the poller ever
// makes is dead-lettered at its first delivery with the reason, and
// nothing of it is published.
func TestStageInputChecks(t *testing.T) {
	t.Parallel()
	srv := topologyServer(t, 0)
	stop := runUntilStopped(t, pipeline.NewRunner(srv.JS, pipeline.RunnerOptions{
		Stage: "dedupe", Stream: pipeline.StreamRaw, Consumer: pipeline.ConsumerDedupe, RetryDelay: 10 * time.Millisecond,
	}, passOn(srv.JS, nil), nil, zerolog.Nop()))

	bad := map[string]string{ // article id → what the reason must say
		">":    `feed id ">" is not a subject token`,
		"*":    `feed id "*" is not a subject token`,
		"a..b": `feed id "a..b" is not a subject token`,
		"a b":  `feed id "a b" is not a subject token`,
		"Caps": `feed id "Caps" is not a subject token`,
		"big":  "title of 262144 bytes",
	}
	for id := range bad {
		a := article(id, "title")
		a.Feed.ID = id
		if id == "big" {
			a.Feed.ID = "f1"
			a.Title = strings.Repeat("x", 256<<10)
		}
		data, _ := json.Marshal(a)
		publishRaw(t, srv.JS, id, data)
	}
	good, _ := json.Marshal(article("ok", "fine"))
	publishRaw(t, srv.JS, "ok", good)

	dead := natstest.Collect(t, srv.JS, pipeline.StreamDead, len(bad), 15*time.Second)
	if len(dead) != len(bad) {
		t.Fatalf("got %d dead letters, want %d", len(dead), len(bad))
	}
	for _, m := range dead {
		var a feeds.Article
		_ = json.Unmarshal(m.Data(), &a)
		reason := m.Headers().Get(pipeline.HeaderDeadReason)
		if want := bad[a.ID]; !strings.Contains(reason, want) || !strings.Contains(reason, "delivery 1") {
			t.Errorf("%s: reason %q, want %q at delivery 1", a.ID, reason, want)
		}
	}
	tagged := natstest.Collect(t, srv.JS, pipeline.StreamTagged, 2, 3*time.Second)
	if len(tagged) != 1 || tagged[0].Subject() != "news.tagged.f1" {
		subjects := []string{}
		for _, m := range tagged {
			subjects = append(subjects, m.Subject())
		}
		t.Errorf("NEWS_TAGGED holds %v, want only news.tagged.f1", subjects)
	}
	stop()
}
