package feeds

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
)

// normalised is Normalise with FetchedAt zeroed and no articles as nil, for
// comparing two parses.
func normalised(src FeedRef, feed *gofeed.Feed) []Article {
	arts := Normalise(src, feed, time.Time{})
	if len(arts) == 0 {
		return nil
	}
	for i := range arts {
		arts[i].FetchedAt = time.Time{}
	}
	return arts
}

// withItems is feed with its items replaced.
func withItems(feed *gofeed.Feed, items ...*gofeed.Item) *gofeed.Feed {
	cp := *feed
	cp.Items = items
	return &cp
}

// oneUnknownSamples bounds the items per corpus document that
// TestParseNewCorpus parses alone; all 2909 of them pass, but checking every
// one costs half a minute under -race.
const oneUnknownSamples = 8

func knowNone(ItemHash) bool { return false }
func knowAll(ItemHash) bool  { return true }

// TestParseNewCorpus checks ParseNew against ParseBody on every document of
// the shared corpus:
//
//   - nothing known: the same articles, or the same error;
//   - one item unknown: that item's article and no other (for a sample of
//     the items);
//   - everything known: no feed, the same hashes, no error.
func TestParseNewCorpus(t *testing.T) {
	dir := corpusDir(t)
	srv := serveCorpus(t, dir)
	f := testFetcher(FetcherOptions{MaxBody: 10 << 20, Timeout: 30 * time.Second})

	var split, failed, items int
	whole := map[string][]string{} // why a document was parsed whole → names
	for _, name := range corpusFiles(t, dir) {
		t.Run(name, func(t *testing.T) {
			res, err := f.Fetch(context.Background(), FetchRequest{URL: srv.URL + "/" + name})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			body, ctype := res.Body, res.ContentType
			full, fullErr := ParseBody(body, ctype)
			feed, hashes, err := ParseNew(body, ctype, knowNone)
			if fullErr != nil {
				if err == nil || err.Error() != fullErr.Error() || ClassOf(err) != ClassOf(fullErr) {
					t.Fatalf("ParseNew error %v, want ParseBody's %v", err, fullErr)
				}
				if hashes != nil {
					t.Errorf("ParseNew returned %d hashes with an error, want none", len(hashes))
				}
				failed++
				return
			}
			if err != nil {
				t.Fatalf("ParseNew: %v; ParseBody succeeded", err)
			}

			doc, err := prepare(body, ctype)
			if err != nil {
				t.Fatal(err)
			}
			spans, _, splitErr := splitItems(doc)
			switch {
			case splitErr != nil:
				whole[splitErr.Error()] = append(whole[splitErr.Error()], name)
			case len(spans) == 0:
				whole["no items"] = append(whole["no items"], name)
			default:
				split++
				if len(spans) != len(full.Items) {
					t.Errorf("split found %d items, gofeed %d", len(spans), len(full.Items))
				}
			}
			if len(hashes) != len(full.Items) {
				t.Fatalf("%d hashes for %d items", len(hashes), len(full.Items))
			}
			items += len(hashes)

			src := FeedRef{ID: strings.TrimSuffix(name, filepath.Ext(name)), URL: res.FinalURL}
			want := normalised(src, full)
			if got := normalised(src, feed); !reflect.DeepEqual(got, want) {
				t.Errorf("nothing known: ParseNew gives %d articles, ParseBody %d; first difference: %s",
					len(got), len(want), firstDifference(got, want))
			}

			feed, again, err := ParseNew(body, ctype, knowAll)
			if err != nil || feed != nil {
				t.Errorf("everything known: ParseNew = %v, %v, want no feed and no error", feed, err)
			}
			if !reflect.DeepEqual(again, hashes) {
				t.Errorf("everything known: hashes differ from the first call")
			}

			seen := map[ItemHash]int{}
			for _, h := range hashes {
				seen[h]++
			}
			// Up to oneUnknownSamples items per document, spread from the
			// first to the last: each check prepares the whole body again.
			step := max(1, len(hashes)/oneUnknownSamples)
			for i, h := range hashes {
				if (i%step != 0 && i != len(hashes)-1) || seen[h] > 1 {
					continue // byte-identical items come out together
				}
				feed, _, err := ParseNew(body, ctype, func(x ItemHash) bool { return x != h })
				if err != nil {
					t.Fatalf("item %d alone unknown: %v", i, err)
				}
				got := normalised(src, feed)
				want := normalised(src, withItems(full, full.Items[i]))
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("item %d alone unknown: got %s", i, firstDifference(got, want))
				}
			}
		})
	}
	var reasons []string
	nWhole := 0
	for why, names := range whole {
		nWhole += len(names)
		reasons = append(reasons, fmt.Sprintf("%s (%d): %s", why, len(names), strings.Join(names, ", ")))
	}
	sort.Strings(reasons)
	t.Logf("ParseNew corpus: %d documents split, %d parsed whole, %d failed as ParseBody fails; %d items",
		split, nWhole, failed, items)
	for _, r := range reasons {
		t.Logf("parsed whole: %s", r)
	}
}

// firstDifference describes where two article lists first differ.
func firstDifference(got, want []Article) string {
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			return fmt.Sprintf("article %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	return fmt.Sprintf("got %d articles, want %d", len(got), len(want))
}

// BenchmarkParseNew compares a full ParseBody with ParseNew when 0, 1 or 3
// of a news feed's items are new (the last ones: which ones matters little,
// the split and hashing cost is the same).
func BenchmarkParseNew(b *testing.B) {
	dir := corpusDir(b)
	src := FeedRef{ID: "bench", URL: "https://example.com/feed"}
	for _, name := range []string{"guardian_us_rss20.xml", "bbc_world_rss20_2019.xml", "theverge_frontpage_atom.xml"} {
		body, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Skipf("corpus file %s: %v", name, err)
		}
		_, hashes, err := ParseNew(body, "application/xml", knowNone)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/ParseBody", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				feed, err := ParseBody(body, "application/xml")
				if err != nil {
					b.Fatal(err)
				}
				Normalise(src, feed, time.Time{})
			}
		})
		for _, unknown := range []int{0, 1, 3} {
			old := map[ItemHash]bool{}
			for _, h := range hashes[:len(hashes)-unknown] {
				old[h] = true
			}
			known := func(h ItemHash) bool { return old[h] }
			b.Run(fmt.Sprintf("%s/ParseNew-%d-new", name, unknown), func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					feed, _, err := ParseNew(body, "application/xml", known)
					if err != nil {
						b.Fatal(err)
					}
					if got := len(Normalise(src, feed, time.Time{})); got != unknown {
						b.Fatalf("%d articles, want %d", got, unknown)
					}
				}
			})
		}
	}
}
