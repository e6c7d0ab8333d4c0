package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// inflight bounds the asynchronous publishes awaiting their ack.
const inflight = 1024

// inject publishes msgs in order, asynchronously, at most inflight of them
// unacknowledged at a time, and returns once every ack is in, with the
// number of messages the stream acknowledged as duplicates.
func inject(ctx context.Context, js jetstream.JetStream, msgs []*nats.Msg) (dups int, err error) {
	ring := make([]jetstream.PubAckFuture, inflight)
	wait := func(f jetstream.PubAckFuture) error {
		select {
		case ack := <-f.Ok():
			if ack.Duplicate {
				dups++
			}
			return nil
		case err := <-f.Err():
			return fmt.Errorf("publish %s: %w", f.Msg().Subject, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for i, m := range msgs {
		if f := ring[i%inflight]; f != nil {
			if err := wait(f); err != nil {
				return dups, err
			}
		}
		f, err := js.PublishMsgAsync(m)
		if err != nil {
			return dups, fmt.Errorf("publish %s: %w", m.Subject, err)
		}
		ring[i%inflight] = f
	}
	for i := range inflight {
		if f := ring[(len(msgs)+i)%inflight]; f != nil {
			if err := wait(f); err != nil {
				return dups, err
			}
		}
	}
	return dups, nil
}

// tally counts the messages that come out, by Nats-Msg-Id, against the
// set that must come out. It is safe for concurrent use.
type tally struct {
	want   map[string]bool // read only
	warmID string

	mu          sync.Mutex
	seen        map[string]int
	delivered   int // distinct wanted ids seen
	doubles     int
	unexpected  int
	withTopics  int
	topicCopies int
	last        time.Time // when the last wanted id was first seen
	lastAny     time.Time // when anything was last seen
	warm        chan struct{}
	done        chan struct{}
}

func newTally(want map[string]bool, warmID string) *tally {
	return &tally{want: want, warmID: warmID, seen: make(map[string]int, len(want)),
		warm: make(chan struct{}), done: make(chan struct{})}
}

// add records one message out with Nats-Msg-Id id and, on tagged
// messages, its Newswire-Topics header.
func (t *tally) add(id, topics string, redelivered bool) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lastAny = now
	if id == t.warmID {
		if t.seen[id] == 0 {
			close(t.warm)
		}
		t.seen[id]++
		return
	}
	t.seen[id]++
	switch {
	case !t.want[id]:
		t.unexpected++
		return
	case t.seen[id] > 1 || redelivered:
		t.doubles++
		return
	}
	t.delivered++
	t.last = now
	if topics != "" {
		t.withTopics++
		t.topicCopies += strings.Count(topics, ",") + 1
	}
	if t.delivered == len(t.want) {
		close(t.done)
	}
}

func (t *tally) waitWarm(ctx context.Context, limit time.Duration) error {
	select {
	case <-t.warm:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(limit):
		return fmt.Errorf("the warm-up article did not come out within %s", limit)
	}
}

// waitDone waits until every wanted message is out and injected has
// delivered the injection's result, and returns when the last wanted
// message came out. It gives up
// when the daemon has nothing left to do (idle says so) and messages are
// still missing, or when nothing comes out for five minutes.
func (t *tally) waitDone(ctx context.Context, injected <-chan error, idle func() (bool, error)) (time.Time, error) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	done, injDone := t.done, injected
	for done != nil || injDone != nil {
		select {
		case <-done:
			done = nil
		case err := <-injDone:
			if err != nil {
				return time.Time{}, fmt.Errorf("inject: %w", err)
			}
			injDone = nil
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-tick.C:
			t.mu.Lock()
			quiet, got := time.Since(t.lastAny), t.delivered
			t.mu.Unlock()
			if quiet > 5*time.Minute {
				return time.Time{}, fmt.Errorf("nothing came out for %s: %d of %d expected", quiet.Round(time.Second), got, len(t.want))
			}
			if injDone == nil && quiet > 3*time.Second {
				if ok, err := idle(); err != nil {
					return time.Time{}, err
				} else if ok {
					return time.Time{}, errors.New(t.summary() + ": the daemon is idle, the rest will not come")
				}
			}
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last, nil
}

func (t *tally) summary() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("%d of %d expected came out (%d doubles, %d unexpected)", t.delivered, len(t.want), t.doubles, t.unexpected)
}

// result copies the counts into r.
func (t *tally) result(r *result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r.expected, r.delivered, r.doubles, r.unexpected = len(t.want), t.delivered, t.doubles, t.unexpected
	r.withTopics, r.topicCopies = t.withTopics, t.topicCopies
}
