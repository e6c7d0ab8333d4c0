// Command hostile is the check from outside of issue 3: it serves the shared
// feed corpus and a set of hostile feeds (a stack-overflowing nesting, a
// namespace and a CDATA CPU bomb, a gzip bomb, a 120 MB body, a trickling
// server, a redirect loop, a bot wall, bad bytes, an empty body) plus a
// canary feed with a new item on every poll, runs the real `newswire run`
// binary against them, and reports whether the daemon stayed alive, its peak
// resident memory, whether the canary kept flowing, and what each hostile
// feed's state says.
//
//	go run ./bench/hostile [-duration 60s] [-interval 5s]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/newswire/newswire/internal/harness"
)

func main() {
	duration := flag.Duration("duration", 60*time.Second, "how long to run the daemon")
	interval := flag.Duration("interval", 5*time.Second, "poll interval pinned on every feed")
	binary := flag.String("newswire", "", "newswire binary (default: build ./cmd/newswire)")
	corpus := flag.String("corpus", "", "feed corpus folder (default: ../shared/corpus/feeds next to the repo)")
	limitMB := flag.Int("rss-limit", 512, "peak resident memory allowed, MB")
	flag.Parse()
	if err := run(*duration, *interval, *binary, *corpus, *limitMB); err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(1)
	}
}

func run(duration, interval time.Duration, binary, corpus string, limitMB int) error {
	root, err := harness.RepoRoot()
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "newswire-hostile-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if binary == "" {
		if binary, err = harness.Build(root, tmp); err != nil {
			return err
		}
	}
	if corpus == "" {
		corpus = filepath.Join(root, "..", "shared", "corpus", "feeds")
	}

	mux := http.NewServeMux()
	hostiles := hostileFeeds()
	for _, h := range hostiles {
		mux.HandleFunc("/hostile/"+h.id, h.handler)
	}
	mux.HandleFunc("/canary", canary())
	corpusPaths := corpusFeeds(mux, corpus)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	feeds := []harness.Feed{{ID: "canary", URL: base + "/canary", Interval: interval}}
	for _, h := range hostiles {
		feeds = append(feeds, harness.Feed{ID: h.id, URL: base + "/hostile/" + h.id, Interval: interval})
	}
	for i, p := range corpusPaths {
		feeds = append(feeds, harness.Feed{ID: fmt.Sprintf("corpus-%03d", i), URL: base + p, Interval: interval})
	}
	d, err := harness.Start(binary, tmp, feeds, "  timeout: 5s\n  max_body: 10MiB\n  per_host: 64\n  concurrency: 64\n")
	if err != nil {
		return err
	}
	httpPort := d.HTTPAddr

	// Count canary articles as a subscriber would.
	var canaryArticles atomic.Int64
	nc, err := nats.Connect(d.NATSURL, nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		return err
	}
	defer nc.Close()
	nc.Subscribe("news.tagged.canary", func(*nats.Msg) { canaryArticles.Add(1) })

	var peakKB, samples, healthy, unhealthy int
	canaryAt := map[int]int64{}
	start := time.Now()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for time.Since(start) < duration {
		select {
		case err := <-d.Exited():
			return fmt.Errorf("newswire exited during the run: %v (log: %s)", err, d.LogPath)
		case <-tick.C:
		}
		if kb := d.RSSKB(); kb > peakKB {
			peakKB = kb
		}
		samples++
		if samples%4 == 0 {
			if get("http://"+httpPort+"/healthz") == nil {
				healthy++
			} else {
				unhealthy++
			}
			canaryAt[int(time.Since(start)/(10*time.Second))] = canaryArticles.Load()
		}
	}
	states, _ := feedStates("http://" + httpPort + "/status")
	exitErr := d.Stop()

	fmt.Printf("newswire run against %d hostile feeds, %d corpus feeds and a canary, %v at a %v interval\n\n",
		len(hostiles), len(corpusPaths), duration, interval)
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "| check\t| result\t| want\t|")
	fmt.Fprintln(tw, "| ---\t| ---\t| ---\t|")
	fmt.Fprintf(tw, "| /healthz answered\t| %d of %d\t| all\t|\n", healthy, healthy+unhealthy)
	fmt.Fprintf(tw, "| peak RSS (VmRSS sampled every 250 ms)\t| %d MB\t| < %d MB\t|\n", peakKB/1024, limitMB)
	var progress []string
	for i := 0; i < len(canaryAt); i++ {
		progress = append(progress, strconv.FormatInt(canaryAt[i], 10))
	}
	fmt.Fprintf(tw, "| canary articles delivered (cumulative per 10 s)\t| %s\t| growing\t|\n", strings.Join(progress, ", "))
	fmt.Fprintf(tw, "| exit after SIGTERM\t| %v\t| <nil>\t|\n", exitErr)
	tw.Flush()

	fmt.Println("\n| hostile feed | state | last result | want | last error |\n| --- | --- | --- | --- | --- |")
	failed := healthy == 0 || unhealthy > 0 || peakKB/1024 >= limitMB || exitErr != nil || canaryArticles.Load() < 2
	for _, h := range hostiles {
		st := states[h.id]
		ok := st.LastResult == h.want || (h.want == "" && st.State == "ok")
		if !ok {
			failed = true
		}
		fmt.Printf("| %s | %s | %s | %s | %.90s |\n", h.id, st.State, st.LastResult, or(h.want, "ok"), st.LastError)
	}
	var okCorpus, failCorpus int
	classes := map[string]int{}
	for id, st := range states {
		if strings.HasPrefix(id, "corpus-") {
			if st.Errors == 0 {
				okCorpus++
			} else {
				failCorpus++
				classes[st.LastResult]++
			}
		}
	}
	var cls []string
	for c, n := range classes {
		cls = append(cls, fmt.Sprintf("%s %d", c, n))
	}
	slices.Sort(cls)
	fmt.Printf("\ncorpus feeds: %d polled fine, %d failing (%s)\n", okCorpus, failCorpus, strings.Join(cls, ", "))
	if failed {
		return fmt.Errorf("a check failed (daemon log: %s)", d.LogPath)
	}
	return nil
}

type feedState struct {
	State      string `json:"state"`
	LastResult string `json:"last_result"`
	LastError  string `json:"last_error"`
	Errors     int    `json:"consecutive_errors"`
}

func feedStates(url string) (map[string]feedState, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]feedState{}
	return out, json.NewDecoder(resp.Body).Decode(&out)
}

func get(url string) error {
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
