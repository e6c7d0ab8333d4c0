package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/internal/daemon"
	"github.com/newswire/newswire/pipeline"
)

// lockedBuffer is a bytes.Buffer safe for the daemon's concurrent logging.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runningDaemon is `newswire run` started in-process by a test.
type runningDaemon struct {
	d      *daemon.Daemon
	cancel context.CancelFunc
	done   chan error
	logs   *lockedBuffer
}

func startRun(t *testing.T, configPath string, extraArgs ...string) *runningDaemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rd := &runningDaemon{cancel: cancel, done: make(chan error, 1), logs: &lockedBuffer{}}
	ready := make(chan *daemon.Daemon, 1)
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: rd.logs, getenv: func(string) string { return "" },
		ready: func(d *daemon.Daemon) { ready <- d }, watch: fileWatcher{Interval: 100 * time.Millisecond, Settle: 200 * time.Millisecond}}
	go func() {
		rd.done <- runEnv(ctx, e, append([]string{"run", "--config", configPath, "--log-format", "json", "--log-level", "debug"}, extraArgs...))
	}()
	select {
	case rd.d = <-ready:
	case err := <-rd.done:
		t.Fatalf("run exited before it was ready: %v\n%s", err, rd.logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("run not ready after 30s\n%s", rd.logs)
	}
	t.Cleanup(func() { rd.stop(t) })
	return rd
}

// stop sends the equivalent of SIGTERM and requires a clean exit within a
// few seconds.
func (rd *runningDaemon) stop(t *testing.T) {
	t.Helper()
	if rd.cancel == nil {
		return
	}
	rd.cancel()
	rd.cancel = nil
	select {
	case err := <-rd.done:
		if err != nil {
			t.Errorf("run returned %v, want nil (exit 0)", err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("run did not stop within 10s of cancel")
	}
	if t.Failed() {
		t.Logf("daemon logs:\n%s", rd.logs)
	}
}

func writeConfig(t *testing.T, dir, feedsURL string) string {
	t.Helper()
	cfg := fmt.Sprintf(`nats:
  url: ""
  embedded:
    listen: 127.0.0.1:0
    store_dir: store
http:
  listen: 127.0.0.1:0
poll:
  interval: 5m
  timeout: 5s
  max_body: 1MiB
  allow_private: true     # the test feeds are on loopback
  host_spacing: 0s        # both feeds share one test host
feeds:
  - id: world
    url: %[1]s/world.xml
    interval: 1s
  - id: mirror
    url: %[1]s/mirror.xml
    interval: 1s
`, feedsURL)
	path := filepath.Join(dir, "newswire.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitFor polls cond every 50ms until it holds or the deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// streamCount returns how many messages a stream holds on subject filter.
func streamCount(t *testing.T, js jetstream.JetStream, stream, filter string) int {
	t.Helper()
	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background(), jetstream.WithSubjectFilter(filter))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range info.State.Subjects {
		n += int(c)
	}
	return n
}

// readAll reads every message on filter in NEWS_TAGGED, the way a user's
// client would, and returns the articles by subject.
func readAll(t *testing.T, url, filter string) map[string][]feeds.Article {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, pipeline.StreamTagged, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]feeds.Article{}
	for {
		batch, err := cons.Fetch(100, jetstream.FetchMaxWait(500*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			var a feeds.Article
			if err := json.Unmarshal(m.Data(), &a); err != nil {
				t.Fatalf("%s: %v", m.Subject(), err)
			}
			if got := m.Headers().Get(jetstream.MsgIDHeader); got == "" {
				t.Errorf("%s: no Nats-Msg-Id header", m.Subject())
			}
			out[m.Subject()] = append(out[m.Subject()], a)
		}
		if n == 0 {
			return out
		}
	}
}

func titles(as []feeds.Article) []string {
	var ts []string
	for _, a := range as {
		ts = append(ts, a.Title)
	}
	slices.Sort(ts)
	return ts
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
