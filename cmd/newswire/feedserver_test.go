package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// feedServer serves the hand-written feeds of the end-to-end test and
// counts what it answered.
type feedServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests map[string]int // path → requests
	status   map[string]map[int]int
	// ignoreValidators makes /world.xml answer 200 with a new
	// lastBuildDate even to a conditional request (a server that changes
	// its document without changing its items).
	ignoreValidators bool
	builds           int
}

const worldETag = `"world-v1"`

func newFeedServer(t *testing.T) *feedServer {
	fs := &feedServer{requests: map[string]int{}, status: map[string]map[int]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/world.xml", func(w http.ResponseWriter, r *http.Request) {
		fs.mu.Lock()
		ignore := fs.ignoreValidators
		fs.builds++
		build := fs.builds
		fs.mu.Unlock()
		if !ignore && r.Header.Get("If-None-Match") == worldETag {
			fs.count(r, http.StatusNotModified)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fs.count(r, http.StatusOK)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		if !ignore {
			w.Header().Set("ETag", worldETag)
		}
		fmt.Fprintf(w, worldFeed, build)
	})
	mux.HandleFunc("/mirror.xml", func(w http.ResponseWriter, r *http.Request) {
		// No validators: every poll is a 200 with the same bytes.
		fs.count(r, http.StatusOK)
		w.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprint(w, mirrorFeed)
	})
	fs.Server = httptest.NewServer(mux)
	t.Cleanup(fs.Close)
	return fs
}

func (fs *feedServer) count(r *http.Request, status int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.requests[r.URL.Path]++
	if fs.status[r.URL.Path] == nil {
		fs.status[r.URL.Path] = map[int]int{}
	}
	fs.status[r.URL.Path][status]++
}

func (fs *feedServer) counts(path string) (requests int, byStatus map[int]int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	byStatus = map[int]int{}
	for k, v := range fs.status[path] {
		byStatus[k] = v
	}
	return fs.requests[path], byStatus
}

func (fs *feedServer) setIgnoreValidators(v bool) {
	fs.mu.Lock()
	fs.ignoreValidators = v
	fs.mu.Unlock()
}

// worldFeed is an RSS 2.0 feed; %d is its lastBuildDate's day of month.
const worldFeed = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
  <title>World Wire</title>
  <link>https://news.example/</link>
  <description>World news</description>
  <lastBuildDate>Tue, %02d Nov 2026 09:00:00 GMT</lastBuildDate>
  <item>
    <guid isPermaLink="false">world-1</guid>
    <title>Leaders end two-hour call without a ceasefire deal</title>
    <link>https://News.Example/world/call?utm_source=rss&amp;utm_medium=feed#top</link>
    <description>&lt;p&gt;The two presidents spoke by phone for more than two hours on Monday, but the call ended without agreement on a &lt;b&gt;ceasefire&lt;/b&gt; in the war, officials on both sides said.&lt;/p&gt;</description>
    <pubDate>Mon, 23 Nov 2026 18:30:00 +0100</pubDate>
  </item>
  <item>
    <guid isPermaLink="false">world-2</guid>
    <title>EU announces new sanctions on Russian oil exports</title>
    <link>https://news.example/world/sanctions</link>
    <description>A day after the call, the European Union announced new sanctions against Russia, targeting oil exports and freezing the assets of officials.</description>
    <pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate>
  </item>
  <item>
    <guid isPermaLink="false">world-3</guid>
    <title>City council approves riverside bike lanes</title>
    <link>/local/bike-lanes</link>
    <description>The council voted 7-2 for protected lanes along the river.</description>
    <pubDate>Tue, 24 Nov 2026 12:00:00 GMT</pubDate>
  </item>
  <item>
    <guid isPermaLink="false">world-4</guid>
    <title>Chipmaker reports record quarterly earnings</title>
    <link>https://news.example/business/chips</link>
    <description>Revenue rose 40 percent on demand for data-centre processors.</description>
    <pubDate>Tue, 24 Nov 2026 13:00:00 GMT</pubDate>
  </item>
  <item>
    <guid isPermaLink="false">world-5</guid>
    <title>Ceasefire talks stall as new sanctions loom</title>
    <link>https://news.example/world/talks-stall</link>
    <description>Mediators said ceasefire talks had stalled, while the United States prepared new sanctions on the government.</description>
    <pubDate>Wed, 25 Nov 2026 08:00:00 GMT</pubDate>
  </item>
</channel>
</rss>`

// mirrorFeed carries the sanctions story again, under tracking parameters
// and an edited headline, plus one story of its own.
const mirrorFeed = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Daily Mirror Wire</title>
  <id>urn:mirror</id>
  <updated>2026-11-24T11:00:00Z</updated>
  <entry>
    <id>urn:mirror:1</id>
    <title>EU unveils fresh sanctions on Russian oil</title>
    <link href="https://news.example/world/sanctions?utm_source=mirror&amp;utm_campaign=syndication&amp;fbclid=abc"/>
    <summary>The European Union announced new sanctions against Russia.</summary>
    <updated>2026-11-24T11:00:00Z</updated>
  </entry>
  <entry>
    <id>urn:mirror:2</id>
    <title>Local library extends opening hours</title>
    <link href="https://mirror.example/library"/>
    <summary>The central library will open until 9pm on weekdays.</summary>
    <updated>2026-11-24T11:30:00Z</updated>
  </entry>
</feed>`
