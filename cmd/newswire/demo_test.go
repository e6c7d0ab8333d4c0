package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/internal/daemon"
)

// `newswire demo` with nothing but loopback: its sample feeds are polled,
// deduped and tagged, and a subscriber of news.topic.ceasefire receives a
// story; the syndicated copies the samples carry are dropped.
func TestDemoShowsNewsFlowing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	dir := t.TempDir()
	configPath := writeConfig(t, dir, "http://127.0.0.1:1") // its feeds are replaced by the samples
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan *daemon.Daemon, 1)
	var out strings.Builder
	logs := &lockedBuffer{}
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: logs, getenv: func(string) string { return "" },
		ready: func(d *daemon.Daemon) { ready <- d }}
	done := make(chan error, 1)
	go func() {
		done <- runEnv(ctx, e, []string{"demo", "--config", configPath, "--store", dir + "/store", "--every", "300ms", "--log-format", "json", "--log-level", "info"})
	}()
	var d *daemon.Daemon
	select {
	case d = <-ready:
	case err := <-done:
		t.Fatalf("demo exited: %v\n%s", err, logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("demo not ready after 30 s\n%s", logs)
	}
	if !strings.Contains(out.String(), "newswire subscribe ceasefire --nats "+d.NATSURL()) {
		t.Errorf("demo's banner does not say how to subscribe:\n%s", out.String())
	}
	nc, err := nats.Connect(d.NATSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync("news.topic.ceasefire")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := sub.NextMsg(45 * time.Second)
	if err != nil {
		t.Fatalf("no ceasefire story within 45 s: %v\n%s", err, logs)
	}
	var a feeds.Article
	if err := json.Unmarshal(msg.Data, &a); err != nil || !strings.HasPrefix(a.Feed.ID, "demo-") || len(a.Topics) == 0 {
		t.Errorf("ceasefire message: %v, feed %q, topics %v", err, a.Feed.ID, a.Topics)
	}
	waitFor(t, "a syndicated copy dropped", 45*time.Second, func() bool {
		return strings.Contains(logs.String(), `"duplicate dropped"`)
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("demo returned %v on stop, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Error("demo did not stop within 15 s")
	}
}
