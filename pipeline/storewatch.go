package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// StoreWatch notices damage to the embedded server's store that the server
// survives silently: it keeps, in a file beside the store, the first and
// last sequence and the message count of each of newswire's streams as the
// last run left them, and at start compares them with what the server
// recovered. A stream whose last sequence went backwards (its tail was
// lost), whose first sequence went backwards (it was reset), or that holds
// fewer messages than expiry from its head can explain (its middle was
// lost) is damaged; so is a stream the server reports a checksum failure
// or inconsistency for while recovering it (Report, from its log).
//
// Damage is logged at error level, counted in
// newswire_store_damage_total{stream}, shown as newswire_store_damaged
// {stream} = 1, by Health (so /readyz) and by `newswire status`, and kept —
// across restarts too — until an operator acknowledges it (Ack). It is safe
// for concurrent use.
type StoreWatch struct {
	path string
	log  zerolog.Logger

	mu    sync.Mutex
	state storeWatchState

	total   *prometheus.CounterVec
	damaged *prometheus.GaugeVec
}

// streamState is what a stream held when it was last seen.
type streamState struct {
	FirstSeq uint64 `json:"first_seq"`
	LastSeq  uint64 `json:"last_seq"`
	Msgs     uint64 `json:"msgs"`
}

// Damage is one finding.
type Damage struct {
	Stream string    `json:"stream"`
	What   string    `json:"what"`
	Since  time.Time `json:"since"`
}

func (d Damage) String() string {
	return fmt.Sprintf("%s: store damaged since %s: %s", d.Stream, d.Since.UTC().Format(time.RFC3339), d.What)
}

type storeWatchState struct {
	Marks  map[string]streamState `json:"marks"`
	Damage []Damage               `json:"damage"`
}

// storeWatchFile is the file in a store directory that StoreWatch keeps.
const storeWatchFile = "newswire-streams.json"

// OpenStoreWatch reads the marks kept in dir (none the first time) and
// registers the metrics with reg.
func OpenStoreWatch(dir string, reg prometheus.Registerer, log zerolog.Logger) (*StoreWatch, error) {
	w := &StoreWatch{
		path:  filepath.Join(dir, storeWatchFile),
		log:   log.With().Str("component", "store").Logger(),
		state: storeWatchState{Marks: map[string]streamState{}},
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "newswire_store_damage_total",
			Help: "Damage found in the embedded store, per stream: messages lost across a restart, checksum failures.",
		}, []string{"stream"}),
		damaged: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "newswire_store_damaged",
			Help: "1 while a stream has damage an operator has not acknowledged (newswire status --ack-damage).",
		}, []string{"stream"}),
	}
	for _, stream := range watchedStreams {
		w.total.WithLabelValues(stream)
		w.damaged.WithLabelValues(stream)
	}
	reg.MustRegister(w.total, w.damaged)
	data, err := os.ReadFile(w.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("pipeline: %w", err)
	default:
		if err := json.Unmarshal(data, &w.state); err != nil {
			// The watch's own file is damaged: start afresh, and say so.
			w.log.Error().Err(err).Str("file", w.path).Msg("store watch file unreadable; starting a new one")
			w.state = storeWatchState{}
		}
		if w.state.Marks == nil {
			w.state.Marks = map[string]streamState{}
		}
	}
	for _, d := range w.state.Damage {
		w.damaged.WithLabelValues(d.Stream).Set(1)
	}
	return w, nil
}

// Check compares every stream's state with its mark, records what went
// wrong, and marks the streams as they are now. Call it once the server
// has recovered the streams, before anything writes to them.
func (w *StoreWatch) Check(ctx context.Context, js jetstream.JetStream) error {
	return w.record(ctx, js, true)
}

// Mark records what the streams hold now (periodically and at shutdown),
// so that the next start compares with the latest state.
func (w *StoreWatch) Mark(ctx context.Context, js jetstream.JetStream) error {
	return w.record(ctx, js, false)
}

// record marks every watched stream as it is now, first comparing it with
// its mark when compare is set, and saves the marks.
func (w *StoreWatch) record(ctx context.Context, js jetstream.JetStream, compare bool) error {
	for _, name := range watchedStreams {
		now, err := streamMark(ctx, js, name)
		if err != nil {
			return fmt.Errorf("pipeline: store watch: stream %s: %w", name, err)
		}
		w.mu.Lock()
		was, seen := w.state.Marks[name]
		w.state.Marks[name] = now
		w.mu.Unlock()
		if compare && seen {
			if what := compareMarks(was, now); what != "" {
				w.add(name, what)
			}
		}
	}
	return w.save()
}

