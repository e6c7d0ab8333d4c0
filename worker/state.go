package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// maxSeen bounds how many article ids a feed's state remembers. It only has
// to cover what the feed document lists at once; older ids are the dedupe
// stage's business.
const maxSeen = 2000

// FeedState is what newswire remembers about a feed between polls and
// restarts, stored as JSON under the feed id in the newswire_feeds bucket.
type FeedState struct {
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	BodyHash     string `json:"body_hash,omitempty"`

	LastPoll    time.Time `json:"last_poll,omitzero"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	NextDue     time.Time `json:"next_due,omitzero"`
	LastStatus  int       `json:"last_status,omitempty"`
	LastResult  string    `json:"last_result,omitempty"` // ok, not_modified, unchanged, or an error class
	LastError   string    `json:"last_error,omitempty"`
	Errors      int       `json:"consecutive_errors,omitempty"`

	Polls       int64 `json:"polls"`
	NotModified int64 `json:"not_modified"`
	Published   int64 `json:"published"`

	// Seen holds the ids of the articles in the last parsed document; only
	// articles not in it are published.
	Seen []string `json:"seen,omitempty"`
}

// stateStore reads and writes FeedState in a KV bucket.
type stateStore struct {
	kv jetstream.KeyValue
}

// load returns the saved state of feed id, or a zero state when none exists.
func (s stateStore) load(ctx context.Context, id string) (FeedState, error) {
	var st FeedState
	entry, err := s.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("worker: load state of %s: %w", id, err)
	}
	if err := json.Unmarshal(entry.Value(), &st); err != nil {
		// Unreadable state costs one unconditional fetch, not the feed.
		return FeedState{}, nil
	}
	return st, nil
}

func (s stateStore) save(ctx context.Context, id string, st FeedState) error {
	if len(st.Seen) > maxSeen {
		st.Seen = st.Seen[:maxSeen]
	}
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("worker: encode state of %s: %w", id, err)
	}
	if _, err := s.kv.Put(ctx, id, data); err != nil {
		return fmt.Errorf("worker: save state of %s: %w", id, err)
	}
	return nil
}

// LoadStates returns the saved state of every feed in kv, keyed by feed id
// (for `newswire status`).
func LoadStates(ctx context.Context, kv jetstream.KeyValue) (map[string]FeedState, error) {
	lister, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("worker: list feed states: %w", err)
	}
	defer lister.Stop()
	out := map[string]FeedState{}
	store := stateStore{kv: kv}
	for id := range lister.Keys() {
		st, err := store.load(ctx, id)
		if err != nil {
			return nil, err
		}
		out[id] = st
	}
	return out, nil
}
