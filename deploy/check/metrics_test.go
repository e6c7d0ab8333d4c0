package check

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/newswire/newswire/internal/harness"
)

// A feed whose stories the daemon publishes, tags (ceasefire, sanctions)
// and, for the third item, drops as a copy of the first (same link).
const rssBody = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>deploy check</title><link>https://example.org/</link><description>d</description>
<item><guid>dc-1</guid><title>Ceasefire agreed between the two armies after talks in Doha</title><link>https://example.org/news/ceasefire-agreed</link><description>Both sides agreed to a ceasefire that takes effect at midnight, mediators said.</description><pubDate>Mon, 07 Dec 2026 10:00:00 GMT</pubDate></item>
<item><guid>dc-2</guid><title>EU adopts new sanctions against the oil sector</title><link>https://example.org/news/eu-sanctions</link><description>The European Union imposed sanctions on exports of crude oil and froze the assets of twelve companies.</description><pubDate>Mon, 07 Dec 2026 11:00:00 GMT</pubDate></item>
<item><guid>dc-3</guid><title>Ceasefire agreed between the two armies after talks in Doha</title><link>https://example.org/news/ceasefire-agreed</link><description>Both sides agreed to a ceasefire that takes effect at midnight, mediators said.</description><pubDate>Mon, 07 Dec 2026 10:05:00 GMT</pubDate></item>
</channel></rss>`

// TestMetricsServed starts the daemon (every part, embedded server) on a
// real feed and checks that every metric the rules and the dashboard use
// is on its /metrics, naming each one that is not.
func TestMetricsServed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the daemon")
	}
	uses := map[string][]string{} // metric name → where it is used
	for _, q := range append(ruleQueries(t), dashboardQueries(t)...) {
		for _, name := range metricNames(t, q) {
			if !slices.Contains(uses[name], q.where) {
				uses[name] = append(uses[name], q.where)
			}
		}
	}

	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, rssBody)
	}))
	defer feed.Close()
	bin := newswireBinary(t)
	d, err := harness.StartWith(bin, t.TempDir(), harness.Options{
		Feeds: []harness.Feed{{ID: "deploy-check", URL: feed.URL, Interval: 2 * time.Second}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := d.Stop(); err != nil {
			t.Errorf("newswire stop: %v (log: %s)", err, d.LogPath)
		}
	}()

	// Wait for the story stage to have published the two stories, so that
	// series born with the first article are there too.
	var served map[string]bool
	deadline := time.Now().Add(60 * time.Second)
	for {
		text, err := get("http://" + d.HTTPAddr + "/metrics")
		if err == nil {
			served = sampleNames(text)
			if strings.Contains(text, `newswire_articles_published_total{stage="dedupe"} 2`) {
				break
			}
		}
		select {
		case err := <-d.Exited():
			t.Fatalf("newswire exited: %v (log: %s)", err, d.LogPath)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the daemon did not publish the feed's 2 stories within 60s (log: %s; last /metrics error: %v)", d.LogPath, err)
		}
		time.Sleep(250 * time.Millisecond)
	}

	var missing []string
	for name, where := range uses {
		if !served[name] {
			missing = append(missing, fmt.Sprintf("%s (%s)", name, strings.Join(where, ", ")))
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d of %d metrics used by deploy/prometheus and deploy/grafana are not on the daemon's /metrics:\n  %s",
			len(missing), len(uses), strings.Join(missing, "\n  "))
	}
}

func get(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(body), err
}

// sampleNames is the set of series names in a text exposition: a
// histogram's _bucket, _sum and _count as they are queried.
func sampleNames(text string) map[string]bool {
	names := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		if i := strings.IndexAny(line, "{ "); i > 0 {
			names[line[:i]] = true
		}
	}
	return names
}
