package main

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/internal/harness"
	"github.com/newswire/newswire/pipeline"
)

// The sides of the comparison.
const (
	sideHop      = "hop"
	sidePipeline = "pipeline"
	sideFloor    = "floor" // the stages' broker calls alone (floor.go), with -floor
)

// result is what one run of a side measured.
type result struct {
	side, sync string
	articles   int           // injected in the measured window
	elapsed    time.Duration // first publish → last expected message out
	daemonCPU  float64       // CPU seconds of the daemon process (server included) in that window
	clientCPU  float64       // CPU seconds of this process in that window
	peakRSS    int64         // VmHWM of the daemon process, start-up included

	expected   int           // messages that must come out: every raw message (hop), every new story (pipeline)
	delivered  int           // of them, seen at least once
	doubles    int           // seen more than once (a redelivery, a story tagged twice)
	unexpected int           // messages out that are none of them (a copy let through)
	stored     int           // messages on the output subjects at the end (news.tagged.> or NEWS_RAW)
	rawDups    int           // publishes the input stream acknowledged as duplicates
	dedupeDone time.Duration // pipeline: first publish → the last message stored on NEWS_TAGGED

	topicCopies int                // pipeline: copies on news.topic.>
	withTopics  int                // pipeline: stories with at least one topic
	metrics     map[string]float64 // pipeline: the daemon's counters at the end
}

func (r result) perSecond() float64 { return float64(r.articles) / r.elapsed.Seconds() }
func (r result) daemonPer100k() float64 {
	return r.daemonCPU * 100000 / float64(r.articles)
}
func (r result) clientPer100k() float64 {
	return r.clientCPU * 100000 / float64(r.articles)
}

// runSide starts a fresh daemon for side at sync, injects w and measures
// until every expected message is out, then checks the counts and stops
// the daemon.
func runSide(ctx context.Context, c config, w *workload, bin, side, sync string, profile bool) (result, error) {
	return measure(ctx, c, w, bin, side, sync, profile, false)
}

// checkSync starts the daemon for side at sync and stops it: startDaemon
// fails when the daemon does not apply the sync setting.
func checkSync(ctx context.Context, c config, bin, side, sync string) error {
	_, err := measure(ctx, c, nil, bin, side, sync, false, true)
	return err
}

