package main

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// kind is how a served feed behaves.
type kind int

const (
	kindStatic kind = iota // never changes: 304 to a matching conditional request
	kindActive             // 1–3 new items on every request, so always 200
	kindSlow               // like static, after a delay
	kindError              // 500, 404 or a connection reset
)

// servedFeed is one feed of the server.
type servedFeed struct {
	kind   kind
	status int           // kindError: 500, 404, or 0 for a reset
	delay  time.Duration // kindSlow
	shape  shape         // target document size and items

	// static and slow feeds: the document, its gzip form and validators
	body, gz        []byte
	etag            string
	lastModified    time.Time
	lastModifiedStr string

	mu   sync.Mutex // active feeds: guards head
	head int
}

// serverInfo is the first line the server child prints.
type serverInfo struct {
	Control   string `json:"control"`
	Feeds     int    `json:"feeds"`
	Hosts     int    `json:"hosts"`
	Templates int    `json:"templates"`
	Source    string `json:"source"`    // corpus or generated
	Body      [3]int `json:"body"`      // smallest, mean and largest document of a static feed, bytes before gzip
	GzipBody  int    `json:"gzip_body"` // their mean size gzipped
	Items     [3]int `json:"items"`     // fewest, mean and most items of a document
	Mix       string `json:"mix"`
}

// serverStats is what the control endpoint's /stats returns: bytes written
// to feed clients (what they read from the network) and responses by
// status ("reset" for connections reset on purpose).
type serverStats struct {
	Bytes  int64            `json:"bytes"`
	Conns  int64            `json:"conns"` // TCP connections accepted
	Status map[string]int64 `json:"status"`
}

type feedServer struct {
	feeds []*servedFeed
	urls  []string
	pool  []template

	bytes  atomic.Int64
	conns  atomic.Int64      // connections accepted
	counts [600]atomic.Int64 // by status; index 0: resets
	gzPool sync.Pool
}

// newFeedServer makes c.feeds feeds. A feed's document has the size and
// item count of one of shapes, picked by the feed's hash, or with shapes
// nil, itemsPerDoc items and between a third and five thirds of c.docBytes
// (docDefaultBytes when that is zero).
func newFeedServer(c config, pool []template, shapes []shape) *feedServer {
	s := &feedServer{pool: pool, feeds: make([]*servedFeed, c.feeds)}
	s.gzPool.New = func() any { w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed); return w }
	minDelay := c.slow / 3
	for i := range s.feeds {
		h := mix(uint64(i) ^ 0x5eed)
		f := &servedFeed{}
		if len(shapes) > 0 {
			f.shape = shapes[h>>40%uint64(len(shapes))]
		} else {
			mean := cmp.Or(c.docBytes, docDefaultBytes)
			f.shape = shape{mean/3 + int(h>>40%uint64(mean*4/3+1)), itemsPerDoc}
		}
		switch p := h % 100; {
		case p < 60:
			f.kind = kindStatic
		case p < 90:
			f.kind = kindActive
			f.head = f.shape.items
		case p < 95:
			f.kind = kindSlow
			f.delay = minDelay + time.Duration((h>>16)%uint64(c.slow-minDelay+1))
		default:
			f.kind = kindError
			f.status = []int{500, 404, 0}[(h>>16)%3]
		}
		if f.kind == kindStatic || f.kind == kindSlow {
			var buf bytes.Buffer
			renderRSS(&buf, i, f.shape.items+int(h>>8%50), f.shape, pool)
			f.body = buf.Bytes()
			f.gz = gzipBytes(f.body)
			sum := sha256.Sum256(f.body)
			f.etag = `"` + hex.EncodeToString(sum[:8]) + `"`
			f.lastModified = docEpoch.Add(time.Duration(h>>20%1000) * time.Hour)
			f.lastModifiedStr = f.lastModified.Format(http.TimeFormat)
		}
		s.feeds[i] = f
	}
	return s
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

