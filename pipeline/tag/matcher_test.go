package tag

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/newswire/newswire/configs"
)

// naiveScan is the reference the automaton must agree with: every pattern
// tried at every position.
func naiveScan(patterns []phraseKey, tokens []string, f field, occ []occurrence) []occurrence {
	for p, key := range patterns {
		words := strings.Split(key.tokens, " ")
		for i := 0; i+len(words) <= len(tokens); i++ {
			ok := true
			for j, w := range words {
				tok := tokens[i+j]
				if key.prefix && j == len(words)-1 {
					ok = strings.HasPrefix(tok, w)
				} else {
					ok = tok == w
				}
				if !ok {
					break
				}
			}
			if ok {
				occ = append(occ, occurrence{int32(p), f, int32(i), int32(i + len(words))})
			}
		}
	}
	return occ
}

// patternKeys returns the normalised phrase of each pattern of r.
func patternKeys(t testing.TB, r *Rules) []phraseKey {
	keys := make([]phraseKey, len(r.uses))
	for p, uses := range r.uses {
		key, err := parsePhrase(r.entries[uses[0]].phrase)
		if err != nil {
			t.Fatal(err)
		}
		keys[p] = key
	}
	return keys
}

func sortOccurrences(occ []occurrence) []occurrence {
	slices.SortFunc(occ, func(a, b occurrence) int {
		return cmp.Or(cmp.Compare(a.field, b.field), cmp.Compare(a.start, b.start),
			cmp.Compare(a.end, b.end), cmp.Compare(a.pattern, b.pattern))
	})
	return occ
}

// checkAgainstNaive fails t when the automaton and the naive scan find
// different occurrences in title and summary, or score them differently.
func checkAgainstNaive(t *testing.T, r *Rules, title, summary string) {
	t.Helper()
	keys := patternKeys(t, r)
	var want []occurrence
	want = naiveScan(keys, Tokens(title), fieldTitle, want)
	want = naiveScan(keys, Tokens(summary), fieldSummary, want)
	got := r.scan(title, summary)
	if !reflect.DeepEqual(sortOccurrences(slices.Clone(got)), sortOccurrences(slices.Clone(want))) {
		t.Fatalf("title %q summary %q:\nautomaton %v\nnaive     %v\npatterns %+v", title, summary, got, want, keys)
	}
	if m, n := r.Match(title, summary), r.matches(want); !reflect.DeepEqual(m, n) {
		t.Fatalf("title %q summary %q: Match %+v, scored from naive %+v", title, summary, m, n)
	}
}

// fuzzWords overlap heavily ("ab" is a prefix of "aba", "abab" contains
// "ab" twice) so that failure and prefix links are exercised.
func fuzzWords() []string {
	return []string{"a", "b", "ab", "ba", "aab", "aba", "abb", "baa", "abab", "bab", "да", "даа", "дааб", "é"}
}

// randomTopics returns up to nTopics topics of up to nPhrases phrases
// each, drawn from words, with prefixes, exclusions and thresholds.
func randomTopics(rng *rand.Rand, words []string, nTopics, nPhrases int) *configs.Topics {
	tp := &configs.Topics{Defaults: configs.TopicDefaults{ExcludeWindow: rng.IntN(3)}}
	for ti := range 1 + rng.IntN(nTopics) {
		topic := configs.Topic{Name: fmt.Sprintf("t%d", ti), MinScore: float64(1 + rng.IntN(3)), ExcludeWindow: rng.IntN(4)}
		seen := map[phraseKey]bool{}
		for range 1 + rng.IntN(nPhrases) {
			n := 1 + rng.IntN(4)
			parts := make([]string, n)
			for i := range parts {
				parts[i] = words[rng.IntN(len(words))]
			}
			phrase := strings.Join(parts, []string{" ", "-", " , "}[rng.IntN(3)])
			if utf8.RuneCountInString(parts[n-1]) >= minPrefixRunes && rng.IntN(3) == 0 {
				phrase += "*"
			}
			key, err := parsePhrase(phrase)
			if err != nil || seen[key] {
				continue
			}
			seen[key] = true
			switch rng.IntN(5) {
			case 0, 1:
				topic.Strong = append(topic.Strong, phrase)
			case 2, 3:
				topic.Weak = append(topic.Weak, phrase)
			default:
				topic.Exclude = append(topic.Exclude, phrase)
			}
		}
		if len(topic.Strong)+len(topic.Weak) > 0 {
			tp.Topics = append(tp.Topics, topic)
		}
	}
	if len(tp.Topics) == 0 {
		tp.Topics = []configs.Topic{{Name: "t", Strong: []string{"a"}}}
	}
	return tp
}

