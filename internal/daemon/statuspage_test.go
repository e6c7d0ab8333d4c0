package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/pipeline/tag"
	"github.com/newswire/newswire/worker"
)

// testFeeds serves real RSS documents: /world.xml (items can be added
// while the test runs), /mirror.xml (repeats world's first story) and
// /broken.xml (500).
type testFeeds struct {
	*httptest.Server
	mu     sync.Mutex
	items  []testItem
	mirror bool // serve the mirror's item (else an empty feed)
}

type testItem struct{ guid, title, link, text string }

func newTestFeeds(t *testing.T) *testFeeds {
	f := &testFeeds{items: []testItem{
		{"w1", "Leaders end two-hour call without a ceasefire deal", "https://news.example/world/call", "The call ended without agreement on a ceasefire in the war, officials said."},
		{"w2", "EU announces new sanctions on Russian oil exports", "https://news.example/world/sanctions", "The European Union announced new sanctions against Russia, targeting oil exports."},
		{"w3", "City council approves riverside bike lanes", "https://news.example/local/bike-lanes", "The council voted 7-2 for protected lanes along the river."},
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("/world.xml", func(w http.ResponseWriter, _ *http.Request) {
		f.mu.Lock()
		items := f.items
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, rss("World Wire", items))
	})
	mux.HandleFunc("/mirror.xml", func(w http.ResponseWriter, _ *http.Request) {
		f.mu.Lock()
		var items []testItem
		if f.mirror {
			items = []testItem{{"m1", "EU unveils fresh sanctions on Russian oil", "https://news.example/world/sanctions?utm_source=mirror", "The European Union announced new sanctions against Russia."}}
		}
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, rss("Mirror", items))
	})
	mux.HandleFunc("/broken.xml", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "upstream exploded", http.StatusInternalServerError)
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

// openMirror makes the mirror carry a copy of world's sanctions story,
// once world's has been judged: the mirror's is then the copy.
func (f *testFeeds) openMirror() {
	f.mu.Lock()
	f.mirror = true
	f.mu.Unlock()
}

func (f *testFeeds) add(it testItem) {
	f.mu.Lock()
	f.items = append([]testItem{it}, f.items...)
	f.mu.Unlock()
}

func rss(title string, items []testItem) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>%s</title><link>https://news.example/</link><description>news</description>\n", html.EscapeString(title))
	for _, it := range items {
		fmt.Fprintf(&b, "<item><guid isPermaLink=\"false\">%s</guid><title>%s</title><link>%s</link><description>%s</description><pubDate>%s</pubDate></item>\n",
			it.guid, html.EscapeString(it.title), html.EscapeString(it.link), html.EscapeString(it.text), time.Now().UTC().Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>")
	return b.String()
}

// testDaemon is a real daemon (embedded NATS, random ports, a temp store)
// running in-process.
type testDaemon struct {
	*Daemon
	base string // http://host:port
	stop func() // stops and closes it (again: nothing)
}

// startTestDaemon runs a daemon polling feeds every second; feedsYAML is
// the config's feeds list.
func startTestDaemon(t testing.TB, feedsYAML string) *testDaemon {
	t.Helper()
	return startTestDaemonIn(t, t.TempDir(), feedsYAML, Parts{Poll: true, Stories: true})
}

// startTestDaemonIn runs a daemon of parts p whose store is in dir.
func startTestDaemonIn(t testing.TB, dir, feedsYAML string, p Parts) *testDaemon {
	t.Helper()
	cfgText := `nats:
  url: ""
  embedded:
    listen: 127.0.0.1:0
    store_dir: ` + filepath.Join(dir, "store") + `
http:
  listen: 127.0.0.1:0
poll:
  interval: 5m
  timeout: 5s
  allow_private: true
  host_spacing: 0s
feeds:
` + feedsYAML
	path := filepath.Join(dir, "newswire.yaml")
	if err := os.WriteFile(path, []byte(cfgText), 0o644); err != nil {
		t.Fatal(err)
	}
	getenv := func(string) string { return "" }
	cfg, err := configs.Load(path, getenv)
	if err != nil {
		t.Fatal(err)
	}
	topics, err := configs.DefaultTopics()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := tag.Compile(topics)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d, err := New(ctx, cfg, rules, p, Deps{Getenv: getenv, Log: zerolog.Nop()})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	td := &testDaemon{Daemon: d, base: "http://" + d.HTTPAddr()}
	td.stop = sync.OnceFunc(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("Run did not return within 15s of cancel")
		}
		d.Close()
	})
	t.Cleanup(td.stop)
	waitUntil(t, "the HTTP endpoint", 10*time.Second, func() bool {
		code, _ := td.get(t, "/healthz")
		return code == 200
	})
	return td
}

