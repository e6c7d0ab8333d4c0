package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/internal/daemon"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/worker"
)

func cmdStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "status", "[--config FILE | --nats URL] [--json] [--ack-damage]")
	configPath := fs.String("config", defaultConfigPath(e), "config file (for its NATS address and feed list)")
	natsURL := fs.String("nats", "", "NATS URL; overrides the config")
	wait := durationVar(fs, "wait", 0, "how long to wait for the broker to answer (default: fail at once)")
	asJSON := fs.Bool("json", false, "print a JSON array of the rows")
	ackDamage := fs.Bool("ack-damage", false, "acknowledge the store damage the daemon reports (through its http.listen)")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	nc, js, err := dialClient(ctx, e, *configPath, *natsURL, "newswire status", *wait)
	if err != nil {
		return err
	}
	defer nc.Close()
	kv, err := js.KeyValue(ctx, pipeline.BucketFeeds)
	if err != nil {
		return fmt.Errorf("feed state bucket %s: %w (has newswire run here yet?)", pipeline.BucketFeeds, err)
	}
	states, err := worker.LoadStates(ctx, kv)
	if err != nil {
		return err
	}
	// The config adds feeds never polled yet and the configured intervals.
	// Without one (status --nats on another machine, no --config given) the
	// saved states are all there is.
	cfg, err := configs.Load(*configPath, e.getenv)
	if err != nil {
		if flagSet(fs, "config") {
			return usageError{err}
		}
		cfg = nil
	}
	if cfg != nil {
		if err := reportStore(ctx, e, cfg.HTTP.Listen, *ackDamage, *asJSON); err != nil {
			return err
		}
	} else if *ackDamage {
		return usagef("status --ack-damage: needs the config (for the daemon's http.listen)")
	}
	rows := statusRows(states, cfg)
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	return writeStatusTable(e.stdout, rows, time.Now())
}

// statusRow is one feed in `newswire status`, and its object in --json.
type statusRow struct {
	ID    string `json:"id"`
	State string `json:"state"` // ok, failing, offline, gone, paused; new: not polled yet; removed: no longer configured

	LastPoll   time.Time `json:"last_poll,omitzero"`
	LastResult string    `json:"last_result,omitempty"` // ok, not_modified, unchanged, or an error class
	LastError  string    `json:"last_error,omitempty"`
	NextDue    time.Time `json:"next_due,omitzero"`
	IntervalS  float64   `json:"interval_s,omitempty"` // current poll interval in seconds
	Errors     int       `json:"consecutive_errors"`

	Polls            int64   `json:"polls"`
	NotModified      int64   `json:"not_modified"`       // polls answered 304, or 200 with unchanged bytes
	NotModifiedRatio float64 `json:"not_modified_ratio"` // NotModified / Polls, 0 before the first poll
	Published        int64   `json:"published"`          // items published (seen for the first time)
}

// rowFromState is the one place that turns the poller's saved state into
// what `status` shows.
func rowFromState(id string, st worker.FeedState) statusRow {
	r := statusRow{
		ID: id, State: st.State,
		LastPoll: st.LastPoll, LastResult: st.LastResult, LastError: st.LastError, NextDue: st.NextDue,
		IntervalS: st.Interval().Seconds(), Errors: st.Errors,
		Polls: st.Polls, NotModified: st.NotModified, Published: st.Published,
	}
	switch {
	case r.State != "":
	case st.Polls == 0 && st.LastPoll.IsZero():
		r.State = "new"
	case st.Errors > 0: // a state saved before the poller wrote State
		r.State = worker.StateFailing
	default:
		r.State = worker.StateOK
	}
	if st.Polls > 0 {
		r.NotModifiedRatio = float64(st.NotModified) / float64(st.Polls)
	}
	return r
}