// hostAddr is the loopback address of host h: 127.1.x.y. Linux routes all
// of 127.0.0.0/8 to the loopback interface, so each is a distinct host to
// the poller without any DNS.
func hostAddr(h int) string {
	return fmt.Sprintf("127.1.%d.%d", h/250, h%250+1)
}

// serveFeeds is -mode serve: it listens on one loopback address per host,
// prints a serverInfo line and serves until stdin reaches EOF or ctx ends.
func serveFeeds(ctx context.Context, c config, stdin io.Reader, stdout io.Writer) error {
	pool, shapes := loadTemplates(c.corpus)
	source := "corpus"
	if pool == nil {
		pool, source = generatedTemplates(), "generated"
	}
	if c.docBytes > 0 || len(shapes) == 0 {
		shapes = nil // spread around -doc-bytes
	}
	s := newFeedServer(c, pool, shapes)

	hosts := (c.feeds + c.feedsPerHost - 1) / c.feedsPerHost
	if hosts > 250*256 {
		return fmt.Errorf("%d hosts: at most %d", hosts, 250*256)
	}
	feedSrv := &http.Server{Handler: http.HandlerFunc(s.serveFeed), ReadHeaderTimeout: 10 * time.Second}
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	hostURL := make([]string, hosts)
	for h := range hosts {
		ln, err := net.Listen("tcp", hostAddr(h)+":0")
		if err != nil {
			return fmt.Errorf("listen on %s: %w", hostAddr(h), err)
		}
		lns = append(lns, ln)
		hostURL[h] = "http://" + ln.Addr().String()
		go func() { _ = feedSrv.Serve(countingListener{ln, &s.bytes, &s.conns}) }()
	}
	s.urls = make([]string, c.feeds)
	for i := range s.urls {
		s.urls[i] = fmt.Sprintf("%s/feed/%d.xml", hostURL[i%hosts], i)
	}

	ctl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	lns = append(lns, ctl)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /feeds", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.urls) })
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.stats()) })
	ctlSrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = ctlSrv.Serve(ctl) }()

	body, gz, n := [3]int{1 << 30, 0, 0}, 0, 0
	items := [3]int{1 << 30, 0, 0}
	for _, f := range s.feeds {
		k := f.shape.items
		items[0], items[1], items[2] = min(items[0], k), items[1]+k, max(items[2], k)
		if f.body != nil {
			body[0], body[1], body[2] = min(body[0], len(f.body)), body[1]+len(f.body), max(body[2], len(f.body))
			gz += len(f.gz)
			n++
		}
	}
	items[1] /= max(len(s.feeds), 1)
	if n > 0 {
		body[1], gz = body[1]/n, gz/n
	}
	info := serverInfo{
		Control: "http://" + ctl.Addr().String(), Feeds: c.feeds, Hosts: hosts,
		Templates: len(pool), Source: source, Body: body, GzipBody: gz, Items: items,
		Mix: fmt.Sprintf("%s of feeds: static (304 to conditional GETs), active (1–3 new items per request), "+
			"slow (%v–%v, else static), errors (500, 404, reset)", s.mixString(), c.slow/3, c.slow),
	}
	if err := json.NewEncoder(stdout).Encode(info); err != nil {
		return err
	}

	eof := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, stdin); close(eof) }()
	select {
	case <-eof:
	case <-ctx.Done():
	}
	_ = ctlSrv.Close()
	return feedSrv.Close()
}

func (s *feedServer) mixString() string {
	var n [4]int
	for _, f := range s.feeds {
		n[f.kind]++
	}
	pct := func(k kind) string { return strconv.Itoa(100*n[k]/len(s.feeds)) + "%" }
	return strings.Join([]string{pct(kindStatic), pct(kindActive), pct(kindSlow), pct(kindError)}, " / ")
}

