package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/newswire/newswire/internal/harness"
)

// childEnv marks a process as a child of the benchmark. The command itself
// ignores it; the test binary needs it to run as the in-process daemon
// instead of running tests.
const childEnv = "NEWSWIRE_BENCH_PIPELINE_CHILD=1"

// daemonProc is a running daemon: `newswire run` or this command in -mode
// daemon. Either holds the embedded server.
type daemonProc struct {
	cmd      *exec.Cmd
	natsURL  string
	httpAddr string
	logPath  string
	exited   <-chan error
}

// parts is what the daemon runs for a side: the stages, or nothing but
// the server.
func parts(side string) (newswire, inproc string) {
	if side == sidePipeline {
		return "dedupe,tag", "dedupe,tag"
	}
	return "poll", "none" // poll without feeds: the embedded server alone
}

// startDaemon starts the daemon for side with its store in dir and waits
// until it answers /readyz and its server reports the sync policy asked
// for.
func startDaemon(ctx context.Context, c config, bin, dir, side, sync string, profile bool) (*daemonProc, error) {
	only, inprocParts := parts(side)
	var d *daemonProc
	switch c.daemon {
	case "newswire":
		extra := ""
		if sync != "default" {
			extra = "    sync_interval: " + sync + "\n"
		}
		var env []string
		if c.memLimit != "" {
			env = []string{"GOMEMLIMIT=" + c.memLimit}
		}
		hd, err := harness.StartWith(bin, dir, harness.Options{EmbeddedExtra: extra, Args: []string{"--only", only}, Env: env})
		if err != nil {
			return nil, err
		}
		d = &daemonProc{cmd: hd.Cmd, natsURL: hd.NATSURL, httpAddr: hd.HTTPAddr, logPath: hd.LogPath, exited: hd.Exited()}
	case "inproc":
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		natsPort, httpPort := harness.FreePort(), harness.FreePort()
		args := []string{"-mode", "daemon", "-store", filepath.Join(dir, "store"), "-parts", inprocParts, "-sync", sync,
			"-listen", "127.0.0.1:" + strconv.Itoa(natsPort), "-http", "127.0.0.1:" + strconv.Itoa(httpPort)}
		if profile {
			args = append(args, "-cpuprofile", c.cpuProfile, "-mutexprofile", c.mutexProfile, "-memprofile", c.memProfile)
		}
		logPath := filepath.Join(dir, "daemon.log")
		logFile, err := os.Create(logPath)
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(self, args...)
		cmd.Env = append(os.Environ(), childEnv)
		if c.memLimit != "" {
			cmd.Env = append(cmd.Env, "GOMEMLIMIT="+c.memLimit)
		}
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			logFile.Close()
			return nil, err
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait(); logFile.Close() }()
		d = &daemonProc{cmd: cmd, natsURL: "nats://127.0.0.1:" + strconv.Itoa(natsPort),
			httpAddr: "127.0.0.1:" + strconv.Itoa(httpPort), logPath: logPath, exited: exited}
	}
	if err := d.waitReady(ctx, 30*time.Second); err != nil {
		_ = d.stop()
		return nil, err
	}
	want, _ := syncPolicy(sync)
	got, err := d.syncPolicy()
	if err == nil && got != want {
		err = fmt.Errorf("asked for sync %s, the daemon's JetStream store reports %q: the daemon did not apply nats.embedded.sync_interval (cmd/newswire must pass it to pipeline.StartEmbedded; -daemon inproc applies it)", sync, got)
	}
	if err != nil {
		_ = d.stop()
		return nil, err
	}
	return d, nil
}

func (d *daemonProc) pid() int { return d.cmd.Process.Pid }

// waitReady polls /readyz until it answers 200.
func (d *daemonProc) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get("http://" + d.httpAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-d.exited:
			return fmt.Errorf("daemon exited before it was ready (%v); its log: %s", err, d.logPath)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("daemon not ready after %s; its log: %s", limit, d.logPath)
		}
	}
}

// syncPolicy reads the sync policy the embedded server logged at start
// (the sync_interval of its "JetStream store ready" line).
func (d *daemonProc) syncPolicy() (string, error) {
	f, err := os.Open(d.logPath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var line struct {
			Sync *string `json:"sync_interval"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Sync != nil {
			return *line.Sync, nil
		}
	}
	return "", fmt.Errorf("the daemon's log %s names no sync_interval", d.logPath)
}

// stop sends SIGTERM and waits up to 30 s for the exit.
func (d *daemonProc) stop() error {
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.exited:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("daemon exited with %v; its log: %s", err, d.logPath)
		}
		return err
	case <-time.After(30 * time.Second):
		_ = d.cmd.Process.Kill()
		return errors.New("daemon did not exit within 30s of SIGTERM")
	}
}

// signal sends s to the daemon (profiles of -daemon inproc).
func (d *daemonProc) signal(s os.Signal) { _ = d.cmd.Process.Signal(s) }
