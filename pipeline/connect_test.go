package pipeline

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// deadURL is a loopback URL nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "nats://" + addr
}

func TestConnectNoBroker(t *testing.T) {
	t.Parallel()
	url := deadURL(t)
	start := time.Now()
	_, err := Connect(context.Background(), url, "test", 0, zerolog.Nop())
	if !errors.Is(err, ErrNoBroker) {
		t.Errorf("got %v, want ErrNoBroker", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("failing took %s, want at once", took)
	}
}

// TestConnectHonoursContext: a wait for a broker that does not answer ends
// as soon as the context does (a SIGTERM while `run` waits for it).
func TestConnectHonoursContext(t *testing.T) {
	t.Parallel()
	url := deadURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err := Connect(ctx, url, "test", time.Minute, zerolog.Nop())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Connect returned %s after it was started, want within 2s of the cancel at 300ms", took)
	}
}
