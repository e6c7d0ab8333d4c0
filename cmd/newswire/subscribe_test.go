package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/natstest"
)

func TestSubscribeRefusesUnknownTopic(t *testing.T) {
	t.Parallel()
	// No broker is needed: the topic is refused before dialling.
	code, _, stderr := cli(t, "subscribe", "--config", "../../configs/newswire.yaml", "--nats", "nats://127.0.0.1:1", "ceasfire")
	for _, want := range []string{`unknown topic "ceasfire"; known topics: ceasefire, coup, cyberattack,`, `Did you mean "ceasefire"?`, "--any-topic"} {
		if code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, want)
		}
	}
	// A topics_file of its own defines other topics.
	dir := t.TempDir()
	writeFile(t, dir, "topics.yaml", "topics:\n  - name: volcanoes\n    strong: [volcano]\n")
	config := writeFile(t, dir, "newswire.yaml", "topics_file: topics.yaml\n")
	if code, _, stderr := cli(t, "subscribe", "--config", config, "ceasefire"); code != 2 || !strings.Contains(stderr, "known topics: volcanoes") {
		t.Errorf("with a topics_file: exit %d, stderr %q; want 2 listing volcanoes", code, stderr)
	}
	// --any-topic lets it through to the broker, which is not there: exit 1.
	if code, _, stderr := cli(t, "subscribe", "--config", config, "--nats", "nats://127.0.0.1:1", "--any-topic", "ceasefire"); code != 1 || !strings.Contains(stderr, "no broker") {
		t.Errorf("--any-topic: exit %d, stderr %q; want 1, no broker", code, stderr)
	}
}

// Interrupted, subscribe exits 0 and says how many articles it received.
func TestSubscribeInterruptCounts(t *testing.T) {
	t.Parallel()
	s := natstest.Start(t)
	ctx := context.Background()
	if _, err := pipeline.EnsureTopology(ctx, s.JS, pipeline.DefaultTopology()); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a1", "a2"} {
		data, _ := json.Marshal(feeds.Article{ID: id, Title: "Truce " + id, URL: "https://x.example/" + id})
		if _, err := s.JS.Publish(ctx, pipeline.TopicSubject("ceasefire"), data); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb lockedBuffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	subCtx, interrupt := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- runEnv(subCtx, e, []string{"subscribe", "--nats", s.URL, "--since", "1h", "ceasefire"})
	}()
	waitFor(t, "two articles printed", 5*time.Second, func() bool { return strings.Count(out.String(), "\n") == 2 })
	interrupt()
	select {
	case err := <-done:
		if code := exitCode(err); code != 0 {
			t.Errorf("interrupted subscribe: exit %d (%v), want 0", code, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("subscribe did not end within 5s of the interrupt")
	}
	if got := errb.String(); got != "received 2 articles\n" {
		t.Errorf("stderr %q, want %q", got, "received 2 articles\n")
	}
}

func TestTopicsListDescribes(t *testing.T) {
	t.Parallel()
	code, stdout, _ := cli(t, "topics", "--topics", "../../configs/topics.yaml", "list")
	if code != 0 || !strings.Contains(stdout, "peace_talks        Peace talks, negotiations and mediation to end an armed conflict.\n") {
		t.Errorf("topics list: exit %d:\n%s\nwant peace_talks aligned with its description", code, stdout)
	}
	dir := t.TempDir()
	path := writeFile(t, dir, "topics.yaml", "topics:\n  - name: volcanoes\n    strong: [volcano, eruption, lava flow, ash cloud]\n  - name: x\n    description: \"First. Second.\"\n    strong: [x]\n")
	code, stdout, _ = cli(t, "topics", "--topics", path, "list")
	if want := "volcanoes  strong: volcano, eruption, lava flow, …\nx          First.\n"; code != 0 || stdout != want {
		t.Errorf("topics list: exit %d:\n%q\nwant\n%q", code, stdout, want)
	}
}
