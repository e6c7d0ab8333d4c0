package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
)

// TestPoisonMessage puts messages no stage can handle among ordinary
// articles: on news.raw.x invalid JSON, an article without its schema and
// one without an id.
// Each must end on news.dead.<stage> at its first delivery with the reason,
// stage and subject in headers and its body unchanged. An article too large
// for the story stage's output to fit the broker's max_payload must end there too at
// its first delivery (retrying cannot make it fit), without its body, which
// would not fit either: the dead letter names its stream and sequence. The
// articles around them must flow on, each story once.
func TestPoisonMessage(t *testing.T) {
	// Beside the other load tests: each has its own servers, ports and stores.
	t.Parallel()
	skipShort(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	c := newCorpus(t, seed, 2000, 0.3)

	b := startBroker(t, 1)
	config := stageConfig(t, b.URL(), 1)
	startStages(t, config, "dedupe", 2)
	startStages(t, config, "tag", 1)
	_, js := b.connect()

	noSchema := article("x", "no-schema", "https://news.example/no-schema", "Ceasefire agreed in no schema land", "A summary without a schema.", time.Now().UTC())
	noSchema.Schema = ""
	noID := article("x", "no-id", "https://news.example/no-id", "An article without an id", "It has a summary.", time.Now().UTC())
	noID.ID = ""
	poisons := []struct {
		subject, stage, reason string
		delivery               int // the delivery it is dead-lettered at
		data                   []byte
		omitted                bool // dead-lettered without its body
	}{
		{"news.raw.x", "dedupe", "invalid article JSON", 1, []byte(`{"schema": "newswire.article.v1", "id": `), false},
		{"news.raw.x", "dedupe", `unknown schema ""`, 1, mustJSON(t, noSchema), false},
		{"news.raw.x", "dedupe", "article without id", 1, mustJSON(t, noID), false},
		// The broker takes it, but not the story stage's output, which
		// adds the near-duplicate signature in a header (about 1.2 KB for
		// this summary).
		{"news.raw.x", "dedupe", "maximum payload exceeded", 1, oversized(t, maxPayload-700), true},
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	in := &injector{js: js, workers: 8, rate: 1000, timeout: 5 * time.Second}
	half := len(c.msgs) / 2
	if err := in.run(ctx, c.msgs[:half]); err != nil {
		t.Fatal(err)
	}
	for i, p := range poisons {
		msg := nats.NewMsg(p.subject)
		msg.Data = p.data
		if _, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID("poison-"+string(rune('a'+i)))); err != nil {
			t.Fatalf("publish poison %d: %v", i, err)
		}
	}
	if err := in.run(ctx, c.msgs[half:]); err != nil {
		t.Fatal(err)
	}

	waitDrained(t, js, 60*time.Second)
	dead := map[string]*nats.Msg{} // body → dead letter
	streamMsgs(t, js, pipeline.StreamDead, func(m jetstream.Msg) {
		dead[string(m.Data())] = &nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()}
	})
	for i, p := range poisons {
		key := string(p.data)
		if p.omitted {
			key = ""
		}
		d, ok := dead[key]
		if ok && p.omitted {
			where := d.Header.Get(pipeline.HeaderDeadBody)
			if !strings.Contains(where, fmt.Sprintf("omitted: %d bytes; read it from %s sequence ", len(p.data), pipeline.StreamRaw)) {
				t.Errorf("poison %d: %s = %q, want where to read the body", i, pipeline.HeaderDeadBody, where)
			}
		}
		if !ok {
			t.Errorf("poison %d (%s on %s) is not on NEWS_DEAD", i, p.reason, p.subject)
			continue
		}
		if want := pipeline.DeadSubject(p.stage); d.Subject != want {
			t.Errorf("poison %d dead-lettered on %s, want %s", i, d.Subject, want)
		}
		reason := d.Header.Get(pipeline.HeaderDeadReason)
		if at := fmt.Sprintf("(delivery %d)", p.delivery); !strings.Contains(reason, p.reason) || !strings.HasSuffix(reason, at) {
			t.Errorf("poison %d: %s = %q, want it to name %q %s", i, pipeline.HeaderDeadReason, reason, p.reason, at)
		}
		if got := d.Header.Get(pipeline.HeaderDeadStage); got != p.stage {
			t.Errorf("poison %d: %s = %q, want %q", i, pipeline.HeaderDeadStage, got, p.stage)
		}
		if got := d.Header.Get(pipeline.HeaderDeadSubject); got != p.subject {
			t.Errorf("poison %d: %s = %q, want %q", i, pipeline.HeaderDeadSubject, got, p.subject)
		}
		t.Logf("poison %d on %s → %s: %s", i, p.subject, d.Subject, reason)
	}
	o := check(t, js, c)
	if o.dead != len(poisons) {
		t.Errorf("NEWS_DEAD holds %d messages, want the %d poisons", o.dead, len(poisons))
	}
}

// maxPayload is nats-server's default max_payload.
const maxPayload = 1 << 20

// oversized is an article whose JSON is size bytes, most of them
// content_html (which feeds.Normalise passes on uncapped), with a summary
// of 150 distinct words.
func oversized(t *testing.T, size int) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	a := article("x", "oversized", "https://news.example/oversized", "A very long article", words(rng, 150), time.Now().UTC())
	base := len(mustJSON(t, a))
	a.ContentHTML = strings.Repeat("lorem ipsum ", size/12+1)[:size-base-len(`,"content_html":""`)]
	data := mustJSON(t, a)
	if len(data) != size {
		t.Fatalf("oversized article is %d bytes, want %d", len(data), size)
	}
	return data
}

func mustJSON(t *testing.T, a feeds.Article) []byte {
	t.Helper()
	data, err := json.Marshal(&a)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
