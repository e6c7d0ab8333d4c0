// Package configs holds newswire's shipped configuration (newswire.yaml, the
// default topic taxonomy topics.yaml, an example OPML file) and the code that
// loads, defaults and validates it.
//
// Loading is strict: unknown keys, malformed values and inconsistent feeds are
// errors, and every error names the file, line and key that caused it, in the
// form "FILE:LINE: KEY: message" (see Error and ErrorList). All problems in a
// file are reported at once rather than one per run.
//
// The package also edits feed lists for the command line (AddFeed,
// RemoveFeed, and AddFeeds for bulk imports) and reads and writes OPML.
//
// configs imports nothing of ours: only cmd/newswire sees a whole Config and
// hands each component the values it needs.
package configs
