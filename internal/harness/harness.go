// Package harness runs the real `newswire run` binary for the checks from
// outside in bench/: it builds the binary, writes a config for feeds on a
// local server, starts the daemon with its embedded NATS server on free
// ports, and stops it with SIGTERM.
package harness

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RepoRoot walks up from the working directory to the folder with go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the newswire repository")
		}
		dir = parent
	}
}

// Build compiles ./cmd/newswire into dir and returns the binary's path.
func Build(root, dir string) (string, error) {
	bin := filepath.Join(dir, "newswire")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/newswire")
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build newswire: %w", err)
	}
	return bin, nil
}

// FreePort returns a loopback port nobody listens on right now.
func FreePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Daemon is a running `newswire run`.
type Daemon struct {
	Cmd      *exec.Cmd
	NATSURL  string
	HTTPAddr string
	LogPath  string
	exited   chan error
}

// Feed is one feed of a generated config.
type Feed struct {
	ID, URL  string
	Interval time.Duration // zero: poll.interval
}

// Start writes a config in dir with the feeds and extra poll settings
// (YAML lines under poll:, indented two spaces) and starts bin on it.
func Start(bin, dir string, feeds []Feed, pollExtra string) (*Daemon, error) {
	return StartWith(bin, dir, Options{Feeds: feeds, PollExtra: pollExtra})
}

// Options say what StartWith writes into the generated config beyond an
// embedded server and an HTTP listener on free ports, a store in the
// folder, and allow_private, and how it runs the daemon.
type Options struct {
	Feeds         []Feed
	PollExtra     string   // YAML lines under poll:, indented two spaces
	EmbeddedExtra string   // YAML lines under nats.embedded:, indented four spaces
	Args          []string // added to `run --config FILE --log-format json`, e.g. --only dedupe,tag
	Env           []string // added to the daemon's environment, e.g. GOMEMLIMIT=448MiB
}

// StartWith writes a config in dir as o says and starts `bin run` on it.
// The daemon's output goes to newswire.log in dir.
func StartWith(bin, dir string, o Options) (*Daemon, error) {
	natsPort, httpPort := FreePort(), FreePort()
	var b strings.Builder
	fmt.Fprintf(&b, "nats:\n  embedded:\n    listen: 127.0.0.1:%d\n    store_dir: store\n%shttp:\n  listen: 127.0.0.1:%d\n", natsPort, o.EmbeddedExtra, httpPort)
	fmt.Fprintf(&b, "poll:\n  allow_private: true\n  host_spacing: 0s\n%s", o.PollExtra)
	b.WriteString("feeds:\n")
	for _, f := range o.Feeds {
		fmt.Fprintf(&b, "  - {id: %s, url: %q", f.ID, f.URL)
		if f.Interval > 0 {
			fmt.Fprintf(&b, ", interval: %s", f.Interval)
		}
		b.WriteString("}\n")
	}
	cfg := filepath.Join(dir, "newswire.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "newswire.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append([]string{"run", "--config", cfg, "--log-format", "json"}, o.Args...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if len(o.Env) > 0 {
		cmd.Env = append(os.Environ(), o.Env...)
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	d := &Daemon{Cmd: cmd, NATSURL: "nats://127.0.0.1:" + strconv.Itoa(natsPort),
		HTTPAddr: "127.0.0.1:" + strconv.Itoa(httpPort), LogPath: logPath, exited: make(chan error, 1)}
	go func() { d.exited <- cmd.Wait(); logFile.Close() }()
	return d, nil
}

// Exited reports the daemon's exit, if it has exited.
func (d *Daemon) Exited() <-chan error { return d.exited }

// Stop sends SIGTERM and waits up to 15 s for a clean exit.
func (d *Daemon) Stop() error {
	_ = d.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.exited:
		return err
	case <-time.After(15 * time.Second):
		_ = d.Cmd.Process.Kill()
		return errors.New("did not exit within 15s of SIGTERM")
	}
}

// RSSKB is the daemon's resident set size in KiB.
func (d *Daemon) RSSKB() int { return int(ProcStatus(d.Cmd.Process.Pid, "VmRSS:") >> 10) }
