// Package tagtest makes synthetic topic rules and articles for the tag
// engine's benchmarks (BenchmarkMatch, bench/tag): a vocabulary of made-up
// words whose size the caller controls, so more phrases find more hits.
package tagtest

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/newswire/newswire/configs"
)

// Word returns the i-th of an endless list of distinct made-up words of
// consonant-vowel syllables, so that phrases and text share a vocabulary
// whose size the benchmark controls.
func Word(i int) string {
	const cons, vows = "bdfgklmnprstvz", "aeiou"
	syl := func(k int) string { return string(cons[k%len(cons)]) + string(vows[k/len(cons)%len(vows)]) }
	n := len(cons) * len(vows)
	w := syl(i%n) + syl(i/n%n)
	for i /= n * n; i > 0; i /= n {
		w += syl(i % n)
	}
	return w
}

// Article returns about size bytes of prose drawn from the 3,000
// commonest words, with punctuation and capitals.
func Article(size int) string {
	rng := rand.New(rand.NewPCG(42, uint64(size)))
	var b strings.Builder
	for b.Len() < size {
		w := Word(rng.IntN(3000))
		if rng.IntN(10) == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
		b.WriteString([]string{" ", " ", " ", ", ", ". ", "-"}[rng.IntN(6)])
	}
	return b.String()
}

// PhraseTopics returns n phrases of one to three words from a
// 50,000-word vocabulary (so more phrases find more hits in the article),
// a tenth of them prefixes, in topics of perTopic phrases: two fifths
// strong, two fifths weak, one fifth context phrases in turn exclude,
// require, background and other_senses (from words of their own, so that
// no exclude always vetoes a phrase: Compile rejects such rules). Topics
// count hits past the lede half (passing_weight 0.5).
func PhraseTopics(n, perTopic int) *configs.Topics {
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	tp := &configs.Topics{Defaults: configs.TopicDefaults{PassingWeight: 0.5}}
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		if len(tp.Topics) <= i/perTopic {
			tp.Topics = append(tp.Topics, configs.Topic{Name: fmt.Sprintf("topic%d", i/perTopic)})
		}
		topic := &tp.Topics[len(tp.Topics)-1]
		words := make([]string, 1+rng.IntN(3))
		for j := range words {
			if i%5 == 4 {
				words[j] = Word(50000 + rng.IntN(50000))
			} else {
				words[j] = Word(rng.IntN(50000))
			}
		}
		phrase := strings.Join(words, " ")
		if seen[phrase] {
			i--
			continue
		}
		seen[phrase] = true
		if rng.IntN(10) == 0 {
			phrase += "*"
		}
		switch i % 5 {
		case 0, 1:
			topic.Strong = append(topic.Strong, phrase)
		case 2, 3:
			topic.Weak = append(topic.Weak, phrase)
		default:
			// The context lists take turns: each is looked up around
			// the hits in its own way.
			switch (i / 5) % 4 {
			case 0:
				topic.Exclude = append(topic.Exclude, phrase)
			case 1:
				topic.Require = append(topic.Require, phrase)
			case 2:
				topic.Background = append(topic.Background, phrase)
			default:
				topic.OtherSenses = append(topic.OtherSenses, phrase)
			}
		}
	}
	return tp
}
