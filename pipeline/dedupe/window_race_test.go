package dedupe

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/dedupe/near"
	"github.com/newswire/newswire/pipeline/natstest"
)

// TestWindowPipelinedArbitration races two replicas' windows, each on its
// own connection with many publishes in flight, over stories whose two
// copies (the same text under other ids) reach both replicas at the same
// moment; a story has up to two topic copies, sent in the same run. The
// pipelined publishes must still let exactly one copy of each story
// through, with all its topic copies: a run of publishes broken by the
// other replica's message must fail from that point on, never skip over
// it.
func TestWindowPipelinedArbitration(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := pipeline.EnsureTopology(ctx, srv.JS, pipeline.Topology{}); err != nil {
		t.Fatal(err)
	}
	windows := make([]*Window, 2)
	var runs sync.WaitGroup
	for i := range windows {
		nc, err := nats.Connect(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		windows[i] = NewWindow(js, near.IndexConfig{Window: time.Hour}, true, zerolog.Nop())
		runs.Go(func() { _ = windows[i].Run(ctx) })
	}
	defer runs.Wait()
	defer cancel()

	const stories = 400
	rng := rand.New(rand.NewPCG(7, 11))
	queues := [2][]*story{}
	topics := 0
	for s := range stories {
		title, summary := randomText(rng, 8), randomText(rng, 40)
		var matched []feeds.TopicMatch
		for i := range s % 3 {
			matched = append(matched, feeds.TopicMatch{Name: fmt.Sprintf("t%d", i)})
		}
		topics += len(matched)
		for replica := range 2 {
			a := &feeds.Article{
				Schema: feeds.SchemaV1, ID: fmt.Sprintf("s%d-r%d", s, replica), Title: title, Summary: summary,
				Feed: feeds.FeedRef{ID: fmt.Sprintf("feed%d", replica)}, Topics: matched,
			}
			sig := near.Sign(title, summary)
			st := &story{a: a, keys: Keys(a), sig: &sig}
			st.mine = mine{feed: a.Feed.ID, rawSeq: uint64(1 + 2*s + replica)}
			var err error
			if st.msgs, err = storyMessages(st, windows[replica].token); err != nil {
				t.Fatal(err)
			}
			queues[replica] = append(queues[replica], st)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for replica := range 2 {
		next := make(chan *story)
		for range 16 {
			wg.Go(func() {
				for st := range next {
					if _, err := windows[replica].publish(ctx, st, true); err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Go(func() {
			for _, j := range queues[replica] {
				next <- j
			}
			close(next)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	perStory, topicCopies := map[string]int{}, map[string]int{}
	for _, m := range natstest.Collect(t, srv.JS, pipeline.StreamTagged, 2*(stories+topics), 3*time.Second) {
		id := m.Headers().Get(jetstream.MsgIDHeader)
		if strings.HasPrefix(m.Subject(), "news.topic.") {
			topicCopies[id[:strings.Index(id, ":")]]++
			continue
		}
		perStory[id[:strings.Index(id, "-")]]++
	}
	doubled, missing, wrongTopics := 0, 0, 0
	for s := range stories {
		switch perStory[fmt.Sprintf("s%d", s)] {
		case 0:
			missing++
		case 1:
		default:
			doubled++
		}
		got := topicCopies[fmt.Sprintf("s%d-r0", s)] + topicCopies[fmt.Sprintf("s%d-r1", s)]
		if got != s%3 {
			wrongTopics++
		}
	}
	if doubled != 0 || missing != 0 || wrongTopics != 0 {
		t.Fatalf("%d stories published twice, %d not at all, %d with the wrong number of topic copies (of %d)", doubled, missing, wrongTopics, stories)
	}
}

func randomText(rng *rand.Rand, words int) string {
	var b strings.Builder
	for i := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		for range 4 + rng.IntN(6) {
			b.WriteByte(byte('a' + rng.IntN(26)))
		}
	}
	return b.String()
}
