package faults

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestStoreDamageIsShown stores articles on NEWS_TAGGED through a running
// daemon, stops it, cuts the stream's block file in half (a disk or a
// careless hand), and starts it again: the daemon must say so — an error
// in its log, /readyz failing with the stream named, the damage metric,
// `newswire status` — until an operator acknowledges it with
// `newswire status --ack-damage`.
func TestStoreDamageIsShown(t *testing.T) {
	skipShort(t)
	dir := t.TempDir()
	natsPort, httpPort := freePort(t), freePort(t)
	cfg := embeddedConfig(t, filepath.Join(dir, "newswire.yaml"), natsPort, filepath.Join(dir, "store"), httpPort)
	d := newProc(t, "newswire", binaries.newswire, "run", "--config", cfg, "--log-format", "json")
	d.waitLog("newswire running", 60*time.Second)

	nc, err := nats.Connect(fmt.Sprintf("nats://127.0.0.1:%d", natsPort))
	if err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	payload := []byte(strings.Repeat("x", 1000))
	for i := range 3000 {
		if _, err := js.Publish(ctx, "news.tagged.damage", payload, jetstream.WithMsgID(fmt.Sprint("d-", i))); err != nil {
			t.Fatal(err)
		}
	}
	nc.Close()
	if err := d.stop(15 * time.Second); err != nil {
		t.Fatal(err)
	}

	blocks, _ := filepath.Glob(filepath.Join(dir, "store", "jetstream", "*", "streams", "NEWS_TAGGED", "msgs", "*.blk"))
	if len(blocks) == 0 {
		t.Fatal("no NEWS_TAGGED block file found")
	}
	st, err := os.Stat(blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(blocks[0], st.Size()/2); err != nil {
		t.Fatal(err)
	}

	d.start()
	d.waitLog("newswire running", 60*time.Second)
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	code, text := get(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(text, "NEWS_TAGGED: store damaged") {
		t.Errorf("/readyz answered %d %q, want 503 naming NEWS_TAGGED's damage", code, text)
	}
	if _, metrics := get(t, base+"/metrics"); !strings.Contains(metrics, `newswire_store_damage_total{stream="NEWS_TAGGED"}`) {
		t.Error("no newswire_store_damage_total for NEWS_TAGGED in /metrics")
	}
	if !strings.Contains(d.log(), `"level":"error","component":"store"`) {
		t.Error("no error-level log line from the store watch")
	}
	out, err := exec.Command(binaries.newswire, "status", "--config", cfg).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "STORE DAMAGED  NEWS_TAGGED") {
		t.Errorf("newswire status: %v\n%s\nwant the damage shown", err, out)
	}

	out, err = exec.Command(binaries.newswire, "status", "--config", cfg, "--ack-damage").CombinedOutput()
	if err != nil || strings.Contains(string(out), "STORE DAMAGED") {
		t.Errorf("newswire status --ack-damage: %v\n%s\nwant the damage acknowledged", err, out)
	}
	if code, text := get(t, base+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz after the acknowledgement: %d %q, want 200", code, text)
	}
	if err := d.stop(15 * time.Second); err != nil {
		t.Error(err)
	}
}