// statusRows makes one row per feed with saved state and, when cfg is not
// nil, per configured feed, sorted so that trouble comes first.
func statusRows(states map[string]worker.FeedState, cfg *configs.Config) []statusRow {
	rows := make([]statusRow, 0, len(states))
	byID := make(map[string]int, len(states))
	for id, st := range states {
		byID[id] = len(rows)
		rows = append(rows, rowFromState(id, st))
	}
	if cfg != nil {
		configured := make(map[string]bool, len(cfg.Feeds))
		for _, f := range cfg.Feeds {
			configured[f.ID] = true
			i, ok := byID[f.ID]
			if !ok {
				i = len(rows)
				rows = append(rows, statusRow{ID: f.ID, State: "new"})
			}
			if rows[i].IntervalS == 0 {
				rows[i].IntervalS = cmp.Or(f.Interval.D(), cfg.Poll.Interval.D()).Seconds()
			}
		}
		for i := range rows {
			if !configured[rows[i].ID] {
				rows[i].State = "removed"
			}
		}
	}
	slices.SortFunc(rows, func(a, b statusRow) int {
		return cmp.Or(
			cmp.Compare(stateRank(a.State), stateRank(b.State)),
			cmp.Compare(b.Errors, a.Errors),
			strings.Compare(a.ID, b.ID))
	})
	return rows
}

// stateRank orders states for a person looking for trouble: failing feeds
// first, then gone and paused ones, feeds not polled yet, healthy feeds,
// and leftovers of removed feeds last.
func stateRank(state string) int {
	order := []string{worker.StateFailing, worker.StateOffline, worker.StateGone, worker.StatePaused, "new", worker.StateOK, "removed"}
	if i := slices.Index(order, state); i >= 0 {
		return i
	}
	return 0 // a state this version does not know: show it with the trouble
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func writeStatusTable(w io.Writer, rows []statusRow, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FEED\tSTATE\tLAST POLL\tRESULT\tNEXT DUE\tINTERVAL\tERRORS\tPUBLISHED\t304s\tLAST ERROR")
	for _, r := range rows {
		ratio := "-"
		if r.Polls > 0 {
			ratio = fmt.Sprintf("%.0f%%", 100*r.NotModifiedRatio)
		}
		interval := "-"
		if r.IntervalS > 0 {
			interval = time.Duration(r.IntervalS * float64(time.Second)).Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", r.ID, r.State, ago(r.LastPoll, now),
			cmp.Or(r.LastResult, "-"), until(r.NextDue, now), interval, r.Errors, r.Published, ratio,
			oneLine(r.LastError, 80))
	}
	return tw.Flush()
}

func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return now.Sub(t).Round(time.Second).String() + " ago"
}

func until(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := t.Sub(now).Round(time.Second)
	if d <= 0 {
		return "now"
	}
	return "in " + d.String()
}

// oneLine shortens s to at most max runes on one line, for a table cell.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

// reportStore asks the daemon at httpAddr (its http.listen) for the store
// damage nobody acknowledged yet and prints it above the table (to stderr
// with --json, whose stdout is the rows); with ack it acknowledges it
// first. A daemon that does not answer there says nothing.
func reportStore(ctx context.Context, e *env, httpAddr string, ack, asJSON bool) error {
	base := "http://" + httpAddr
	if ack {
		status, body, err := daemonRequest(ctx, http.MethodPost, base+"/store/ack")
		if err != nil {
			return fmt.Errorf("status --ack-damage: the daemon's HTTP endpoint %s: %w", httpAddr, err)
		}
		if status != http.StatusOK {
			return fmt.Errorf("status --ack-damage: %d: %s", status, strings.TrimSpace(string(body)))
		}
		fmt.Fprint(e.stderr, "store damage "+string(body))
	}
	var rep daemon.StoreReport
	status, body, err := daemonRequest(ctx, http.MethodGet, base+"/store")
	if err != nil || status != http.StatusOK || json.Unmarshal(body, &rep) != nil {
		return nil // no daemon here (status --nats of a remote cluster)
	}
	w := e.stdout
	if asJSON {
		w = e.stderr
	}
	for _, d := range rep.Damage {
		fmt.Fprintf(w, "STORE DAMAGED  %s (acknowledge with newswire status --ack-damage)\n", d)
	}
	if len(rep.Damage) > 0 && !asJSON {
		fmt.Fprintln(w)
	}
	return nil
}

// daemonRequest sends one request to the daemon's HTTP endpoint and
// returns the status and (at most 1 MiB of) the body.
func daemonRequest(ctx context.Context, method, url string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, body, err
}