func (td *testDaemon) get(t testing.TB, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(td.base + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// polledAndTagged waits until world, mirror and broken were polled and
// world's stories tagged.
func (td *testDaemon) polledAndTagged(t *testing.T) {
	t.Helper()
	waitUntil(t, "feeds polled and stories tagged", 30*time.Second, func() bool {
		states, err := worker.LoadStates(context.Background(), td.res.FeedState)
		if err != nil || states["world"].Published < 3 || states["broken"].State != worker.StateFailing || states["mirror"].Polls == 0 {
			return false
		}
		return len(td.status.hourly.Series(time.Now())) > 0
	})
}

func waitUntil(t testing.TB, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

const hostileTitle = `<script>alert("title")</script>`

func threeFeeds(url string) string {
	return fmt.Sprintf(`  - id: world
    url: %[1]s/world.xml
    title: '%[2]s'
    interval: 1s
  - id: mirror
    url: %[1]s/mirror.xml
    interval: 1s
  - id: broken
    url: %[1]s/broken.xml
    interval: 1s
`, url, hostileTitle)
}

// The page of a real daemon: every section renders, a hostile title and
// error are escaped, failing feeds come first, ?q filters server-side.
func TestStatusPageHTML(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a daemon")
	}
	feeds := newTestFeeds(t)
	td := startTestDaemon(t, threeFeeds(feeds.URL))
	td.polledAndTagged(t)

	// A state whose error carries markup, as a hostile server's answer
	// could: stored in the real bucket as the poller would.
	hostileErr := `feeds: http_5xx: <img src=x onerror=alert(1)>`
	data, _ := json.Marshal(worker.FeedState{URL: "https://evil.example/feed", State: worker.StateFailing, LastResult: "http_5xx", LastError: hostileErr})
	if _, err := td.res.FeedState.Put(context.Background(), "aaa-evil", data); err != nil {
		t.Fatal(err)
	}

	code, page := td.get(t, "/")
	if code != 200 {
		t.Fatalf("GET / = %d: %s", code, page)
	}
	for _, bad := range []string{hostileTitle, "<img src=x"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q unescaped", bad)
		}
	}
	for _, want := range []string{
		"&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;",
		"&lt;img src=x onerror=alert(1)&gt;",
		`<section id="topics">`, `<svg class="bars"`, `data-topic="sanctions"`,
		`data-stage="dedupe"`, `data-stage="poll"`,
		`data-feed="world"`, `data-feed="mirror"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// Failing first (aaa-evil, broken by id), then the rest by id.
	order := feedOrder(page)
	if want := []string{"aaa-evil", "broken", "mirror", "world"}; strings.Join(order, " ") != strings.Join(want, " ") {
		t.Errorf("feed rows in order %v, want %v", order, want)
	}
	if _, row, _ := strings.Cut(page, `data-feed="broken">`); !strings.Contains(row[:min(len(row), 600)], "/broken.xml: HTTP 500 Internal Server Error</td>") {
		t.Errorf("the broken feed's row lacks its error")
	}

	_, filtered := td.get(t, "/?q=MIRROR")
	if got := feedOrder(filtered); len(got) != 1 || got[0] != "mirror" {
		t.Errorf("?q=MIRROR lists %v, want mirror only", got)
	}

	// A raw message that is not an article is dead-lettered: the page
	// shows it with its reason.
	if _, err := td.js.Publish(context.Background(), "news.raw.world", []byte("<not json>")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the dead letter listed", 10*time.Second, func() bool {
		_, p := td.get(t, "/")
		_, dead, ok := strings.Cut(p, `<table id="dead-table">`)
		return ok && strings.Contains(p, "<p>1 messages; the last 1, newest first:</p>") && strings.Contains(dead, "news.raw.world")
	})

	// The mirror's sanctions story is a copy of world's.
	feeds.openMirror()
	waitUntil(t, "the mirror's copy judged", 10*time.Second, func() bool {
		_, p := td.get(t, "/")
		return strings.Contains(p, `<tr data-feed="mirror"><td>mirror <strong>(mostly repeats)</strong>`)
	})
}

// feedOrder returns the feed ids of the feeds table's rows, in order.
func feedOrder(page string) []string {
	var ids []string
	for _, part := range strings.Split(page, `<tr class="feed`)[1:] {
		_, rest, _ := strings.Cut(part, `data-feed="`)
		id, _, _ := strings.Cut(rest, `"`)
		ids = append(ids, id)
	}
	return ids
}

// The tail streams what is published on the topic from now on, and
// refuses names that are not one subject token.
func TestStatusTail(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a daemon")
	}
	feeds := newTestFeeds(t)
	td := startTestDaemon(t, threeFeeds(feeds.URL))
	for _, bad := range []string{"", "a.b", "news.>", "*", "x y"} {
		if code, _ := td.get(t, "/tail?topic="+url.QueryEscape(bad)); code != http.StatusBadRequest {
			t.Errorf("/tail?topic=%q = %d, want 400", bad, code)
		}
	}
	td.polledAndTagged(t)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", td.base+"/tail?topic=ceasefire", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type = %q", ct)
	}
	lines := make(chan string)
	go func() {
		buf := make([]byte, 4096)
		var acc string
		for {
			n, err := resp.Body.Read(buf)
			acc += string(buf[:n])
			for {
				line, rest, ok := strings.Cut(acc, "\n")
				if !ok {
					break
				}
				acc = rest
				select {
				case lines <- line:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				close(lines)
				return
			}
		}
	}()
	expect := func(prefix string) string {
		for line := range lines {
			if strings.HasPrefix(line, prefix) {
				return line
			}
		}
		t.Fatalf("stream ended before a line starting %q", prefix)
		return ""
	}
	expect("event: ready")
	feeds.add(testItem{"w9", "Ceasefire holds for a third day", "https://news.example/world/holds", "The ceasefire held for a third day, the monitors said."})
	line := expect("data: {")
	var ev tailEvent
	if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Title != "Ceasefire holds for a third day" || ev.Feed != "world" || ev.URL != "https://news.example/world/holds" {
		t.Errorf("tail event = %+v", ev)
	}

	// Stopping the daemon ends an open tail (and Run returns nil: stop
	// fails the test otherwise).
	td.stop()
	for range lines {
	}
}

