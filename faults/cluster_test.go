package faults

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/pipeline"
)

// TestClusterNodeLoss runs a three-node JetStream cluster on loopback with
// R3 streams, consumers and buckets (nats.replicas: 3, every node's URL in
// nats.url), four story stage processes, and kills the node leading
// NEWS_TAGGED with SIGKILL while articles are injected. The pipeline must
// flow again on the other two nodes once new leaders are elected (within
// 50 s: see below); the node is started again at least eight seconds
// after the kill and catches up. Every story must come out once.
func TestClusterNodeLoss(t *testing.T) {
	// Beside the other load tests: each has its own servers, ports and stores.
	t.Parallel()
	l := startLoad(t, 3, 8000, 300, 5*time.Second, 100*time.Second) // 27 s of injection
	b, js, in := l.b, l.js, l.in

	time.Sleep(8 * time.Second)
	leader := streamLeader(t, js, pipeline.StreamTagged)
	i := slices.IndexFunc(b.nodes, func(p *proc) bool { return p.name == "nats-"+leader })
	if i < 0 {
		t.Fatalf("no node named %q leads %s", leader, pipeline.StreamTagged)
	}
	node := b.nodes[i]
	taggedBefore := taggedCount(t, js)
	node.kill()
	down := time.Now()
	t.Logf("killed %s (leader of %s) after %d acknowledged articles, %d tagged messages", node.name, pipeline.StreamTagged, in.acked.Load(), taggedBefore)
	// The streams and consumers the node led elect new leaders, each
	// after a raft election timeout (4–9 s): the flow pauses, then must
	// resume on the two remaining nodes. Requests in flight at the kill
	// are never answered; each has its own 5 s deadline and is retried,
	// and the story stage's memory follows NEWS_TAGGED again when its ordered
	// consumer (which lived on the dead node) stops delivering.
	for {
		n := taggedCount(t, js)
		if n > taggedBefore+200 { // more than the publishes in flight at the kill
			t.Logf("flowing again %s after the kill (%d tagged messages)", time.Since(down).Round(100*time.Millisecond), n)
			break
		}
		if time.Since(down) > 50*time.Second {
			t.Fatalf("the pipeline stopped without %s: %d tagged messages before, %d 50 s later", node.name, taggedBefore, n)
		}
		time.Sleep(250 * time.Millisecond)
	}
	time.Sleep(8*time.Second - time.Since(down))
	node.start()
	node.waitLog("Server is ready", 60*time.Second)
	t.Logf("%s restarted", node.name)

	l.waitInjected(t)
	l.verify(t)
}

// streamLeader is the name of the server leading stream.
func streamLeader(t *testing.T, js jetstream.JetStream, stream string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		s, err := js.Stream(ctx, stream)
		cancel()
		if err == nil {
			if info := s.CachedInfo(); info.Cluster != nil && info.Cluster.Leader != "" {
				return info.Cluster.Leader
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream %s has no leader after 30 s (last error: %v)", stream, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// taggedCount is the number of messages on NEWS_TAGGED, asked until a
// leader answers (during an election the stream info may time out).
func taggedCount(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		s, err := js.Stream(ctx, pipeline.StreamTagged)
		cancel()
		if err == nil {
			return s.CachedInfo().State.Msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream %s: %v", pipeline.StreamTagged, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
