package worker

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The per-feed series are made at scrape time from one record per feed:
// each polled feed has its five series, and a removed feed has none.
func TestPerFeedSeriesFollowTheFeeds(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, nil, true)
	polled := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	m.known("waiting")
	m.feed("bbc", &FeedState{IntervalSeconds: 300, LastPoll: polled}, 3)
	m.feed("bbc", &FeedState{IntervalSeconds: 300, LastPoll: polled}, 2)
	m.feed("gone", &FeedState{Errors: 4, IntervalSeconds: 600, LastPoll: polled}, 0)
	m.forget("gone")

	want := `
# HELP newswire_feed_articles_published_total Articles this process published from the feed.
# TYPE newswire_feed_articles_published_total counter
newswire_feed_articles_published_total{feed="bbc"} 5
# HELP newswire_feed_consecutive_errors Polls in a row that failed.
# TYPE newswire_feed_consecutive_errors gauge
newswire_feed_consecutive_errors{feed="bbc"} 0
# HELP newswire_feed_interval_seconds The feed's current polling interval.
# TYPE newswire_feed_interval_seconds gauge
newswire_feed_interval_seconds{feed="bbc"} 300
# HELP newswire_feed_last_poll_timestamp_seconds Unix time of the feed's last poll.
# TYPE newswire_feed_last_poll_timestamp_seconds gauge
newswire_feed_last_poll_timestamp_seconds{feed="bbc"} 1.7957736e+09
# HELP newswire_feed_up 1 when the feed's last poll succeeded, 0 when it failed.
# TYPE newswire_feed_up gauge
newswire_feed_up{feed="bbc"} 1
# HELP newswire_feeds Feeds this process polls, by state: ok (last poll succeeded), failing, never (not polled since it started).
# TYPE newswire_feeds gauge
newswire_feeds{state="failing"} 0
newswire_feeds{state="never"} 1
newswire_feeds{state="ok"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"newswire_feed_articles_published_total", "newswire_feed_consecutive_errors", "newswire_feed_interval_seconds",
		"newswire_feed_last_poll_timestamp_seconds", "newswire_feed_up", "newswire_feeds"); err != nil {
		t.Error(err)
	}
}

// Without per-feed series (metrics.per_feed: false) only the aggregate is
// exported, and every poll result exists at zero before the first poll.
func TestFeedAggregateWithoutPerFeedSeries(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, nil, false)
	m.feed("up", &FeedState{IntervalSeconds: 300}, 1)
	m.feed("down", &FeedState{Errors: 2, IntervalSeconds: 300}, 0)
	want := `
# HELP newswire_feeds Feeds this process polls, by state: ok (last poll succeeded), failing, never (not polled since it started).
# TYPE newswire_feeds gauge
newswire_feeds{state="failing"} 1
newswire_feeds{state="never"} 0
newswire_feeds{state="ok"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "newswire_feeds", "newswire_feed_up"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.Polls); n != len(pollResults) {
		t.Errorf("newswire_polls_total has %d series before any poll, want %d (every result at zero)", n, len(pollResults))
	}
}
