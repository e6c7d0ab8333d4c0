// Package faults holds the fault tests of issue 6: the real newswire
// binary's stages and a real nats-server, run as separate processes, killed
// with SIGKILL, restarted and fed poison, while articles flow through the
// story stage (dedupe and tag in one hop; processes started with
// `--only dedupe` and `--only tag` both run it). Each test ends by reading NEWS_TAGGED from the start and
// checking that every expected story is there exactly once.
//
// The tests build both binaries once per run (TestMain) and skip under
// -short. They import the project's packages only to make and read
// messages (feeds, pipeline, the tag rules that compute expected topics);
// the code under test runs in the child processes.
package faults