// compareMarks says how now lost what was there before, or "".
func compareMarks(was, now streamState) string {
	switch {
	case now.LastSeq < was.LastSeq:
		return fmt.Sprintf("last sequence went back from %d to %d: %d messages at its end lost", was.LastSeq, now.LastSeq, was.LastSeq-now.LastSeq)
	case now.FirstSeq < was.FirstSeq:
		return fmt.Sprintf("first sequence went back from %d to %d: the stream was reset", was.FirstSeq, now.FirstSeq)
	}
	// Expiry and limits remove messages from the head only, which moves
	// the first sequence on; new messages add at the tail.
	expired := now.FirstSeq - was.FirstSeq
	added := now.LastSeq - was.LastSeq
	if want := int64(was.Msgs) - int64(expired) + int64(added); int64(now.Msgs) < want {
		return fmt.Sprintf("%d messages missing between sequences %d and %d (held %d, now %d)", want-int64(now.Msgs), now.FirstSeq, now.LastSeq, was.Msgs, now.Msgs)
	}
	return ""
}

// watchedStreams are the streams whose messages only ever leave from the
// head (age limits), so that a loss anywhere else is damage. The KV
// buckets are not among them: they delete old revisions in the middle.
var watchedStreams = []string{StreamRaw, StreamTagged, StreamDead}

func streamMark(ctx context.Context, js jetstream.JetStream, name string) (streamState, error) {
	s, err := js.Stream(ctx, name)
	if err != nil {
		return streamState{}, err
	}
	st := s.CachedInfo().State
	return streamState{FirstSeq: st.FirstSeq, LastSeq: st.LastSeq, Msgs: st.Msgs}, nil
}

// serverDamage matches the server's log lines about a stream it found
// damaged while recovering it (not the routine "will rebuild" after a
// crash): "Filestore [NEWS_TAGGED] Stream state checksum did not match".
var serverDamage = regexp.MustCompile(`Filestore \[([^\]]+)\] .*(checksum did not match|corrupt|internal inconsistency|could not locate msg block|bad block|bad subject)`)

// Report takes one of the server's warning or error lines and records the
// damage it tells of, if any.
func (w *StoreWatch) Report(line string) {
	if w == nil {
		return
	}
	if m := serverDamage.FindStringSubmatch(line); m != nil {
		w.add(m[1], "server: "+line)
		_ = w.save()
	}
}

func (w *StoreWatch) add(stream, what string) {
	d := Damage{Stream: stream, What: what, Since: time.Now()}
	w.mu.Lock()
	w.state.Damage = append(w.state.Damage, d)
	w.mu.Unlock()
	w.total.WithLabelValues(stream).Inc()
	w.damaged.WithLabelValues(stream).Set(1)
	w.log.Error().Str("stream", stream).Str("damage", what).
		Msg("store damaged: stored messages were lost; see /readyz, acknowledge with newswire status --ack-damage")
}

// Damaged returns the damage not acknowledged yet, oldest first.
func (w *StoreWatch) Damaged() []Damage {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.state.Damage)
}

// Ack acknowledges all damage found so far and returns how much there was.
func (w *StoreWatch) Ack() (int, error) {
	w.mu.Lock()
	n := len(w.state.Damage)
	for _, d := range w.state.Damage {
		w.damaged.WithLabelValues(d.Stream).Set(0)
	}
	w.state.Damage = nil
	w.mu.Unlock()
	if n > 0 {
		w.log.Warn().Int("acknowledged", n).Msg("store damage acknowledged by an operator")
	}
	return n, w.save()
}

// save writes the state to a temporary file and renames it over the old
// one, so that a crash leaves one or the other.
func (w *StoreWatch) save() error {
	w.mu.Lock()
	data, err := json.MarshalIndent(w.state, "", "  ")
	w.mu.Unlock()
	if err != nil {
		return err
	}
	tmp := w.path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("pipeline: store watch: %w", err)
	}
	if err := os.Rename(tmp, w.path); err != nil {
		return fmt.Errorf("pipeline: store watch: %w", err)
	}
	return nil
}
