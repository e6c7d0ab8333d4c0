package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// hostile is one endpoint of the test server and what newswire should make
// of it (the error class in the feed's state).
type hostile struct {
	id, want string
	handler  http.HandlerFunc
}

func rssWith(rootAttrs, inner string) []byte {
	return []byte(`<?xml version="1.0"?><rss version="2.0" xmlns:ext="urn:x"` + rootAttrs +
		`><channel><title>t</title><item><title>a</title><ext:x>` + inner + `</ext:x></item></channel></rss>`)
}

func serveBytes(b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(b)
	}
}

// hostileFeeds builds the inputs of issue 3, each served fresh per request.
func hostileFeeds() []hostile {
	var ns strings.Builder
	for i := range 150 {
		fmt.Fprintf(&ns, ` xmlns:n%d="urn:n%d"`, i, i)
	}
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zero := make([]byte, 1<<20)
	for range 400 { // 400 MiB of zeros in about 400 KB
		zw.Write(zero)
	}
	zw.Close()
	bad := []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>bad bytes</title><item><guid>u1</guid><title>caf` + "\xe9\xff" + ` ok</title><link>https://bad.example/1</link></item></channel></rss>`)

	return []hostile{
		{"nested-2m", "parse", serveBytes(rssWith("", strings.Repeat("<e>", 2_000_000)))},
		{"xmlns-150", "parse", serveBytes(rssWith(ns.String(), strings.Repeat("<e/>", 300_000)))},
		{"cdata-120k", "parse", serveBytes(rssWith("", strings.Repeat("<![CDATA[0123456789]]>", 120_000)))},
		{"gzip-bomb", "too_large", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(bomb.Bytes())
		}},
		{"huge-120mb", "too_large", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>huge</title>`)
			item := []byte(strings.Repeat(`<item><title>x</title><description>`+strings.Repeat("y", 900)+`</description></item>`, 100))
			for written := 0; written < 120<<20; written += len(item) {
				if _, err := w.Write(item); err != nil {
					return
				}
			}
		}},
		{"trickle", "timeout", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			for i := 0; i < 600; i++ {
				if _, err := w.Write([]byte("<")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(time.Second):
				}
			}
		}},
		{"redirect-loop", "redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		}},
		{"bot-wall", "not_feed", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, `<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><div id="challenge">Checking your browser</div></body></html>`)
		}},
		{"bad-utf8", "", serveBytes(bad)},
		{"empty", "not_feed", serveBytes(nil)},
	}
}

// canary is a feed with one new item per request: its articles reaching
// news.tagged.canary show the pipeline still delivers.
func canary() http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, _ *http.Request) {
		i := n.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>canary</title><link>https://canary.example/</link>`+
			`<item><guid>c%d</guid><title>Canary story %d</title><link>https://canary.example/%d</link><description>Poll %d of the canary.</description></item>`+
			`</channel></rss>`, i, i, i, i)
	}
}

// corpusFeeds serves every document of the shared corpus (a .gz file as a
// gzip-encoded response). It returns the paths served.
func corpusFeeds(mux *http.ServeMux, dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var paths []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == "README.md" || name == "SOURCES.tsv" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		path := "/corpus/" + name
		mux.HandleFunc(path, func(w http.ResponseWriter, _ *http.Request) {
			if strings.HasSuffix(name, ".gz") {
				w.Header().Set("Content-Encoding", "gzip")
			}
			w.Write(data)
		})
		paths = append(paths, path)
	}
	return paths
}
