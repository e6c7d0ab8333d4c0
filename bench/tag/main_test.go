package main

import (
	"context"
	"strings"
	"testing"
)

// TestRun runs the benchmark at toy sizes: it must print its table.
func TestRun(t *testing.T) {
	var out, errs strings.Builder
	err := run(context.Background(), []string{"-phrases", "20,40", "-per-topic", "10", "-runs", "1", "-min-time", "1ms", "-article-bytes", "512"}, &out, &errs)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, errs.String())
	}
	for _, want := range []string{"| phrases | topics |", "| 20 | 2 |", "| 40 | 4 |", "regexp ÷ newswire"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
