package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/feeds"
)

// maxSeen bounds how many item hashes are remembered per feed. It only has
// to cover what the feed document lists at once; older ids are the dedupe
// stage's business.
const maxSeen = 2000

// historyLen is how many recent polls a feed's state keeps.
const historyLen = 8

// Feed states, as `newswire status` shows them.
const (
	StateOK      = "ok"
	StateFailing = "failing" // the last poll failed; retried with backoff
	StateGone    = "gone"    // the server said 410 Gone; retried at the backoff cap
	StatePaused  = "paused"  // waiting out a Retry-After
	StateOffline = "offline" // every host failed at once: the network is down, not the feed
)

// FeedState is what newswire remembers about a feed between polls,
// restarts and replicas, stored as JSON under the feed id in the
// newswire_feeds bucket. Replicas coordinate through its revision: a
// replica claims a due feed by a compare-and-set that sets ClaimedBy.
type FeedState struct {
	URL          string `json:"url"`                     // the configured URL
	AdoptedURL   string `json:"adopted_url,omitempty"`   // permanent redirect target now fetched instead
	RedirectURL  string `json:"redirect_url,omitempty"`  // permanent redirect target seen lately
	RedirectSeen int    `json:"redirect_seen,omitempty"` // times in a row RedirectURL was seen
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	BodyHash     string `json:"body_hash,omitempty"`

	State           string    `json:"state,omitempty"` // ok, failing, gone, paused
	IntervalSeconds float64   `json:"interval_s,omitempty"`
	NextDue         time.Time `json:"next_due,omitzero"`
	ClaimedBy       string    `json:"claimed_by,omitempty"` // replica polling it now
	ClaimUntil      time.Time `json:"claim_until,omitzero"` // the claim lapses then (a crashed replica)

	LastPoll    time.Time `json:"last_poll,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastNew     time.Time `json:"last_new,omitzero"` // last poll that found new items
	LastStatus  int       `json:"last_status,omitempty"`
	LastResult  string    `json:"last_result,omitempty"` // ok, not_modified, unchanged, or an error class
	LastError   string    `json:"last_error,omitempty"`
	Errors      int       `json:"consecutive_errors,omitempty"`

	Polls       int64 `json:"polls"`
	NotModified int64 `json:"not_modified"` // 304s and unchanged 200s
	Published   int64 `json:"published"`

	Hints   feeds.Hints  `json:"hints,omitzero"`    // the publisher's <ttl>, skipHours, skipDays
	History []PollRecord `json:"history,omitempty"` // most recent last
}

// PollRecord is one poll in a feed's recent history.
type PollRecord struct {
	At     time.Time `json:"at"`
	Result string    `json:"result"`
	New    int       `json:"new,omitempty"`
	Status int       `json:"status,omitempty"`
}

// Interval is the feed's current polling interval.
func (s *FeedState) Interval() time.Duration {
	return time.Duration(s.IntervalSeconds * float64(time.Second))
}

func (s *FeedState) record(r PollRecord) {
	s.History = append(s.History, r)
	if len(s.History) > historyLen {
		s.History = s.History[len(s.History)-historyLen:]
	}
}

// errConflict means another replica changed the state first.
var errConflict = errors.New("worker: feed state changed by another replica")

// stateStore reads and writes FeedState in a KV bucket with revisions.
type stateStore struct {
	kv jetstream.KeyValue
}

// load returns the saved state of feed id and its revision (0: none yet).
func (s stateStore) load(ctx context.Context, id string) (FeedState, uint64, error) {
	var st FeedState
	entry, err := s.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return st, 0, nil
	}
	if err != nil {
		return st, 0, fmt.Errorf("worker: load state of %s: %w", id, err)
	}
	if err := json.Unmarshal(entry.Value(), &st); err != nil {
		// Unreadable state costs one unconditional fetch, not the feed.
		return FeedState{}, entry.Revision(), nil
	}
	return st, entry.Revision(), nil
}

// save writes st if the stored revision is still rev (0: the key must not
// exist) and returns the new revision, or errConflict.
func (s stateStore) save(ctx context.Context, id string, st FeedState, rev uint64) (uint64, error) {
	data, err := json.Marshal(st)
	if err != nil {
		return 0, fmt.Errorf("worker: encode state of %s: %w", id, err)
	}
	var newRev uint64
	if rev == 0 {
		newRev, err = s.kv.Create(ctx, id, data)
	} else {
		newRev, err = s.kv.Update(ctx, id, data, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, errConflict
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
		return 0, errConflict
	}
	if err != nil {
		return 0, fmt.Errorf("worker: save state of %s: %w", id, err)
	}
	return newRev, nil
}

// seenKey holds the hashes of the items of a feed's last document (see
// feeds.ParseNew), apart from the state: it changes only when the document
// does, while the state is written on every poll.
func seenKey(id string) string { return id + ".seen" }

// loadSeen returns the item hashes of feed id's last document.
func (s stateStore) loadSeen(ctx context.Context, id string) ([]feeds.ItemHash, error) {
	entry, err := s.kv.Get(ctx, seenKey(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("worker: load seen ids of %s: %w", id, err)
	}
	var ids []feeds.ItemHash
	if json.Unmarshal(entry.Value(), &ids) != nil {
		return nil, nil // unreadable: the dedupe stage catches what is republished
	}
	return ids, nil
}

// saveSeen stores the item hashes of feed id's current document. Only the
// lease holder writes it.
func (s stateStore) saveSeen(ctx context.Context, id string, ids []feeds.ItemHash) error {
	if len(ids) > maxSeen {
		ids = ids[:maxSeen]
	}
	data, err := json.Marshal(ids)
	if err != nil {
		return fmt.Errorf("worker: encode seen ids of %s: %w", id, err)
	}
	if _, err := s.kv.Put(ctx, seenKey(id), data); err != nil {
		return fmt.Errorf("worker: save seen ids of %s: %w", id, err)
	}
	return nil
}

// LoadStates returns the saved state of every feed in kv, keyed by feed id
// (`newswire status`, /status and the status page).
func LoadStates(ctx context.Context, kv jetstream.KeyValue) (map[string]FeedState, error) {
	// One watch of the state keys ("*": one token, so not "<feed>.seen")
	// delivers every current value, then a nil: one request for 10,000
	// feeds, not a get per feed.
	w, err := kv.Watch(ctx, "*", jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("worker: read feed states: %w", err)
	}
	defer func() { _ = w.Stop() }()
	out := map[string]FeedState{}
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok || e == nil { // every current value has been delivered
				return out, nil
			}
			if !isStateKey(e.Key()) {
				continue
			}
			// An unreadable state shows as a feed never polled, as the
			// poller treats it.
			var st FeedState
			_ = json.Unmarshal(e.Value(), &st)
			out[e.Key()] = st
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, fmt.Errorf("worker: read feed states: the broker did not answer in time (%d read)", len(out))
			}
			return nil, ctx.Err()
		}
	}
}
