package harness

import (
	"math"
	"os"
	"testing"
)

// /proc/<pid>/stat and getrusage count the same CPU time.
func TestProcCPUSeconds(t *testing.T) {
	x := 0.0
	for i := range 50_000_000 {
		x += math.Sqrt(float64(i))
	}
	self, proc := CPUSeconds(), ProcCPUSeconds(os.Getpid())
	if proc <= 0 || math.Abs(self-proc) > 0.05+0.05*self {
		t.Errorf("got %.3f s from /proc, %.3f s from getrusage; want them within 10 ms ticks (x=%g)", proc, self, x)
	}
	if got := ProcCPUSeconds(-1); got != 0 {
		t.Errorf("no such process: got %v, want 0", got)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 200000: "200,000", -1234567: "-1,234,567"} {
		if got := Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
