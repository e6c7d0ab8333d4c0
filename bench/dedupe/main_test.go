package main

import (
	"context"
	"strings"
	"testing"
)

// TestRun runs both sections at toy sizes: they must print their tables.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("starts embedded NATS servers")
	}
	var out, errs strings.Builder
	args := []string{"-sizes", "300", "-queries", "20", "-repeat", "1",
		"-remembered", "200,400", "-articles", "1200", "-stage-runs", "1"}
	if err := run(context.Background(), args, &out, &errs); err != nil {
		t.Fatalf("run: %v\n%s", err, errs.String())
	}
	for _, want := range []string{
		"| stories remembered | heap per story |", "| 300 |",
		"| stories remembered | load from the stream | snapshot write | restart (snapshot + tail) | articles/s |", "| 200 |", "| 400 |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-remembered", "10,x"},
		{"-articles", "0"},
		{"-section", "nope"},
	} {
		var out, errs strings.Builder
		if err := run(context.Background(), args, &out, &errs); err == nil {
			t.Errorf("run %q: got no error, want one", args)
		}
	}
}
