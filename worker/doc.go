// Package worker is the polling daemon: it keeps one loop per configured
// feed, fetches the feed when it is due, parses and normalises it with
// package feeds, publishes the articles it has not published before, and
// keeps per-feed state in a JetStream KV bucket so a restart loses nothing.
//
// Lifecycle (modelled on Prometheus' scrape manager):
//
//	Poller ── Sync(specs) ──► one feedLoop per feed id
//	  │                        loop: wait until due → poll → save state
//	  │                        poll: Fetch (conditional GET) → 304? done
//	  │                              body hash unchanged? done
//	  │                              ParseBody → Normalise → drop ids in state.Seen
//	  │                              → Publisher.Publish (waits for acks) → save state
//	  └── Run(ctx): returns when ctx is done and every loop has stopped
//
// Sync diffs the new feed list against the running loops: unchanged feeds
// keep running (and their timing), removed ones stop, new or changed ones
// start. Stopping a loop cancels its wait at once; a poll in progress gets a
// short grace period to finish publishing and saving its state.
//
// Ordering: articles are published before the state that marks them seen is
// saved, so a crash in between publishes them again (harmless: the raw
// stream's Nats-Msg-Id window and the dedupe stage drop them) and never
// loses one.
//
// worker imports feeds and nothing else of ours; it reaches NATS through
// the Publisher interface and a jetstream.KeyValue.
package worker
