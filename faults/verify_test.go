package faults

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
)

// waitDrained waits until the story stage's consumer has nothing
// pending and nothing unacknowledged, three checks in a row a second apart
// (a message handed to a killed process counts as unacknowledged until its
// AckWait, 30 s, has passed and another process has handled it). It fails
// the test after timeout.
func waitDrained(t *testing.T, js jetstream.JetStream, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	quiet := 0
	var state string
	for quiet < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("the pipeline did not drain within %s: %s", timeout, state)
		}
		time.Sleep(time.Second)
		drained := true
		var parts []string
		for _, c := range []struct{ stream, name string }{
			{pipeline.StreamRaw, pipeline.ConsumerDedupe},
		} {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			info, err := consumerInfo(ctx, js, c.stream, c.name)
			cancel()
			if err != nil {
				drained = false
				parts = append(parts, c.name+": "+err.Error())
				continue
			}
			parts = append(parts, c.name+": "+itoa(info.NumPending)+" pending, "+itoa(uint64(info.NumAckPending))+" unacked, "+itoa(uint64(info.NumRedelivered))+" redelivered")
			drained = drained && info.NumPending == 0 && info.NumAckPending == 0
		}
		state = strings.Join(parts, "; ")
		if drained {
			quiet++
		} else {
			quiet = 0
		}
	}
}

func consumerInfo(ctx context.Context, js jetstream.JetStream, stream, name string) (*jetstream.ConsumerInfo, error) {
	c, err := js.Consumer(ctx, stream, name)
	if err != nil {
		return nil, err
	}
	return c.Info(ctx)
}

// streamMsgs reads every message of stream from the start with an ordered
// consumer and calls fn with each.
func streamMsgs(t *testing.T, js jetstream.JetStream, stream string, fn func(jetstream.Msg)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	want := s.CachedInfo().State.Msgs
	if want == 0 {
		return
	}
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	var got uint64
	for got < want {
		if ctx.Err() != nil {
			t.Fatalf("read %s: %d of %d messages: %v", stream, got, want, ctx.Err())
		}
		batch, err := cons.Fetch(1000, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			if ctx.Err() != nil {
				t.Fatalf("read %s: %d of %d messages: %v", stream, got, want, err)
			}
			continue
		}
		for m := range batch.Messages() {
			got++
			fn(m)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && ctx.Err() != nil {
			t.Fatalf("read %s: %d of %d messages: %v", stream, got, want, err)
		}
	}
}

// outcome counts what came out of the pipeline against the corpus.
type outcome struct {
	sent, stories, copies int

	delivered  int // stories with at least one copy on news.tagged.>
	duplicates int // copies beyond the first: the same id again, or another copy of a story
	lost       int // stories with nothing on news.tagged.>
	unknown    int // ids on news.tagged.> that were never sent
	wrongTags  int // tagged messages whose topics are not the expected ones
	copyWon    int // stories whose first copy lost to a later one

	topicWant, topicGot, topicDup, topicLost, topicStray int

	dead int // messages on NEWS_DEAD
}

// check reads NEWS_TAGGED and NEWS_DEAD from the start, compares them with
// the corpus, logs the counts and fails the test on any loss or double.
func check(t *testing.T, js jetstream.JetStream, c *corpus) outcome {
	t.Helper()
	tagged := map[string]int{}
	topicCopies := map[string]map[string]int{} // topic → id → copies
	var o outcome
	streamMsgs(t, js, pipeline.StreamTagged, func(m jetstream.Msg) {
		var a feeds.Article
		if err := json.Unmarshal(m.Data(), &a); err != nil {
			t.Errorf("%s: undecodable message: %v", m.Subject(), err)
			return
		}
		if topic, ok := strings.CutPrefix(m.Subject(), "news.topic."); ok {
			if topicCopies[topic] == nil {
				topicCopies[topic] = map[string]int{}
			}
			topicCopies[topic][a.ID]++
			return
		}
		tagged[a.ID]++
		i, ok := c.storyOf[a.ID]
		if !ok {
			o.unknown++
			return
		}
		var names []string
		for _, tm := range a.Topics {
			names = append(names, tm.Name)
		}
		slices.Sort(names)
		if !slices.Equal(names, c.stories[i].topics) {
			o.wrongTags++
		}
	})
	o.sent, o.stories, o.copies = len(c.msgs), len(c.stories), c.copies
	for _, s := range c.stories {
		var out []string
		for _, id := range s.ids {
			if n := tagged[id]; n > 0 {
				out = append(out, id)
				o.duplicates += n - 1
			}
		}
		if len(out) == 0 {
			o.lost++
			continue
		}
		o.delivered++
		o.duplicates += len(out) - 1
		if out[0] != s.ids[0] {
			o.copyWon++
		}
		for _, topic := range s.topics {
			o.topicWant++
			for _, id := range out {
				switch n := topicCopies[topic][id]; {
				case n == 0:
					o.topicLost++
				default:
					o.topicGot++
					o.topicDup += n - 1
				}
			}
		}
	}
	for topic, ids := range topicCopies {
		for id, n := range ids {
			i, ok := c.storyOf[id]
			if !ok || !slices.Contains(c.stories[i].topics, topic) || tagged[id] == 0 {
				o.topicStray += n
			}
		}
	}
	streamMsgs(t, js, pipeline.StreamDead, func(jetstream.Msg) { o.dead++ })

	t.Logf("sent %d, delivered %d, duplicates %d, lost %d", o.sent, o.delivered, o.duplicates, o.lost)
	t.Logf("(%d stories + %d copies from other feeds; a later copy won %d times; topic copies %d of %d, %d doubled, %d stray; wrong topics %d; unknown ids %d; dead letters %d)",
		o.stories, o.copies, o.copyWon, o.topicGot, o.topicWant, o.topicDup, o.topicStray, o.wrongTags, o.unknown, o.dead)
	if o.delivered != o.stories || o.duplicates != 0 || o.lost != 0 || o.unknown != 0 {
		t.Errorf("news.tagged.>: %d of %d stories delivered, %d duplicates, %d lost, %d unknown ids; want every story exactly once",
			o.delivered, o.stories, o.duplicates, o.lost, o.unknown)
	}
	if o.topicGot != o.topicWant || o.topicDup != 0 || o.topicLost != 0 || o.topicStray != 0 {
		t.Errorf("news.topic.>: %d of %d topic copies, %d doubled, %d lost, %d stray; want each exactly once",
			o.topicGot, o.topicWant, o.topicDup, o.topicLost, o.topicStray)
	}
	if o.wrongTags != 0 {
		t.Errorf("%d tagged articles carry other topics than the rules give", o.wrongTags)
	}
	return o
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
