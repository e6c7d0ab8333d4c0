package tag

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// HourlyHours is how many hours HourlyCounts remembers.
const HourlyHours = 24

// HourlyCounts counts articles per topic per hour over the last
// HourlyHours hours, in memory: a ring of hourly buckets per topic, so a
// status page can plot each topic's last day without reading the stream.
// It is safe for concurrent use; a nil *HourlyCounts counts nothing.
type HourlyCounts struct {
	mu     sync.Mutex
	topics map[string]*[HourlyHours]hourBucket
}

type hourBucket struct {
	hour  int64 // hours since the Unix epoch; the bucket counts only this hour
	count int
}

// NewHourlyCounts returns empty counts.
func NewHourlyCounts() *HourlyCounts {
	return &HourlyCounts{topics: map[string]*[HourlyHours]hourBucket{}}
}

// Add counts n articles of topic at time at. Counts older than
// HourlyHours before the newest hour of a bucket's slot are overwritten.
func (h *HourlyCounts) Add(topic string, at time.Time, n int) {
	if h == nil {
		return
	}
	hour := at.Unix() / 3600
	h.mu.Lock()
	defer h.mu.Unlock()
	ring := h.topics[topic]
	if ring == nil {
		ring = new([HourlyHours]hourBucket)
		h.topics[topic] = ring
	}
	b := &ring[hour%HourlyHours]
	switch {
	case b.hour == hour:
		b.count += n
	case b.hour < hour:
		*b = hourBucket{hour: hour, count: n}
	} // an hour older than the slot's: already out of the window
}

// Series returns, for every topic with articles in the HourlyHours hours
// up to now, its counts oldest hour first (the last is now's hour),
// sorted by topic.
func (h *HourlyCounts) Series(now time.Time) []TopicSeries {
	if h == nil {
		return nil
	}
	last := now.Unix() / 3600
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []TopicSeries
	for topic, ring := range h.topics {
		s := TopicSeries{Topic: topic}
		for i := range HourlyHours {
			hour := last - HourlyHours + 1 + int64(i)
			if b := ring[hour%HourlyHours]; b.hour == hour {
				s.Counts[i] = b.count
				s.Total += b.count
			}
		}
		if s.Total > 0 {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b TopicSeries) int { return strings.Compare(a.Topic, b.Topic) })
	return out
}

// TopicSeries is one topic's articles per hour.
type TopicSeries struct {
	Topic  string
	Counts [HourlyHours]int // oldest hour first
	Total  int
}
