package pipeline

import (
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// The sync options reach the server's JetStream store.
func TestStartEmbeddedSync(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		opts EmbeddedOptions
		want string
	}{
		{"default", EmbeddedOptions{}, "2m0s"},
		{"interval", EmbeddedOptions{SyncInterval: 10 * time.Second}, "10s"},
		{"always", EmbeddedOptions{SyncAlways: true}, "always"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Listen, tt.opts.StoreDir = "127.0.0.1:0", t.TempDir()
			srv, err := StartEmbedded(tt.opts, zerolog.Nop())
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Shutdown()
			if got := srv.SyncPolicy(); got != tt.want {
				t.Errorf("SyncPolicy: got %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := StartEmbedded(EmbeddedOptions{Listen: "127.0.0.1:0", StoreDir: t.TempDir(), SyncInterval: -time.Second}, zerolog.Nop()); err == nil {
		t.Errorf("negative sync interval: got no error")
	}
}
