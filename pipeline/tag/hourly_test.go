package tag

import (
	"testing"
	"time"
)

func TestHourlyCounts(t *testing.T) {
	h := NewHourlyCounts()
	now := time.Date(2026, 5, 1, 12, 30, 0, 0, time.UTC)
	h.Add("ceasefire", now, 2)
	h.Add("ceasefire", now.Add(-time.Hour), 1)
	h.Add("ceasefire", now.Add(-23*time.Hour), 4)
	h.Add("ceasefire", now.Add(-24*time.Hour), 8)  // out of the window
	h.Add("sanctions", now.Add(-30*time.Hour), 1)  // out of the window: not listed
	h.Add("ceasefire", now.Add(-48*time.Hour), 16) // older than its slot's hour: dropped

	got := h.Series(now)
	if len(got) != 1 || got[0].Topic != "ceasefire" {
		t.Fatalf("Series = %+v, want ceasefire only", got)
	}
	c := got[0].Counts
	if c[23] != 2 || c[22] != 1 || c[0] != 4 || got[0].Total != 7 {
		t.Errorf("counts = %v (total %d), want 4 first, 1 and 2 last, total 7", c, got[0].Total)
	}
	// An hour later the oldest hour leaves the window.
	if got := h.Series(now.Add(time.Hour)); got[0].Total != 3 || got[0].Counts[21] != 1 || got[0].Counts[22] != 2 || got[0].Counts[23] != 0 {
		t.Errorf("an hour later: %+v, want 1, 2, 0 last and total 3", got[0])
	}
	var nilCounts *HourlyCounts
	nilCounts.Add("x", now, 1)
	if nilCounts.Series(now) != nil {
		t.Error("a nil HourlyCounts has series")
	}
}