// A restart refills the hourly topic counts from NEWS_TAGGED: the plots
// survive it.
func TestStatusTopicsAfterRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a daemon")
	}
	feeds := newTestFeeds(t)
	dir := t.TempDir()
	td := startTestDaemonIn(t, dir, threeFeeds(feeds.URL), Parts{Poll: true, Stories: true})
	td.polledAndTagged(t)
	td.stop()
	before := td.status.hourly.Series(time.Now())

	td = startTestDaemonIn(t, dir, "  []\n", Parts{Poll: true, Stories: true}) // no feeds: nothing new is tagged
	waitUntil(t, "the refill", 10*time.Second, func() bool {
		td.status.fill.mu.Lock()
		defer td.status.fill.mu.Unlock()
		return td.status.fill.done
	})
	if err := td.status.fill.err; err != nil {
		t.Fatalf("refill: %v", err)
	}
	after := td.status.hourly.Series(time.Now())
	if fmt.Sprint(after) != fmt.Sprint(before) || len(after) == 0 {
		t.Errorf("after a restart the topics are\n%v\nwant as before\n%v", after, before)
	}
	if _, page := td.get(t, "/"); !strings.Contains(page, `data-topic="sanctions"`) {
		t.Error("after a restart the page has no sanctions plot")
	}
}

// A poller-only process says the story stage's sections are elsewhere.
func TestStatusPageOnlyPoll(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a daemon")
	}
	feeds := newTestFeeds(t)
	td := startTestDaemonIn(t, t.TempDir(), threeFeeds(feeds.URL), Parts{Poll: true})
	code, page := td.get(t, "/?story=abc")
	if code != 200 {
		t.Fatalf("GET / = %d: %s", code, page)
	}
	for _, want := range []string{
		"The story stage does not run in this process (run --only): no topic counts here.",
		"The story stage does not run in this process (run --only): no dedupe counts here.",
		`<tr data-stage="dedupe"><td>dedupe</td><td>dedupes and tags NEWS_RAW, publishes stories to NEWS_TAGGED</td><td>not in this process</td>`,
		`data-feed="world"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

// The offline banner shows when many feeds fail with network errors at
// once, not for one feed.
func TestFeedRowsOffline(t *testing.T) {
	now := time.Now()
	states := map[string]worker.FeedState{
		"a": {State: worker.StateFailing, LastResult: "dns"},
		"b": {State: worker.StateOK, LastResult: "ok"},
	}
	if v := feedRows(states, nil, "", now); v.Offline != "" {
		t.Errorf("one dns failure: banner %q", v.Offline)
	}
	states["c"] = worker.FeedState{State: worker.StateFailing, LastResult: "network"}
	v := feedRows(states, nil, "", now)
	if !strings.HasPrefix(v.Offline, "2 of 3 feeds failed with dns/network errors") {
		t.Errorf("two of three: banner %q", v.Offline)
	}
	if got := []string{v.Rows[0].ID, v.Rows[1].ID, v.Rows[2].ID}; strings.Join(got, "") != "acb" {
		t.Errorf("order %v, want a c b", got)
	}
}
