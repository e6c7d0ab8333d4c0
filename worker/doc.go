// Package worker is the polling daemon: it decides when each feed is due,
// fetches it with package feeds, parses only the items it has not seen,
// publishes their articles and keeps per-feed state in a JetStream KV bucket
// so that restarts and replicas lose nothing and repeat nothing.
//
// Data flow:
//
//	Poller.Sync(specs) ──► feedTask per feed, in a heap ordered by wake time
//	Poller.Run: dispatcher pops due tasks (none while 4 × Concurrency run,
//	            not counting those waiting for their host; the backlog
//	            waits in the heap) ──► go feedTask.run:
//	    lease held? else take it (KV compare-and-set on the state's revision)
//	    wait for the host (per-host slots, spacing, Retry-After pause)
//	    then for a global slot
//	    Fetch (conditional GET) ── 304 / same bytes ──► nothing to parse
//	    ParseNew (only items whose hash is not in <feed>.seen) → Normalise
//	    Publisher.Publish (waits for the broker's acks) → save <feed>.seen
//	    schedule: adapt the interval or back off, honour hints → NextDue
//	    save the state with the lease renewed through NextDue (one write)
//	    ──► back into the heap at NextDue
//
// The scheduling rules are pure functions in schedule.go; per-host
// politeness and outage detection are in hosts.go.
//
// Ordering: articles are published before the item hashes that mark them
// seen are saved, so a crash in between publishes them again (harmless: the
// raw stream's Nats-Msg-Id window and the dedupe stage drop them) and never
// loses one.
//
// worker imports feeds and nothing else of ours; it reaches NATS through the
// Publisher interface and a jetstream.KeyValue.
package worker
