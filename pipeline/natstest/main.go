package natstest

import (
	"flag"
	"os"
	"strconv"
	"testing"
)

// atOnce is how many parallel tests Main lets run together: tests that
// start their own servers spend their time waiting on them, not on the
// CPU, so more of them than the machine has cores finish sooner.
const atOnce = 8

// Main runs a package's tests (call it from TestMain) with atOnce parallel
// tests unless -parallel says otherwise.
func Main(m *testing.M) {
	flag.Parse()
	Parallel(atOnce)
	os.Exit(m.Run())
}

// Parallel lets n parallel tests run at once unless -parallel was given;
// call it from TestMain after flag.Parse.
func Parallel(n int) {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", strconv.Itoa(n))
	}
}
