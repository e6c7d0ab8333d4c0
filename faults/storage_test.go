package faults

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/pipeline"
)

// TestStorageFull runs two story stage processes against a nats-server
// whose JetStream store is capped (max_file_store), and fills the store
// with another tenant's stream while articles wait in NEWS_RAW. The stage
// must say so in its log, in /metrics and in /readyz (503), hold every
// waiting article however often the broker refuses it (no dead letters, no
// loss), and resume on its own when the other stream is purged: at the end
// every story is on news.tagged.> exactly once.
func TestStorageFull(t *testing.T) {
	// Beside the other load tests: each has its own servers, ports and stores.
	t.Parallel()
	skipShort(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	c := newCorpus(t, seed, 3000, 0.3)
	third := len(c.msgs) / 3

	b := startBrokerWith(t, 1, "  max_file_store: 64MB\n")
	http := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	dedupe := startStages(t, stageConfigHTTP(t, b.URL(), 1, http), "dedupe", 1)[0]
	startStages(t, stageConfig(t, b.URL(), 1), "tag", 1)
	_, js := b.connect()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	in := &injector{js: js, workers: 8, rate: 2000, timeout: 5 * time.Second}

	// 1. Normal flow.
	if err := in.run(ctx, c.msgs[:third]); err != nil {
		t.Fatal(err)
	}
	waitDrained(t, js, 60*time.Second)
	if code, body := get(t, "http://"+http+"/readyz"); code != 200 {
		t.Fatalf("/readyz before the store filled: %d %s", code, body)
	}

	// 2. Articles accepted into NEWS_RAW while dedupe is stopped, then the
	// store fills up.
	signal(t, dedupe, syscall.SIGSTOP)
	if err := in.run(ctx, c.msgs[third:2*third]); err != nil {
		t.Fatal(err)
	}
	filler, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "FILLER", Subjects: []string{"filler.>"}, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	block := make([]byte, 512<<10)
	blocks := 0
	for ; ; blocks++ {
		_, err := js.Publish(ctx, "filler.x", block)
		if pipeline.Classify(err) == pipeline.KindStorageFull {
			break
		}
		if err != nil || blocks > 200 {
			t.Fatalf("filling the store: %d blocks of 512 KiB, err %v", blocks, err)
		}
	}
	t.Logf("store full after %d blocks of 512 KiB of another stream", blocks)
	signal(t, dedupe, syscall.SIGCONT)

	// 3. While full: said in the log, the metrics and /readyz; nothing
	// dead-lettered however long it lasts (20 s: past the 5 deliveries a
	// failing article gets).
	dedupe.waitLog("broker refuses writes", 30*time.Second)
	waitUntil(t, 30*time.Second, "/readyz to report the full store", func() bool {
		code, body := get(t, "http://"+http+"/readyz")
		return code == 503 && strings.Contains(body, "NATS server out of JetStream storage")
	})
	_, metrics := get(t, "http://"+http+"/metrics")
	for _, want := range []string{`newswire_blocked{component="dedupe",kind="storage_full"} 1`, `newswire_broker_errors_total{component="dedupe",kind="storage_full"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	_, body := get(t, "http://"+http+"/readyz")
	t.Logf("while full, /readyz says: %s", strings.TrimSpace(body))
	time.Sleep(20 * time.Second)
	info, err := consumerInfo(ctx, js, pipeline.StreamRaw, pipeline.ConsumerDedupe)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after 20 s full: dedupe consumer %d pending, %d unacked, %d redelivered", info.NumPending, info.NumAckPending, info.NumRedelivered)
	if info.NumPending+uint64(info.NumAckPending) == 0 {
		t.Fatal("nothing is waiting in NEWS_RAW: the test did not hold articles back")
	}
	var dead int
	streamMsgs(t, js, pipeline.StreamDead, func(jetstream.Msg) { dead++ })
	if dead != 0 {
		t.Fatalf("%d messages dead-lettered while the store was full", dead)
	}

	// 4. Space returns: the stage resumes by itself; the rest flows.
	if err := filler.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	if err := in.run(ctx, c.msgs[2*third:]); err != nil {
		t.Fatal(err)
	}
	waitDrained(t, js, 90*time.Second)
	dedupe.waitLog("resuming", 10*time.Second)
	if code, body := get(t, "http://"+http+"/readyz"); code != 200 {
		t.Errorf("/readyz after space returned: %d %s", code, body)
	}
	_, metrics = get(t, "http://"+http+"/metrics")
	if !strings.Contains(metrics, `newswire_blocked{component="dedupe",kind="storage_full"} 0`) {
		t.Error(`/metrics still shows newswire_blocked{component="dedupe",kind="storage_full"} set`)
	}
	o := check(t, js, c)
	if o.dead != 0 {
		t.Errorf("%d messages dead-lettered; want none", o.dead)
	}
}

func signal(t *testing.T, p *proc, sig syscall.Signal) {
	t.Helper()
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s to %s: %v", sig, p.name, err)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func waitUntil(t *testing.T, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
