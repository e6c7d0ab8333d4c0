package main

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/natstest"
	"github.com/newswire/newswire/worker"
)

// statusFixture writes a few feed states into a real feed state bucket and
// a config that knows some of those feeds and one more.
func statusFixture(t *testing.T) (natsURL, configPath string) {
	t.Helper()
	s := natstest.Start(t)
	ctx := context.Background()
	res, err := pipeline.EnsureTopology(ctx, s.JS, pipeline.DefaultTopology())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	states := map[string]worker.FeedState{
		"aaa-ok": {URL: "https://a.example/rss", State: worker.StateOK, IntervalSeconds: 120.0, LastPoll: now.Add(-time.Minute),
			NextDue: now.Add(time.Minute), LastResult: "not_modified", Polls: 10, NotModified: 8, Published: 30},
		// Saved before the poller wrote State: derived from the errors.
		"bbb-fail2": {URL: "https://b.example/rss", LastPoll: now.Add(-time.Minute), LastResult: "http_5xx",
			LastError: "HTTP 503 Service Unavailable", Errors: 2, Polls: 5, Published: 4},
		"ddd-gone": {URL: "https://d.example/rss", State: worker.StateGone, IntervalSeconds: 7200, LastPoll: now.Add(-time.Minute),
			LastResult: "http_4xx", LastError: "HTTP 410 Gone", Errors: 3, Polls: 3},
		"eee-paused": {URL: "https://e.example/rss", State: worker.StatePaused, IntervalSeconds: 900, LastPoll: now.Add(-time.Minute),
			LastResult: "http_429", LastError: "HTTP 429 Too Many Requests", Errors: 1, Polls: 2},
		"ccc-fail5": {URL: "https://c.example/rss", State: worker.StateFailing, LastPoll: now.Add(-time.Minute), LastResult: "parse",
			LastError: "feeds: parse:\n" + strings.Repeat("bad ", 40), Errors: 5, Polls: 5},
		"zzz-removed": {URL: "https://z.example/rss", Polls: 1, LastPoll: now.Add(-time.Hour), LastResult: "ok"},
	}
	for id, st := range states {
		data, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := res.FeedState.Put(ctx, id, data); err != nil {
			t.Fatal(err)
		}
	}
	configPath = writeFile(t, t.TempDir(), "newswire.yaml", `poll:
  interval: 10m
feeds:
  - {id: aaa-ok, url: "https://a.example/rss", interval: 1m}
  - {id: bbb-fail2, url: "https://b.example/rss"}
  - {id: ccc-fail5, url: "https://c.example/rss"}
  - {id: ddd-gone, url: "https://d.example/rss"}
  - {id: eee-paused, url: "https://e.example/rss"}
  - {id: mmm-new, url: "https://m.example/rss", interval: 3m}
`)
	return s.URL, configPath
}

func TestStatus(t *testing.T) {
	t.Parallel()
	natsURL, configPath := statusFixture(t)

	code, stdout, stderr := cli(t, "status", "--config", configPath, "--nats", natsURL)
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if got, want := strings.Fields(lines[0]), strings.Fields("FEED STATE LAST POLL RESULT NEXT DUE INTERVAL ERRORS PUBLISHED 304s LAST ERROR"); !reflect.DeepEqual(got, want) {
		t.Errorf("header %q, want %q", got, want)
	}
	// Trouble first: failing feeds by consecutive errors, then the feed
	// never polled, the healthy one, and the state left by a removed feed.
	want := [][]string{
		{"ccc-fail5", "failing", "1m0s", "ago", "parse", "-", "10m0s", "5", "0", "0%", "feeds:", "parse:", "bad"},
		{"bbb-fail2", "failing", "1m0s", "ago", "http_5xx", "-", "10m0s", "2", "4", "0%", "HTTP", "503", "Service", "Unavailable"},
		{"ddd-gone", "gone", "1m0s", "ago", "http_4xx", "-", "2h0m0s", "3", "0", "0%", "HTTP", "410", "Gone"},
		{"eee-paused", "paused", "1m0s", "ago", "http_429", "-", "15m0s", "1", "0", "0%", "HTTP", "429"},
		{"mmm-new", "new", "never", "-", "-", "3m0s", "0", "0", "-"},
		{"aaa-ok", "ok", "1m0s", "ago", "not_modified", "in", "1m0s", "2m0s", "0", "30", "80%"},
		{"zzz-removed", "removed", "1h0m0s", "ago", "ok", "-", "-", "0", "0", "0%"},
	}
	if len(lines) != len(want)+1 {
		t.Fatalf("got %d rows, want %d:\n%s", len(lines)-1, len(want), stdout)
	}
	for i, w := range want {
		got := strings.Fields(lines[i+1])
		if len(got) < len(w) || !reflect.DeepEqual(got[:len(w)], w) {
			t.Errorf("row %d = %q\nwant it to start with %q", i+1, got, w)
		}
	}
	if !strings.HasSuffix(lines[1], "…") || len([]rune(lines[1])) > 200 {
		t.Errorf("the long multi-line error is not shortened to one line: %q", lines[1])
	}

	code, stdout, stderr = cli(t, "status", "--config", configPath, "--nats", natsURL, "--json")
	if code != 0 {
		t.Fatalf("status --json: exit %d: %s", code, stderr)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatalf("status --json printed %q: %v", stdout, err)
	}
	var ids []string
	for _, r := range rows {
		ids = append(ids, r["id"].(string))
	}
	if want := []string{"ccc-fail5", "bbb-fail2", "ddd-gone", "eee-paused", "mmm-new", "aaa-ok", "zzz-removed"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("--json ids %q, want %q", ids, want)
	}
	ok := rows[5]
	for k, v := range map[string]any{"state": "ok", "last_result": "not_modified", "interval_s": 120.0, "consecutive_errors": 0.0,
		"polls": 10.0, "not_modified": 8.0, "not_modified_ratio": 0.8, "published": 30.0} {
		if ok[k] != v {
			t.Errorf("aaa-ok %s = %v, want %v", k, ok[k], v)
		}
	}
	for _, k := range []string{"last_poll", "next_due"} {
		if _, err := time.Parse(time.RFC3339, ok[k].(string)); err != nil {
			t.Errorf("aaa-ok %s = %v, want an RFC 3339 time", k, ok[k])
		}
	}
	if _, has := rows[4]["last_poll"]; has || rows[4]["state"] != "new" || rows[4]["interval_s"] != 180.0 {
		t.Errorf("mmm-new = %v, want state new, the configured interval and no last_poll", rows[4])
	}
}

func TestStatusWithoutConfig(t *testing.T) {
	t.Parallel()
	natsURL, _ := statusFixture(t)
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	// No --config, and the default path does not exist here: the saved
	// states are shown as they are.
	if err := runEnv(context.Background(), e, []string{"status", "--nats", natsURL, "--json"}); err != nil {
		t.Fatalf("status: %v\n%s", err, errb.String())
	}
	var rows []statusRow
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.ID+":"+r.State)
	}
	if want := []string{"ccc-fail5:failing", "bbb-fail2:failing", "ddd-gone:gone", "eee-paused:paused", "aaa-ok:ok", "zzz-removed:ok"}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
}
