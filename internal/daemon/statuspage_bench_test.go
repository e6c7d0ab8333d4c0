package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newswire/newswire/worker"
)

// The status page of 10,000 feeds: their states are read with one watch
// of the bucket, not a read per feed (go test -bench StatusPage -run ^$).
func BenchmarkStatusPage10kFeeds(b *testing.B) {
	const n = 10_000
	td := startTestDaemon(b, "  []\n")
	ctx := context.Background()
	now := time.Now()
	for i := range n {
		st := worker.FeedState{URL: fmt.Sprintf("https://feeds%d.example/rss", i), State: worker.StateOK, LastResult: "not_modified",
			IntervalSeconds: 900, NextDue: now.Add(time.Duration(i) * time.Second), Polls: 40, NotModified: 30, Published: 120}
		if i%50 == 0 {
			st.State, st.LastResult, st.LastError = worker.StateFailing, "http_5xx", "feeds: http_5xx: https://feeds.example/rss: HTTP 503 Service Unavailable"
		}
		data, _ := json.Marshal(st)
		if _, err := td.res.FeedState.Put(ctx, fmt.Sprintf("feed-%05d", i), data); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		code, page := td.get(b, "/")
		if code != 200 || strings.Count(page, `<tr class="feed`) != n {
			b.Fatalf("GET / = %d with %d feed rows, want %d", code, strings.Count(page, `<tr class="feed`), n)
		}
	}
}
