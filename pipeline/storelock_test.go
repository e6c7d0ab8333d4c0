package pipeline

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestEmbeddedStoreIsLocked(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := StartEmbedded(EmbeddedOptions{Listen: "127.0.0.1:0", StoreDir: dir}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	second, err := StartEmbedded(EmbeddedOptions{Listen: "127.0.0.1:0", StoreDir: dir}, zerolog.Nop())
	if err == nil {
		second.Shutdown()
		first.Shutdown()
		t.Fatal("a second server started on a store the first holds")
	}
	if !errors.Is(err, ErrStoreInUse) || !strings.Contains(err.Error(), "held by pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("got %v, want ErrStoreInUse naming pid %d", err, os.Getpid())
	}
	first.Shutdown()
	again, err := StartEmbedded(EmbeddedOptions{Listen: "127.0.0.1:0", StoreDir: dir}, zerolog.Nop())
	if err != nil {
		t.Fatalf("after the first shut down: %v", err)
	}
	again.Shutdown()
}
