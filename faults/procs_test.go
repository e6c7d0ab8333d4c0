package faults

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/newswire/newswire/internal/harness"
	"github.com/newswire/newswire/pipeline/natstest"
)

// binaries are the programs TestMain built for this run: the newswire
// daemon and a nats-server from the module graph (no download).
var binaries struct{ newswire, natsServer string }

// envRun set to 0 leaves the fault tests out (as -short does): they take
// about a minute and a half of real processes. CI runs them.
const envRun = "NEWSWIRE_FAULT_TESTS"

func enabled() bool { return os.Getenv(envRun) != "0" && !testing.Short() }

// loadTestsAtOnce is how many fault tests run at once unless -parallel
// says otherwise: they spend their time waiting on processes (about 0.7 of
// 2 cores in all), so running the load tests side by side takes a minute
// and a quarter where one after another took three and a half.
const loadTestsAtOnce = 6

func TestMain(m *testing.M) {
	flag.Parse()
	if !enabled() {
		os.Exit(m.Run())
	}
	natstest.Parallel(loadTestsAtOnce)
	dir, err := os.MkdirTemp("", "newswire-faults-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
	code, err := buildAndRun(m, dir)
	os.RemoveAll(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func buildAndRun(m *testing.M, dir string) (int, error) {
	root, err := harness.RepoRoot()
	if err != nil {
		return 0, err
	}
	binaries.newswire = filepath.Join(dir, "newswire")
	binaries.natsServer = filepath.Join(dir, "nats-server")
	for _, b := range []struct{ out, pkg string }{
		{binaries.newswire, "./cmd/newswire"},
		{binaries.natsServer, "github.com/nats-io/nats-server/v2"},
	} {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("go build %s: %w\n%s", b.pkg, err, out)
		}
	}
	return m.Run(), nil
}

// skipShort skips a fault test under -short: each takes a minute or so.
func skipShort(t *testing.T) {
	t.Helper()
	if !enabled() {
		t.Skip("fault test with real processes: skipped with -short or " + envRun + "=0")
	}
}

// freePort returns a loopback port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// proc is a child process that can be killed and started again with the
// same arguments. Every start appends to one log file (stdout and stderr),
// after a marker line, so a failed test can show what each incarnation
// said. Methods are called from one goroutine at a time.
type proc struct {
	t       *testing.T
	name    string
	bin     string
	args    []string
	logPath string

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when the current incarnation has exited
	starts int
}

// newProc starts bin with args and registers its cleanup: the process is
// killed when the test ends, and its log tail is printed if the test
// failed.
func newProc(t *testing.T, name, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, bin: bin, args: args, logPath: filepath.Join(t.TempDir(), name+".log")}
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("--- last lines of %s (%s) ---\n%s", name, p.logPath, tail(p.logPath, 40))
		}
		if dir := os.Getenv("NEWSWIRE_FAULT_LOGS"); dir != "" {
			// Keep every process's log, for reading a passing run too.
			if data, err := os.ReadFile(p.logPath); err == nil {
				_ = os.MkdirAll(dir, 0o755)
				_ = os.WriteFile(filepath.Join(dir, t.Name()+"-"+name+".log"), data, 0o644)
			}
		}
	})
	p.start()
	return p
}

// start runs a new incarnation; the previous one must have exited.
func (p *proc) start() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.starts++
	f, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	fmt.Fprintf(f, "=== start %d of %s at %s\n", p.starts, p.name, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.bin, p.args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		p.t.Fatalf("start %s: %v", p.name, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(exited)
	}()
	p.cmd, p.exited = cmd, exited
}

// kill sends SIGKILL and waits for the exit. Safe on an exited process.
func (p *proc) kill() {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

// stop sends SIGTERM and waits up to timeout for the exit, then kills.
func (p *proc) stop(timeout time.Duration) error {
	p.mu.Lock()
	cmd, exited := p.cmd, p.exited
	p.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		return nil
	case <-time.After(timeout):
		p.kill()
		return fmt.Errorf("%s did not exit within %s of SIGTERM", p.name, timeout)
	}
}

// running reports whether the current incarnation is alive.
func (p *proc) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// log is what the process has written so far, all incarnations.
func (p *proc) log() string {
	data, _ := os.ReadFile(p.logPath)
	return string(data)
}

// waitLog waits until the current incarnation has logged a line containing
// s, or fails the test after timeout.
func (p *proc) waitLog(s string, timeout time.Duration) {
	p.t.Helper()
	marker := fmt.Sprintf("=== start %d of", p.starts)
	deadline := time.Now().Add(timeout)
	for {
		log := p.log()
		if i := strings.LastIndex(log, marker); i >= 0 && strings.Contains(log[i:], s) {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s did not log %q within %s; log tail:\n%s", p.name, s, timeout, tail(p.logPath, 40))
		}
		if !p.running() {
			p.t.Fatalf("%s exited before logging %q; log tail:\n%s", p.name, s, tail(p.logPath, 40))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}
