package feeds

import "time"

// Hints are what a publisher says about how often to poll it, read from
// the feed document itself (RSS <ttl>, <skipHours>, <skipDays>). HTTP
// caching headers arrive on FetchResult instead.
type Hints struct {
	TTL       time.Duration  // RSS <ttl>, zero when absent
	SkipHours []int          // RSS <skipHours>: hours of the day (0–23, GMT) not to poll
	SkipDays  []time.Weekday // RSS <skipDays>: days (GMT) not to poll
}

// FeedHints reads the publisher's hints from a feed document without
// parsing all of it. TODO(issue 3): implement.
func FeedHints(body []byte) Hints { return Hints{} }
