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
// moment. The pipelined publishes must still let exactly one copy of each
// story through: a run of publishes broken by the other replica's message
// must fail from that point on, never skip over it.
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
		windows[i] = NewWindow(js, near.IndexConfig{Window: time.Hour}, zerolog.Nop())
		runs.Go(func() { _ = windows[i].Run(ctx) })
	}
	defer runs.Wait()
	defer cancel()

	const stories = 400
	rng := rand.New(rand.NewPCG(7, 11))
	type job struct {
		a   *feeds.Article
		sig near.Signature
	}
	queues := [2][]job{}
	for s := range stories {
		title, summary := randomText(rng, 8), randomText(rng, 40)
		for replica := range 2 {
			a := &feeds.Article{
				Schema: feeds.SchemaV1, ID: fmt.Sprintf("s%d-r%d", s, replica), Title: title, Summary: summary,
				Feed: feeds.FeedRef{ID: fmt.Sprintf("feed%d", replica)},
			}
			queues[replica] = append(queues[replica], job{a, near.Sign(title, summary)})
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for replica := range 2 {
		next := make(chan job)
		for range 16 {
			wg.Go(func() {
				for j := range next {
					if _, err := windows[replica].publishUnlessCopy(ctx, j.a, j.sig, false); err != nil {
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

	perStory := map[string]int{}
	for _, m := range natstest.Collect(t, srv.JS, pipeline.StreamUnique, 2*stories, 3*time.Second) {
		id := m.Headers().Get(jetstream.MsgIDHeader)
		perStory[id[:strings.Index(id, "-")]]++
	}
	doubled, missing := 0, 0
	for s := range stories {
		switch perStory[fmt.Sprintf("s%d", s)] {
		case 0:
			missing++
		case 1:
		default:
			doubled++
		}
	}
	if doubled != 0 || missing != 0 {
		t.Fatalf("%d stories published twice, %d not at all (of %d)", doubled, missing, stories)
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
