package feeds

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// corpusDir finds shared/corpus/feeds, which sits next to the repository
// (../shared/corpus/feeds from the repo root), by walking up from the
// working directory. NEWSWIRE_FEED_CORPUS overrides it.
func corpusDir(tb testing.TB) string {
	tb.Helper()
	if dir := os.Getenv("NEWSWIRE_FEED_CORPUS"); dir != "" {
		return dir
	}
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		candidate := filepath.Join(dir, "shared", "corpus", "feeds")
		if fi, err := os.Stat(candidate); err == nil && fi.IsDir() {
			return candidate
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Skip("feed corpus not found: no shared/corpus/feeds above the working directory (set NEWSWIRE_FEED_CORPUS)")
		}
		dir = parent
	}
}

// corpusFiles lists the feed documents in dir (everything but README.md
// and SOURCES.tsv).
func corpusFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		switch {
		case e.IsDir(), e.Name() == "README.md", e.Name() == "SOURCES.tsv":
			continue
		}
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// serveCorpus serves the corpus like a web server would, typed by extension.
// The .xml.gz files are gzip-compressed feed bodies (node-feedparser saved
// the raw response), so they are served as Content-Encoding: gzip.
func serveCorpus(tb testing.TB, dir string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := filepath.Base(r.URL.Path)
		body, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		switch {
		case strings.HasSuffix(name, ".gz"):
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Type", "application/xml")
		case strings.HasSuffix(name, ".json"):
			w.Header().Set("Content-Type", "application/feed+json")
		default:
			w.Header().Set("Content-Type", "application/xml")
		}
		w.Write(body)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

var (
	hexID   = regexp.MustCompile(`^[0-9a-f]{32}$`)
	htmlTag = regexp.MustCompile(`<[a-zA-Z/!][^>]*>`)
)

func TestCorpus(t *testing.T) {
	dir := corpusDir(t)
	srv := serveCorpus(t, dir)
	f := testFetcher(FetcherOptions{MaxBody: 10 << 20, Timeout: 30 * time.Second})

	// Files whose titles are about markup: the source escapes the tags
	// twice (&amp;lt;pre&amp;gt;), so the title's text really is "<pre>".
	literalMarkupTitles := map[string]bool{"jakpsatweb_diskuse_rss20_cs.xml": true}

	var parsed, articles, withHints int
	failed := map[ErrorClass][]string{}
	for _, name := range corpusFiles(t, dir) {
		t.Run(name, func(t *testing.T) {
			res, err := f.Fetch(context.Background(), FetchRequest{URL: srv.URL + "/" + name})
			if err != nil {
				t.Fatalf("Fetch: %v", err) // serving our own files must work
			}
			if h := FeedHints(res.Body); h.TTL > 0 || len(h.SkipHours) > 0 || len(h.SkipDays) > 0 {
				withHints++
				t.Logf("%s: hints %+v", name, h)
			}
			feed, err := ParseBody(res.Body, res.ContentType)
			if err != nil {
				// Every failure must be classified, and as the document's
				// fault: the bytes arrived intact.
				class := ClassOf(err)
				if class != ClassParse && class != ClassNotFeed {
					t.Errorf("ParseBody error class %q, want parse or not_feed: %v", class, err)
				}
				failed[class] = append(failed[class], name)
				t.Logf("%s: %v", name, err)
				return
			}
			parsed++
			src := FeedRef{ID: strings.TrimSuffix(name, filepath.Ext(name)), URL: res.FinalURL}
			arts := Normalise(src, feed, time.Now())
			articles += len(arts)
			ids := map[string]int{}
			for i, a := range arts {
				checkArticle(t, i, a, literalMarkupTitles[name])
				ids[a.ID]++
			}
			if dups := len(arts) - len(ids); dups > 0 {
				t.Logf("%s: %d items repeat an earlier item (same GUID in the feed)", name, dups)
			}
		})
	}
	var nFailed int
	var byClass []string
	for class, names := range failed {
		nFailed += len(names)
		byClass = append(byClass, fmt.Sprintf("%s %d", class, len(names)))
		t.Logf("failed %s (%d): %s", class, len(names), strings.Join(names, ", "))
	}
	sort.Strings(byClass)
	t.Logf("corpus: %d files parsed, %d failed (%s), %d articles; %d feeds give polling hints",
		parsed, nFailed, strings.Join(byClass, ", "), articles, withHints)
}

func checkArticle(t *testing.T, i int, a Article, markupInTitleOK bool) {
	t.Helper()
	if a.Schema != SchemaV1 {
		t.Errorf("item %d: Schema = %q, want %q", i, a.Schema, SchemaV1)
	}
	if !hexID.MatchString(a.ID) {
		t.Errorf("item %d: ID = %q, want 32 hex digits", i, a.ID)
	}
	if a.FetchedAt.IsZero() {
		t.Errorf("item %d: FetchedAt is zero", i)
	}
	for field, ts := range map[string]time.Time{"PublishedAt": a.PublishedAt, "UpdatedAt": a.UpdatedAt, "FetchedAt": a.FetchedAt} {
		if ts.Location() != time.UTC {
			t.Errorf("item %d: %s = %v, want UTC", i, field, ts)
		}
	}
	if !utf8.ValidString(a.Title) || !utf8.ValidString(a.Summary) {
		t.Errorf("item %d: Title %q or Summary %q is not valid UTF-8", i, a.Title, a.Summary)
	}
	if m := htmlTag.FindString(a.Title); m != "" && !markupInTitleOK {
		t.Errorf("item %d: Title %q contains markup %q", i, a.Title, m)
	}
	if a.Title == "" && a.URL == "" && a.Summary == "" {
		t.Errorf("item %d: no title, URL or summary, should have been skipped", i)
	}
	if a.URL != "" && !strings.HasPrefix(a.URL, "http://") && !strings.HasPrefix(a.URL, "https://") {
		t.Errorf("item %d: URL = %q, want absolute http(s)", i, a.URL)
	}
}

func BenchmarkParseNormalise(b *testing.B) {
	dir := corpusDir(b)
	for _, name := range []string{"guardian_us_rss20.xml", "theverge_frontpage_atom.xml", "daringfireball_jsonfeed1.json"} {
		body, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Skipf("corpus file %s: %v", name, err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			src := FeedRef{ID: "bench", URL: "https://example.com/feed"}
			now := time.Now()
			for b.Loop() {
				feed, err := ParseBody(body, "application/xml")
				if err != nil {
					b.Fatal(err)
				}
				if len(Normalise(src, feed, now)) == 0 {
					b.Fatal("no articles")
				}
			}
		})
	}
}
