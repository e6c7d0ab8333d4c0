package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// childEnv marks a process as a child of the benchmark. The command itself
// ignores it; the test binary needs it to run as a child instead of tests.
const childEnv = "NEWSWIRE_BENCH_POLL_CHILD=1"

// runBenchmark starts the feed server child, runs each side c.repeat times
// in children of their own, alternating which goes first, and prints the
// table of medians to stdout. Progress goes to stderr.
func runBenchmark(ctx context.Context, c config, stdout, stderr io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	stderr = &lockedWriter{w: stderr} // shared with the children's copying goroutines
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	srv := exec.CommandContext(ctx, self, "-mode", "serve",
		"-feeds", strconv.Itoa(c.feeds), "-feeds-per-host", strconv.Itoa(c.feedsPerHost),
		"-slow", c.slow.String(), "-corpus", c.corpus, "-doc-bytes", strconv.Itoa(c.docBytes))
	srv.Env = append(os.Environ(), childEnv)
	srv.Stderr = stderr
	stdin, err := srv.StdinPipe()
	if err != nil {
		return err
	}
	out, err := srv.StdoutPipe()
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start feed server: %w", err)
	}
	defer func() {
		stdin.Close() // the server exits at EOF
		_ = srv.Wait()
	}()
	info, err := readServerInfo(bufio.NewReader(out))
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "feed server: %d feeds on %d hosts, %s; %d item templates (%s); documents %d–%d bytes, mean %d (%d gzipped), %d–%d items, mean %d\n",
		info.Feeds, info.Hosts, info.Mix, info.Templates, info.Source, info.Body[0], info.Body[2], info.Body[1], info.GzipBody,
		info.Items[0], info.Items[2], info.Items[1])

	results := map[string][]sideResult{}
	for k := range c.repeat {
		order := []string{"newswire", "baseline"}
		if k%2 == 1 {
			order[0], order[1] = order[1], order[0]
		}
		for _, side := range order {
			var profiles []string
			if side == "newswire" && k == 0 {
				profiles = []string{"-cpuprofile", c.cpuProfile, "-memprofile", c.memProfile}
			}
			start := time.Now()
			r, err := runChild(ctx, self, c, side, info.Control, profiles, stderr)
			if err != nil {
				return fmt.Errorf("run %d, %s: %w", k+1, side, err)
			}
			fmt.Fprintf(stderr, "run %d/%d %-8s %s (%.0fs)\n", k+1, c.repeat, side, r.summary(), time.Since(start).Seconds())
			results[side] = append(results[side], r)
		}
	}
	return printTable(stdout, c, info, results["newswire"], results["baseline"])
}

// runChild runs one side in a child process and returns what it printed.
func runChild(ctx context.Context, self string, c config, side, control string, profiles []string, stderr io.Writer) (sideResult, error) {
	args := []string{"-mode", side, "-control", control,
		"-rounds", strconv.Itoa(c.rounds), "-warmup", strconv.Itoa(c.warmup),
		"-interval", c.interval.String(), "-concurrency", strconv.Itoa(c.concurrency)}
	args = append(args, profiles...)
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Env = append(os.Environ(), childEnv)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, stderr
	if err := cmd.Run(); err != nil {
		return sideResult{}, err
	}
	var r sideResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return r, fmt.Errorf("reading its result %q: %w", out.String(), err)
	}
	return r, nil
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
