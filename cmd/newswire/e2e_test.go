package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestRunEndToEnd is the whole flow of DESIGN.md for real: an HTTP server
// with two hand-written feeds, `newswire run` with its embedded NATS server,
// and a client reading the tagged stream like a user.
func TestRunEndToEnd(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	feedsSrv := newFeedServer(t)
	dir := t.TempDir()
	configPath := writeConfig(t, dir, feedsSrv.URL)

	rd := startRun(t, configPath)
	url := rd.d.NATSURL()

	// Let each feed be polled several times: world answers 304 to its
	// conditional requests, mirror answers 200 with unchanged bytes.
	waitFor(t, "three polls of each feed", 30*time.Second, func() bool {
		w, _ := feedsSrv.counts("/world.xml")
		m, _ := feedsSrv.counts("/mirror.xml")
		return w >= 3 && m >= 3
	})
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	waitFor(t, "six tagged articles", 20*time.Second, func() bool {
		return streamCount(t, js, "NEWS_TAGGED", "news.tagged.>") >= 6
	})

	got := readAll(t, url, "news.>")
	var tagged []string
	for subj, as := range got {
		if strings.HasPrefix(subj, "news.tagged.") {
			tagged = append(tagged, titles(as)...)
		}
	}
	// The sanctions story reaches the pipeline from both feeds; whichever
	// poll finished first wins, the other copy is dropped by its URL.
	const sanctionsWorld, sanctionsMirror = "EU announces new sanctions on Russian oil exports", "EU unveils fresh sanctions on Russian oil"
	sanctionsTitle := sanctionsWorld
	if slices.Contains(tagged, sanctionsMirror) {
		sanctionsTitle = sanctionsMirror
		tagged[slices.Index(tagged, sanctionsMirror)] = sanctionsWorld
	}
	slices.Sort(tagged)
	wantTagged := []string{
		"Ceasefire talks stall as new sanctions loom",
		"Chipmaker reports record quarterly earnings",
		"City council approves riverside bike lanes",
		"EU announces new sanctions on Russian oil exports",
		"Leaders end two-hour call without a ceasefire deal",
		"Local library extends opening hours",
	}
	if !slices.Equal(tagged, wantTagged) {
		t.Errorf("news.tagged.> holds\n  %q\nwant each once\n  %q", tagged, wantTagged)
	}
	if got, want := titles(got["news.topic.ceasefire"]), []string{
		"Ceasefire talks stall as new sanctions loom",
		"Leaders end two-hour call without a ceasefire deal",
	}; !slices.Equal(got, want) {
		t.Errorf("news.topic.ceasefire = %q, want %q", got, want)
	}
	if got, want := titles(got["news.topic.sanctions"]), []string{
		"Ceasefire talks stall as new sanctions loom",
		sanctionsTitle,
	}; !slices.Equal(got, want) {
		t.Errorf("news.topic.sanctions = %q, want %q", got, want)
	}
	// The article carries what DESIGN.md promises.
	for _, a := range got["news.tagged.world"] {
		if a.Title != "Leaders end two-hour call without a ceasefire deal" {
			continue
		}
		if a.URL != "https://news.example/world/call" {
			t.Errorf("url = %q, want tracking parameters and fragment removed, host lower-cased", a.URL)
		}
		if strings.Contains(a.Summary, "<") || !strings.Contains(a.Summary, "without agreement on a ceasefire") {
			t.Errorf("summary = %q, want plain text", a.Summary)
		}
		if want := time.Date(2026, 11, 23, 17, 30, 0, 0, time.UTC); !a.PublishedAt.Equal(want) || a.PublishedAt.Location() != time.UTC {
			t.Errorf("published_at = %v, want %v in UTC", a.PublishedAt, want)
		}
		if a.Feed.ID != "world" || a.Feed.Title != "World Wire" || a.Schema != "newswire.article.v1" || a.GUID != "world-1" {
			t.Errorf("feed/schema/guid = %+v %q %q", a.Feed, a.Schema, a.GUID)
		}
		if len(a.Topics) != 1 || a.Topics[0].Name != "ceasefire" || a.Topics[0].Score <= 0 || len(a.Topics[0].Matched) == 0 {
			t.Errorf("topics = %+v, want ceasefire with score and matched phrases", a.Topics)
		}
		if len(a.Topics) == 1 && len(a.Topics[0].Fields) != len(a.Topics[0].Matched) {
			t.Errorf("topics = %+v, want the field of each matched phrase", a.Topics)
		}
		if len(a.RulesVersion) != 12 {
			t.Errorf("rules_version = %q, want the rules' 12-digit version", a.RulesVersion)
		}
	}
	for _, a := range got["news.tagged.world"] {
		if a.Title == "City council approves riverside bike lanes" && a.URL != strings.TrimSuffix(feedsSrv.URL, "/")+"/local/bike-lanes" && a.URL != "https://news.example/local/bike-lanes" {
			t.Errorf("relative link resolved to %q", a.URL)
		}
	}

	// Re-polls: world got 304s, mirror 200s of unchanged bytes, and both
	// are visible in the metrics.
	_, worldStatus := feedsSrv.counts("/world.xml")
	if worldStatus[304] < 2 {
		t.Errorf("world answered %v, want at least two 304s", worldStatus)
	}
	code, metrics := httpGet(t, "http://"+rd.d.HTTPAddr()+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	for _, want := range []string{
		`newswire_polls_total{result="not_modified"}`,
		`newswire_polls_total{result="unchanged"}`,
		`newswire_duplicates_total{key="url"} 1`,
		`newswire_articles_published_total{stage="poll"} 7`,
		`newswire_articles_published_total{stage="dedupe"} 6`,
		`newswire_topic_articles_total{topic="ceasefire"} 2`,
		`newswire_topic_articles_total{topic="sanctions"} `, // every topic of the rules, at zero or more
		`newswire_build_info{goversion="go`,
		`newswire_stage_pending_messages{stage="dedupe"} `,
		`newswire_stage_messages_total{result="dead",stage="dedupe"} 0`,
		`newswire_broker_errors_total{component="poll",kind="storage_full"} 0`,
		`newswire_polls_total{result="dns"} 0`,
		`newswire_feeds{state="ok"} 2`,
		`newswire_reloads_total 0`,
		`newswire_reload_failures_total 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := httpGet(t, "http://"+rd.d.HTTPAddr()+path); code != 200 {
			t.Errorf("%s = %d %q, want 200", path, code, body)
		}
	}

	// `newswire subscribe` prints an article matching both topics once.
	var out, errOut bytes.Buffer
	subCtx, cancelSub := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancelSub()
	e := &env{stdout: &out, stderr: &errOut, getenv: func(string) string { return "" }}
	if err := runEnv(subCtx, e, []string{"subscribe", "--nats", url, "--since", "1h", "--json", "ceasefire", "sanctions"}); err != nil {
		t.Fatalf("subscribe: %v\n%s%s", err, out.String(), errOut.String())
	}
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var a struct{ ID, Title string }
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("subscribe --json printed %q: %v", line, err)
		}
		ids = append(ids, a.ID)
	}
	slices.Sort(ids)
	if len(ids) != 3 || len(slices.Compact(ids)) != 3 {
		t.Errorf("subscribe ceasefire sanctions printed %d lines (%v), want 3 distinct articles", len(ids), ids)
	}

	// Restart on the same store; the world feed now changes its bytes on
	// every poll and ignores validators, so its items are parsed again.
	topicCopies := streamCount(t, js, "NEWS_TAGGED", "news.topic.>")
	rd.stop(t)
	feedsSrv.setIgnoreValidators(true)
	before, _ := feedsSrv.counts("/world.xml")
	rd = startRun(t, configPath)
	url = rd.d.NATSURL()
	waitFor(t, "two polls of world after restart", 20*time.Second, func() bool {
		n, _ := feedsSrv.counts("/world.xml")
		return n >= before+2
	})
	time.Sleep(time.Second) // give anything wrongly published time to flow through
	nc2, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc2.Close()
	js2, _ := jetstream.New(nc2)
	if raw := streamCount(t, js2, "NEWS_RAW", "news.raw.>"); raw != 7 {
		t.Errorf("after restart NEWS_RAW holds %d articles, want the same 7", raw)
	}
	if n := streamCount(t, js2, "NEWS_TAGGED", "news.tagged.>"); n != 6 {
		t.Errorf("after restart news.tagged.> holds %d, want the same 6", n)
	}
	if n := streamCount(t, js2, "NEWS_TAGGED", "news.topic.>"); n != topicCopies {
		t.Errorf("after restart news.topic.> holds %d, want the same %d", n, topicCopies)
	}
}
