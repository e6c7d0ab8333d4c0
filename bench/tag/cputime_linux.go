package main

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time the calling OS thread has used, or false.
// The caller locks itself to its thread around the measurement.
func threadCPU() (time.Duration, bool) {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
