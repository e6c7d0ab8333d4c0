//go:build race

package main

// raceEnabled: the race detector slows the daemon tenfold; TestRun makes
// fewer articles.
const raceEnabled = true