// measure does the work of runSide; with startOnly it only starts and
// stops the daemon.
func measure(ctx context.Context, c config, w *workload, bin, side, sync string, profile, startOnly bool) (result, error) {
	res := result{side: side, sync: sync}
	dir, err := os.MkdirTemp("", "newswire-bench-pipeline-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	d, err := startDaemon(ctx, c, bin, dir, side, sync, profile)
	if err != nil {
		return res, err
	}
	if startOnly {
		return res, d.stop()
	}
	res.articles = len(w.msgs)
	stopped := false
	defer func() {
		if !stopped {
			_ = d.stop()
		}
	}()
	nc, err := nats.Connect(d.natsURL, nats.Name("bench-pipeline"))
	if err != nil {
		return res, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return res, err
	}

	t, cc, err := watchOutputs(ctx, js, w, side)
	if err != nil {
		return res, err
	}
	defer cc.Stop()
	stopFloor := func() error { return nil }
	if side == sideFloor {
		if stopFloor, err = startFloor(ctx, js, func(id string) bool { return id == w.warmID || w.uniqueIDs[id] }); err != nil {
			return res, fmt.Errorf("floor: %w", err)
		}
		defer func() { _ = stopFloor() }() // on an early return; stopping twice is harmless
	}

	// Warm-up: one article through, so that consumers exist, the dedupe
	// window has caught up and nothing is paid for the first time inside
	// the measured window.
	if _, err := inject(ctx, js, []*nats.Msg{w.warm}); err != nil {
		return res, fmt.Errorf("warm-up: %w", err)
	}
	if err := t.waitWarm(ctx, 60*time.Second); err != nil {
		return res, fmt.Errorf("warm-up: %w (daemon log: %s)", err, d.logPath)
	}

	if profile {
		d.signal(syscall.SIGUSR1)
		time.Sleep(50 * time.Millisecond) // let the profile start
	}
	cpu0, self0, t0 := harness.ProcCPUSeconds(d.pid()), harness.CPUSeconds(), time.Now()
	injected := make(chan error, 1)
	var dups int // read only after injected was received from
	go func() {
		var err error
		dups, err = inject(ctx, js, w.msgs)
		injected <- err
	}()
	last, err := t.waitDone(ctx, injected, func() (bool, error) { return drained(ctx, js, side) })
	cpu1, self1 := harness.ProcCPUSeconds(d.pid()), harness.CPUSeconds()
	if profile {
		d.signal(syscall.SIGUSR2)
	}
	if err != nil {
		return res, fmt.Errorf("%w (daemon log: %s)", err, d.logPath)
	}
	res.elapsed, res.rawDups = last.Sub(t0), dups
	res.daemonCPU, res.clientCPU = cpu1-cpu0, self1-self0

	// Settle: let the stages finish what is in hand, then count.
	if err := waitDrained(ctx, js, side, 60*time.Second); err != nil {
		return res, err
	}
	time.Sleep(300 * time.Millisecond) // the last deliveries to this process
	if err := stopFloor(); err != nil {
		return res, err
	}
	if res.stored, err = storedOutputs(ctx, js, side); err != nil {
		return res, err
	}
	if side != sideHop {
		s, err := js.Stream(ctx, pipeline.StreamTagged)
		if err != nil {
			return res, err
		}
		res.dedupeDone = s.CachedInfo().State.LastTime.Sub(t0)
	}
	t.result(&res)
	if side == sidePipeline {
		if res.metrics, err = scrapeMetrics(d.httpAddr); err != nil {
			return res, err
		}
		if dead := res.metrics["newswire_stage_messages_total{result=dead}"]; dead > 0 {
			return res, fmt.Errorf("%.0f messages dead-lettered (daemon log: %s)", dead, d.logPath)
		}
	}
	res.peakRSS = harness.ProcStatus(d.pid(), "VmHWM:")
	cc.Stop()
	stopped = true
	if err := d.stop(); err != nil {
		return res, err
	}
	return res, nil
}

// watchOutputs starts reading what must come out of side, into a tally:
// the hop's messages through the durable consumer the dedupe stage would
// use, acked one by one; the pipeline's stories on news.tagged.>, headers
// only (an ordered consumer: reading them is not part of what is
// measured, so as cheap as possible).
func watchOutputs(ctx context.Context, js jetstream.JetStream, w *workload, side string) (*tally, jetstream.ConsumeContext, error) {
	if side == sideHop {
		t := newTally(w.rawIDs, w.warm.Header.Get(jetstream.MsgIDHeader))
		cons, err := js.Consumer(ctx, pipeline.StreamRaw, pipeline.ConsumerDedupe)
		if err != nil {
			return nil, nil, err
		}
		cc, err := cons.Consume(func(m jetstream.Msg) {
			redelivered := false
			if meta, err := m.Metadata(); err == nil {
				redelivered = meta.NumDelivered > 1
			}
			t.add(m.Headers().Get(jetstream.MsgIDHeader), "", redelivered)
			_ = m.Ack()
		})
		return t, cc, err
	}
	t := newTally(w.uniqueIDs, w.warmID)
	cons, err := js.OrderedConsumer(ctx, pipeline.StreamTagged, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"news.tagged.>"}, HeadersOnly: true,
	})
	if err != nil {
		return nil, nil, err
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		t.add(m.Headers().Get(jetstream.MsgIDHeader), m.Headers().Get(pipeline.HeaderTopics), false)
	})
	return t, cc, err
}

// drained reports whether the consumers of side have nothing pending or
// unacknowledged.
func drained(ctx context.Context, js jetstream.JetStream, side string) (bool, error) {
	for _, sc := range [][2]string{{pipeline.StreamRaw, pipeline.ConsumerDedupe}} {
		cons, err := js.Consumer(ctx, sc[0], sc[1])
		if err != nil {
			return false, err
		}
		info, err := cons.Info(ctx)
		if err != nil {
			return false, err
		}
		if info.NumPending > 0 || info.NumAckPending > 0 {
			return false, nil
		}
	}
	return true, nil
}

func waitDrained(ctx context.Context, js jetstream.JetStream, side string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		ok, err := drained(ctx, js, side)
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("consumers still busy %s after the last expected message", limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// storedOutputs counts the messages on the side's output subjects.
func storedOutputs(ctx context.Context, js jetstream.JetStream, side string) (int, error) {
	if side == sideHop {
		s, err := js.Stream(ctx, pipeline.StreamRaw)
		if err != nil {
			return 0, err
		}
		return int(s.CachedInfo().State.Msgs), nil
	}
	s, err := js.Stream(ctx, pipeline.StreamTagged)
	if err != nil {
		return 0, err
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter("news.tagged.>"))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range info.State.Subjects {
		n += int(c)
	}
	return n, nil
}
