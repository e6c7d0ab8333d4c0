package near

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline/dedupe/near/neartest"
)

// An index read back from its snapshot answers every query as the index
// that wrote it, before and after both go on adding and expiring; an index
// of another configuration refuses the snapshot, and a cut one is an error.
func TestSnapshotRoundTrip(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, cfg := range map[string]IndexConfig{
		"default": {Window: 72 * time.Hour},
		"wide":    {Window: 1000 * time.Hour, Generations: 2},
	} {
		t.Run(name, func(t *testing.T) {
			x := NewIndex(cfg)
			gen := neartest.New(9)
			var queries []Signature
			const n = 20000 // past minTable: generations with packed tables and tables
			step := cfg.Window / n
			for i := range n {
				ti, su := gen.Story()
				id := feeds.ArticleID("test", fmt.Sprint(i), "", "", time.Time{})
				if i%97 == 1 {
					id = fmt.Sprint("short-", i)
				}
				x.Add(id, start.Add(time.Duration(i)*step), Sign(ti, su))
				if i%50 == 0 {
					queries = append(queries, Sign(gen.Copy(ti, su)), Sign(gen.Story()))
				}
			}
			var buf bytes.Buffer
			w := bufio.NewWriter(&buf)
			if err := x.WriteSnapshot(w); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			y, err := ReadSnapshot(bufio.NewReader(bytes.NewReader(buf.Bytes())), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if found := compare(t, y, x, queries); found == 0 {
				t.Fatal("no query found anything: the comparison proves little")
			}
			for i := range 500 {
				ti, su := gen.Story()
				at := start.Add(cfg.Window + time.Duration(i)*time.Second)
				x.Add(fmt.Sprint("later-", i), at, Sign(ti, su))
				y.Add(fmt.Sprint("later-", i), at, Sign(ti, su))
				if i%10 == 0 {
					queries = append(queries, Sign(gen.Copy(ti, su)))
				}
			}
			x.Expire(start.Add(cfg.Window / 2))
			y.Expire(start.Add(cfg.Window / 2))
			compare(t, y, x, queries)
			if x.Len() != y.Len() || x.Dropped() != y.Dropped() {
				t.Errorf("Len, Dropped = %d, %d; read back %d, %d", x.Len(), x.Dropped(), y.Len(), y.Dropped())
			}

			other := cfg
			other.Window *= 2
			if _, err := ReadSnapshot(bufio.NewReader(bytes.NewReader(buf.Bytes())), other); !errors.Is(err, ErrSnapshotConfig) {
				t.Errorf("another window: %v, want ErrSnapshotConfig", err)
			}
			if _, err := ReadSnapshot(bufio.NewReader(bytes.NewReader(buf.Bytes()[:buf.Len()/2])), cfg); err == nil {
				t.Error("half a snapshot read without an error")
			}
		})
	}
}
