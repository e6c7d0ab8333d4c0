package faults

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// broker is one nats-server process or several clustered ones, each with
// its store in the test's temp dir, on free loopback ports that stay the
// same across restarts.
type broker struct {
	t     *testing.T
	nodes []*proc
	urls  []string
}

// URL is the client URL list of every node, comma-separated.
func (b *broker) URL() string { return strings.Join(b.urls, ",") }

// startBroker starts n nats-server processes with JetStream (n = 1: a
// single server; n > 1: a cluster with routes between all of them) and
// waits until JetStream answers.
func startBroker(t *testing.T, n int) *broker {
	t.Helper()
	return startBrokerWith(t, n, "")
}

// startBrokerWith is startBroker with extra lines in each server's
// jetstream block (for example a max_file_store).
func startBrokerWith(t *testing.T, n int, jetstreamConf string) *broker {
	t.Helper()
	b := &broker{t: t}
	dir := t.TempDir()
	clientPorts := make([]int, n)
	routePorts := make([]int, n)
	var routes []string
	for i := range n {
		clientPorts[i] = freePort(t)
		routePorts[i] = freePort(t)
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", routePorts[i]))
		b.urls = append(b.urls, fmt.Sprintf("nats://127.0.0.1:%d", clientPorts[i]))
	}
	for i := range n {
		name := fmt.Sprintf("n%d", i+1)
		var c strings.Builder
		fmt.Fprintf(&c, "server_name: %s\nlisten: 127.0.0.1:%d\n", name, clientPorts[i])
		fmt.Fprintf(&c, "jetstream {\n  store_dir: %q\n%s}\n", filepath.Join(dir, name), jetstreamConf)
		if n > 1 {
			fmt.Fprintf(&c, "cluster {\n  name: faults\n  listen: 127.0.0.1:%d\n  routes: [\n    %s\n  ]\n}\n",
				routePorts[i], strings.Join(routes, "\n    "))
		}
		conf := filepath.Join(dir, name+".conf")
		if err := os.WriteFile(conf, []byte(c.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		b.nodes = append(b.nodes, newProc(t, "nats-"+name, binaries.natsServer, "-c", conf))
	}
	for _, p := range b.nodes {
		p.waitLog("Server is ready", 30*time.Second)
	}
	b.waitJetStream(60 * time.Second)
	return b
}

// waitJetStream waits until a client gets JetStream account info, which
// on a cluster means a meta leader has been elected.
func (b *broker) waitJetStream(timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		nc, err := nats.Connect(b.URL(), nats.Timeout(2*time.Second))
		if err == nil {
			js, _ := jetstream.New(nc)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, err = js.AccountInfo(ctx)
			cancel()
			nc.Close()
			if err == nil {
				return
			}
		}
		lastErr = err
		time.Sleep(200 * time.Millisecond)
	}
	b.t.Fatalf("JetStream not available at %s within %s: %v", b.URL(), timeout, lastErr)
}

// connect returns a client connection that reconnects for ever, closed
// when the test ends.
func (b *broker) connect() (*nats.Conn, jetstream.JetStream) {
	b.t.Helper()
	nc, err := nats.Connect(b.URL(), nats.Name("faults-test"), nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond), nats.Timeout(2*time.Second))
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		b.t.Fatal(err)
	}
	return nc, js
}