func (s *feedServer) stats() serverStats {
	st := serverStats{Bytes: s.bytes.Load(), Conns: s.conns.Load(), Status: map[string]int64{}}
	for code := range s.counts {
		if n := s.counts[code].Load(); n > 0 {
			key := strconv.Itoa(code)
			if code == 0 {
				key = "reset"
			}
			st.Status[key] = n
		}
	}
	return st
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *feedServer) serveFeed(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/feed/")
	i, err := strconv.Atoi(strings.TrimSuffix(name, ".xml"))
	if !ok || err != nil || i < 0 || i >= len(s.feeds) {
		s.counts[404].Add(1)
		http.NotFound(w, r)
		return
	}
	f := s.feeds[i]
	switch f.kind {
	case kindError:
		s.serveError(w, r, f)
	case kindActive:
		s.serveActive(w, r, i, f)
	case kindSlow:
		t := time.NewTimer(f.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
		s.serveStatic(w, r, f)
	default:
		s.serveStatic(w, r, f)
	}
}

func (s *feedServer) serveStatic(w http.ResponseWriter, r *http.Request, f *servedFeed) {
	h := w.Header()
	h.Set("ETag", f.etag)
	h.Set("Last-Modified", f.lastModifiedStr)
	if notModified(r, f.etag, f.lastModified) {
		s.counts[304].Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.counts[200].Add(1)
	writeBody(w, r, f.body, f.gz)
}

// notModified applies RFC 9110: If-None-Match wins over If-Modified-Since.
func notModified(r *http.Request, etag string, lastModified time.Time) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		return inm == etag
	}
	if ims := r.Header.Get("If-Modified-Since"); ims != "" {
		t, err := http.ParseTime(ims)
		return err == nil && !lastModified.Truncate(time.Second).After(t)
	}
	return false
}

func (s *feedServer) serveActive(w http.ResponseWriter, r *http.Request, i int, f *servedFeed) {
	f.mu.Lock()
	f.head += 1 + int(mix(uint64(i)<<32|uint64(f.head))%3)
	head := f.head
	f.mu.Unlock()

	var buf bytes.Buffer
	renderRSS(&buf, i, head, f.shape, s.pool)
	w.Header().Set("ETag", fmt.Sprintf(`"a%d-%d"`, i, head))
	w.Header().Set("Last-Modified", itemTime(head).Format(http.TimeFormat))
	s.counts[200].Add(1)
	var gz []byte
	if acceptsGzip(r) {
		var out bytes.Buffer
		zw := s.gzPool.Get().(*gzip.Writer)
		zw.Reset(&out)
		_, _ = zw.Write(buf.Bytes())
		_ = zw.Close()
		s.gzPool.Put(zw)
		gz = out.Bytes()
	}
	writeBody(w, r, buf.Bytes(), gz)
}

func acceptsGzip(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")
}

// writeBody sends body, or its gzip form when the client accepts gzip.
func writeBody(w http.ResponseWriter, r *http.Request, body, gz []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/rss+xml; charset=utf-8")
	h.Set("Vary", "Accept-Encoding")
	if gz != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

func (s *feedServer) serveError(w http.ResponseWriter, _ *http.Request, f *servedFeed) {
	switch f.status {
	case 0:
		s.counts[0].Add(1)
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic(http.ErrAbortHandler)
		}
		conn, _, err := hj.Hijack()
		if err != nil {
			return
		}
		if cc, ok := conn.(*countingConn); ok {
			if tc, ok := cc.Conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // close sends RST, not FIN
			}
		}
		conn.Close()
	default:
		s.counts[f.status].Add(1)
		http.Error(w, http.StatusText(f.status), f.status)
	}
}

// countingListener counts the connections it accepts and the bytes
// written on them.
type countingListener struct {
	net.Listener
	n     *atomic.Int64
	conns *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.conns.Add(1)
	return &countingConn{Conn: c, n: l.n}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// readServerInfo reads the first line a server child prints.
func readServerInfo(r *bufio.Reader) (serverInfo, error) {
	var info serverInfo
	line, err := r.ReadBytes('\n')
	if err != nil {
		return info, fmt.Errorf("feed server did not start: %w", err)
	}
	if err := json.Unmarshal(line, &info); err != nil {
		return info, fmt.Errorf("feed server: %w", err)
	}
	if info.Control == "" {
		return info, errors.New("feed server: no control URL")
	}
	return info, nil
}
