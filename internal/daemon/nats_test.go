package daemon

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/natstest"
)

// A server that wants a token is reached with the config's token, or with
// a `nats context` that holds the URL and the token.
func TestNATSCredentials(t *testing.T) {
	srv := natstest.StartWith(t, t.TempDir(), func(o *server.Options) { o.Authorization = "s3cret" }, nats.Token("s3cret"))
	getenv := func(k string) string { return map[string]string{"XDG_CONFIG_HOME": t.TempDir()}[k] }

	connect := func(n configs.NATS, env func(string) string) error {
		url, opts, err := NATSOptions(n, env)
		if err != nil {
			return err
		}
		nc, err := pipeline.Connect(context.Background(), url, "test", 0, zerolog.Nop(), opts...)
		if err == nil {
			nc.Close()
		}
		return err
	}
	if err := connect(configs.NATS{URL: srv.URL}, getenv); err == nil {
		t.Error("connected without the token")
	}
	if err := connect(configs.NATS{URL: srv.URL, Token: "s3cret"}, getenv); err != nil {
		t.Errorf("with the token: %v", err)
	}

	home := t.TempDir()
	ctxDir := filepath.Join(home, "nats", "context")
	if err := os.MkdirAll(ctxDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ctxDir, "prod.json"), []byte(`{"url": "`+srv.URL+`", "token": "s3cret"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	withCtx := func(k string) string { return map[string]string{"XDG_CONFIG_HOME": home}[k] }
	if err := connect(configs.NATS{Context: "prod"}, withCtx); err != nil {
		t.Errorf("with the nats context: %v", err)
	}
	if err := connect(configs.NATS{Context: "missing"}, withCtx); err == nil {
		t.Error("a missing context was accepted")
	}
}
