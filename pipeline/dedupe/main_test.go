package dedupe

import (
	"testing"

	"github.com/newswire/newswire/pipeline/natstest"
)

// TestMain lets the tests, each on its own servers, run more at once.
func TestMain(m *testing.M) { natstest.Main(m) }
