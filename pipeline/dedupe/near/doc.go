// Package near recognises near-duplicate stories: the same article carried
// by several outlets with an edited headline, a trimmed or rewritten
// summary and another link. It is the third level of dedupe, after feed
// identity and content hash (pipeline/dedupe).
//
// Data flow:
//
//	title, summary ──Sign──▶ Signature ──Encode──▶ article JSON dedupe.minhash
//	                             │                  (shared by replicas, persisted)
//	                             ▼
//	                  Index.Query ──▶ candidates from shared LSH bands
//	                             │    (summary MinHash bands, headline bands;
//	                             │    a key KeyLimit stories share is skipped)
//	                             ▼
//	                  Compare ──▶ Scores ──Params.Same──▶ matches, best first
//	                             │
//	       new story: Index.Add; Index.Expire(now − window) forgets old ones
//
// A signature has two parts, because a syndicated copy keeps either its
// headline or its lede, rarely both intact:
//
//   - the summary as the set of its word 3-shingles (16-bit hashes), from
//     which Estimate gives Jaccard similarity and containment (a trimmed
//     summary is contained in the full one), and a MinHash of the same
//     shingles that files the story in LSH bands;
//   - the headline as 16-bit hashes of its word bigrams and words, plus
//     hashes of every word of the item, so that a headline can be checked
//     against the other item's whole text.
//
// The summary bands are single MinHash values, so that a lede inside a long
// standfirst + lede + more (Jaccard 0.1–0.2, containment 1) still meets its
// copy; a key that many remembered stories share (a common shingle, a feed's
// boilerplate) is common vocabulary, not evidence, and is skipped, which
// keeps a query's work bounded however large the window (bands.go).
//
// The Index keeps a story's sets Rice coded and its band entries packed
// (about 320 bytes a story at 1,000,000; index.go, record.go, bands.go),
// without losing a bit of what Compare and the bands read.
//
// Params.Decide holds the decision rule: another kind of item (live, video,
// gallery, newsletter) or the same article number of one publisher first,
// then the same text (summary Jaccard), a trimmed or extended copy (summary
// containment, the headline supported by the other item), a lightly edited
// copy (both summary and headline partly kept), the same headline of one
// publisher, or the same long headline over different summaries. Quoted
// text is no evidence. DefaultParams were chosen by measurement on the
// labelled pairs in ../shared/eval/dedupe-dev*.jsonl (eval_test.go; bench/dedupe
// -section rules for how the choice holds up on pairs it was not made on).
//
// Everything here is deterministic across processes and versions of Go:
// hashes are FNV-1a, splitmix64 and fixed-seed multiply-shift, never
// maphash (TestSignStable pins them).
//
// near imports feeds (for its text normalisation) and nothing of the
// pipeline: it knows nothing of NATS, articles or ids beyond strings.
package near
