package worker

import (
	"container/heap"
	"errors"
	"fmt"
	"time"
)

// ErrUnknownFeed is returned by PollNow for a feed the poller does not have.
var ErrUnknownFeed = errors.New("unknown feed")

// PollNow polls the feed with the given id as soon as a poll slot is free,
// whether it is due or not (`newswire feeds poll`); its schedule then goes
// on from that poll. A feed being polled right now is polled again once
// that poll ends. What it cannot override: a host's pause (Retry-After) and
// another replica's lease, whose holder polls the feed when due. It returns
// ErrUnknownFeed for an id the poller does not schedule. Safe to call
// concurrently, before or during Run.
func (p *Poller) PollNow(id string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.tasks[id]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownFeed, id)
	}
	t.pollNow = true
	if t.index >= 0 { // queued: move it to the front; else it runs now, and requeue honours pollNow
		p.queue.remove(t)
		t.wake = time.Now()
		heap.Push(&p.queue, t)
		p.wakeUp()
	}
	return nil
}
