// Package neartest makes synthetic stories for benchmarks of package near:
// headlines and summaries of words drawn from a Zipf-distributed
// vocabulary, so that common words and shingles are as common as in news
// and LSH buckets of frequent values fill as they would.
//
// neartest imports only the standard library.
package neartest

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// Generator makes stories deterministically from its seed. It is not safe
// for concurrent use.
type Generator struct {
	rng   *rand.Rand
	zipf  *rand.Zipf
	vocab []string
}

// New returns a generator over a vocabulary of 50,000 words.
func New(seed uint64) *Generator {
	rng := rand.New(rand.NewPCG(seed, 0x6e6577))
	vocab := make([]string, 50000)
	for i := range vocab {
		vocab[i] = "w" + strconv.FormatUint(rng.Uint64()%1e9, 36)
	}
	return &Generator{rng: rng, zipf: rand.NewZipf(rng, 1.1, 2, uint64(len(vocab)-1)), vocab: vocab}
}

func (g *Generator) text(words int) string {
	var b strings.Builder
	for i := 0; i < words; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.vocab[g.zipf.Uint64()])
	}
	return b.String()
}

// Story returns a headline of 7–14 words and a summary of 20–60 words.
func (g *Generator) Story() (title, summary string) {
	return g.text(7 + g.rng.IntN(8)), g.text(20 + g.rng.IntN(41))
}

// Copy returns a syndicated copy of a story: the same summary cut to its
// first two thirds, under the same headline with one word replaced.
func (g *Generator) Copy(title, summary string) (string, string) {
	tw := strings.Fields(title)
	tw[g.rng.IntN(len(tw))] = g.vocab[g.zipf.Uint64()]
	sw := strings.Fields(summary)
	return strings.Join(tw, " "), strings.Join(sw[:len(sw)*2/3], " ")
}
