package dedupe_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/newswire/newswire/pipeline/dedupe"
	"github.com/newswire/newswire/pipeline/natstest"
)

// TestEarlierStoredCopyWins races copies against their originals: each
// copy is published right after its original's ack, so the two are in the
// stage's hands at once (64 handled concurrently). Whatever the scheduling,
// the story published is the original, the one NEWS_RAW stored first —
// for exact copies (the same text under another feed and link) and for
// near-duplicates (an edited headline over a trimmed summary) alike.
func TestEarlierStoredCopyWins(t *testing.T) {
	t.Parallel()
	srv := natstest.Start(t)
	runWindowed(t, srv, 64)
	const stories = 300
	rng := rand.New(rand.NewPCG(3, 5))
	for i := range stories {
		title, summary := dedupe.RandomText(rng, 10), dedupe.RandomText(rng, 40)
		publish(t, srv.JS, art(fmt.Sprintf("wire%d", i%7), fmt.Sprintf("orig-%d", i), fmt.Sprintf("o-%d", i),
			fmt.Sprintf("https://wire.example/%d", i), title, summary))
		copyTitle, copySummary := title, summary
		if i%2 == 1 { // a near-duplicate: another headline word, the summary's last words trimmed
			copyTitle = "Update: " + title
			copySummary = summary[:strings.LastIndexByte(summary[:len(summary)*4/5], ' ')]
		}
		publish(t, srv.JS, art(fmt.Sprintf("outlet%d", i%5), fmt.Sprintf("copy-%d", i), fmt.Sprintf("c-%d", i),
			fmt.Sprintf("https://outlet.example/story-%d", i), copyTitle, copySummary))
	}
	got := uniqueIDs(t, srv.JS, stories)
	var copies []string
	for _, id := range got {
		if strings.HasPrefix(id, "copy-") {
			copies = append(copies, id)
		}
	}
	if len(got) != stories || len(copies) > 0 {
		t.Fatalf("%d stories published, %d of them a copy stored after its original (%v); want %d originals",
			len(got), len(copies), copies, stories)
	}
}
