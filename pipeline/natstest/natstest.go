// Package natstest starts a real, embedded nats-server with JetStream for
// tests: a random port, a t.TempDir() store, shut down by t.Cleanup.
package natstest

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Server is a running test server and a client connected to it.
type Server struct {
	NS  *server.Server
	NC  *nats.Conn
	JS  jetstream.JetStream
	URL string
}

// Start runs a JetStream server in-process on a random loopback port and
// connects a client. Both stop when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return StartIn(t, t.TempDir())
}

// StartIn is Start with a given store directory, so a test can restart a
// server on the same data.
func StartIn(t testing.TB, storeDir string) *Server {
	t.Helper()
	return StartWith(t, storeDir, nil)
}

// StartWith is StartIn with the server options adjusted by configure (for
// example to require a token); the test client connects with clientOpts.
func StartWith(t testing.TB, storeDir string, configure func(*server.Options), clientOpts ...nats.Option) *Server {
	t.Helper()
	opts := &server.Options{
		Host:      "127.0.0.1",
		Port:      server.RANDOM_PORT,
		JetStream: true,
		StoreDir:  storeDir,
		NoSigs:    true,
		NoLog:     true,
	}
	if configure != nil {
		configure(opts)
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("natstest: new server: %v", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("natstest: server not ready")
	}
	nc, err := nats.Connect(ns.ClientURL(), clientOpts...)
	if err != nil {
		ns.Shutdown()
		t.Fatalf("natstest: connect: %v", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("natstest: jetstream: %v", err)
	}
	s := &Server{NS: ns, NC: nc, JS: js, URL: ns.ClientURL()}
	t.Cleanup(s.Stop)
	return s
}

// Stop closes the client and shuts the server down; safe to call twice.
func (s *Server) Stop() {
	s.NC.Close()
	s.NS.Shutdown()
	s.NS.WaitForShutdown()
}

// Collect reads every message stored on subjects in stream, waiting up to
// wait for at least want of them (want 0: just what is there after wait).
func Collect(t testing.TB, js jetstream.JetStream, stream string, want int, wait time.Duration, subjects ...string) []jetstream.Msg {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait+5*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: subjects})
	if err != nil {
		t.Fatalf("natstest: consumer on %s: %v", stream, err)
	}
	var out []jetstream.Msg
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		batch, err := cons.Fetch(100, jetstream.FetchMaxWait(200*time.Millisecond))
		if err != nil {
			t.Fatalf("natstest: fetch: %v", err)
		}
		for m := range batch.Messages() {
			out = append(out, m)
		}
		if want > 0 && len(out) >= want {
			// Keep reading briefly: more than want is a failure the caller must see.
			b, err := cons.Fetch(100, jetstream.FetchMaxWait(300*time.Millisecond))
			if err == nil {
				for m := range b.Messages() {
					out = append(out, m)
				}
			}
			return out
		}
	}
	return out
}