func randomText(rng *rand.Rand, words []string, n int) string {
	var b strings.Builder
	for range rng.IntN(n + 1) {
		w := words[rng.IntN(len(words))]
		if rng.IntN(4) == 0 {
			w = strings.ToUpper(w)
		}
		b.WriteString(w)
		b.WriteString([]string{" ", " ", "-", ". ", "’"}[rng.IntN(5)])
	}
	return b.String()
}

func TestMatcherAgreesWithNaive(t *testing.T) {
	for i := range 3000 {
		rng := rand.New(rand.NewPCG(1, uint64(i)))
		r, err := Compile(randomTopics(rng, fuzzWords(), 4, 12))
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstNaive(t, r, randomText(rng, fuzzWords(), 12), randomText(rng, fuzzWords(), 40))
	}
}

// FuzzMatch checks the automaton against the naive scan on arbitrary
// text, with random rules and with phrases cut from the text itself so
// that arbitrary Unicode is matched, not only the fuzz word list.
func FuzzMatch(f *testing.F) {
	f.Add(uint64(1), "Ceasefire: a cease-fire, the CEASE FIRE holds", "new sanctions; sanctioned")
	f.Add(uint64(2), "ab aba abab ba bab", "аба да даа дааб")
	f.Add(uint64(3), "перемир'я і санкції", "Trêve à Gaza, TRÊVE")
	f.Fuzz(func(t *testing.T, seed uint64, title, summary string) {
		rng := rand.New(rand.NewPCG(seed, 7))
		words := append(fuzzWords(), Tokens(title+" "+summary)...)
		tp := randomTopics(rng, words, 3, 10)
		r, err := Compile(tp)
		if err != nil {
			t.Fatalf("Compile(%+v): %v", tp, err)
		}
		checkAgainstNaive(t, r, title, summary)
		if toks := Tokens(title); !slices.Equal(Tokens(strings.Join(toks, " ")), toks) {
			t.Errorf("Tokens is not idempotent on %q: %q", title, toks)
		}
	})
}

// benchWord returns the i-th of an endless list of distinct made-up words
// of consonant-vowel syllables.
func benchWord(i int) string {
	const cons, vows = "bdfgklmnprstvz", "aeiou"
	syl := func(k int) string { return string(cons[k%len(cons)]) + string(vows[k/len(cons)%len(vows)]) }
	n := len(cons) * len(vows)
	w := syl(i%n) + syl(i/n%n)
	for i /= n * n; i > 0; i /= n {
		w += syl(i % n)
	}
	return w
}

// benchArticle returns about size bytes of prose drawn from the 3,000
// commonest bench words, with punctuation and capitals.
func benchArticle(size int) string {
	rng := rand.New(rand.NewPCG(42, 42))
	var b strings.Builder
	for b.Len() < size {
		w := benchWord(rng.IntN(3000))
		if rng.IntN(10) == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		}
		b.WriteString(w)
		b.WriteString([]string{" ", " ", " ", ", ", ". ", "-"}[rng.IntN(6)])
	}
	return b.String()
}

// benchTopics returns n phrases of one to three words from a 50,000-word
// vocabulary, a tenth of them prefixes, in topics of 100 phrases.
func benchTopics(n int) *configs.Topics {
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	tp := &configs.Topics{}
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		if i%100 == 0 {
			clear(seen)
			tp.Topics = append(tp.Topics, configs.Topic{Name: fmt.Sprintf("topic%d", i/100)})
		}
		topic := &tp.Topics[len(tp.Topics)-1]
		words := make([]string, 1+rng.IntN(3))
		for j := range words {
			words[j] = benchWord(rng.IntN(50000))
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
			topic.Exclude = append(topic.Exclude, phrase)
		}
	}
	return tp
}

// BenchmarkMatch tags a 4 KB article with 100, 1,000 and 10,000 phrases:
// the scan is one pass whatever the number of phrases, so time per article
// grows only with the hits found (reported as hits/op).
func BenchmarkMatch(b *testing.B) {
	article := benchArticle(4096)
	title := benchArticle(80)
	for _, n := range []int{100, 1000, 10000} {
		r, err := Compile(benchTopics(n))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("phrases=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(article) + len(title)))
			b.ReportAllocs()
			for b.Loop() {
				r.Match(title, article)
			}
			b.ReportMetric(float64(len(r.scan(title, article))), "hits/op")
		})
	}
}
