package pipeline

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

func TestCompareMarks(t *testing.T) {
	t.Parallel()
	was := streamState{FirstSeq: 100, LastSeq: 1099, Msgs: 1000}
	tests := []struct {
		name string
		now  streamState
		want string // part of the finding; "" for none
	}{
		{"the same", was, ""},
		{"grown", streamState{100, 1200, 1101}, ""},
		{"head expired while down", streamState{600, 1099, 500}, ""},
		{"expired and grown", streamState{600, 1300, 701}, ""},
		{"purged", streamState{1100, 1099, 0}, ""},
		{"tail lost", streamState{100, 500, 401}, "599 messages at its end lost"},
		{"reset and refilled", streamState{1, 1200, 1200}, "first sequence went back"},
		{"middle lost", streamState{100, 1099, 800}, "200 messages missing between sequences 100 and 1099"},
	}
	for _, tt := range tests {
		got := compareMarks(was, tt.now)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestStoreWatchKeepsDamageUntilAcknowledged: damage found (from the
// server's log here) survives a restart of the watch and ends only when
// acknowledged.
func TestStoreWatchKeepsDamageUntilAcknowledged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	w, err := OpenStoreWatch(dir, prometheus.NewRegistry(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	w.Report("Filestore [NEWS_RAW] Stream state outdated, last block has additional entries, will rebuild") // routine after a crash
	w.Report("Filestore [NEWS_TAGGED] Stream state checksum did not match")
	if got := w.Damaged(); len(got) != 1 || got[0].Stream != "NEWS_TAGGED" {
		t.Fatalf("damage %v, want one on NEWS_TAGGED", got)
	}
	again, err := OpenStoreWatch(dir, prometheus.NewRegistry(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Damaged(); len(got) != 1 {
		t.Fatalf("after reopening: damage %v, want it kept", got)
	}
	if n, err := again.Ack(); n != 1 || err != nil {
		t.Fatalf("Ack = %d, %v; want 1, nil", n, err)
	}
	third, err := OpenStoreWatch(dir, prometheus.NewRegistry(), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if got := third.Damaged(); len(got) != 0 {
		t.Errorf("after Ack and reopening: damage %v, want none", got)
	}
}
