package tag

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/newswire/newswire/configs"
)

func TestMatcherAgreesWithNaive(t *testing.T) {
	for i := range 3000 {
		rng := rand.New(rand.NewPCG(1, uint64(i)))
		tp := randomTopics(rng, fuzzWords(), 4, 14)
		r := compileRandom(t, tp)
		d := randomDocument(rng, fuzzWords())
		checkScanAgainstNaive(t, r, d)
		checkAgainstNaive(t, tp, r, d)
	}
}

// checkScanAgainstNaive fails t when the automaton finds other
// occurrences than trying every pattern at every position.
func checkScanAgainstNaive(t *testing.T, r *Rules, d Document) {
	t.Helper()
	var want []occurrence
	for f, text := range []string{d.Title, d.Summary, d.Content} {
		toks := Tokens(text)
		for p, uses := range r.uses {
			e := r.entries[uses[0]]
			phrase := e.key.tokens
			if e.key.prefix {
				phrase += "*"
			}
			for _, o := range naiveFind(phrase, toks) {
				want = append(want, occurrence{int32(p), field(f), int32(o.start), int32(o.end)})
			}
		}
	}
	s := &scratch{}
	r.scan(d, s)
	if got := sortOccurrences(s.occ); !reflect.DeepEqual(got, sortOccurrences(want)) {
		t.Fatalf("document %+v:\nautomaton %v\nnaive     %v", d, got, want)
	}
}

func sortOccurrences(occ []occurrence) []occurrence {
	slices.SortFunc(occ, func(a, b occurrence) int {
		return cmp.Or(cmp.Compare(a.field, b.field), cmp.Compare(a.start, b.start),
			cmp.Compare(a.end, b.end), cmp.Compare(a.pattern, b.pattern))
	})
	return occ
}

// FuzzMatch checks the engine against the reference on arbitrary text,
// with random rules and with phrases cut from the text itself so that
// arbitrary Unicode is matched, not only the fuzz word list.
func FuzzMatch(f *testing.F) {
	f.Add(uint64(1), "Ceasefire: a cease-fire, the CEASE FIRE holds", "new sanctions; sanctioned", "")
	f.Add(uint64(2), "ab aba abab ba bab", "аба да даа дааб", "de")
	f.Add(uint64(3), "перемир'я і санкції", "Trêve à Gaza, TRÊVE", "fr-FR")
	f.Fuzz(func(t *testing.T, seed uint64, title, summary, lang string) {
		rng := rand.New(rand.NewPCG(seed, 7))
		words := append(fuzzWords(), Tokens(title+" "+summary)...)
		tp := randomTopics(rng, words, 3, 12)
		r := compileRandom(t, tp)
		d := Document{Title: title, Summary: summary, Content: randomText(rng, words, 10), Language: lang}
		checkScanAgainstNaive(t, r, d)
		checkAgainstNaive(t, tp, r, d)
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
		if len(tp.Topics) <= i/100 {
			clear(seen)
			tp.Topics = append(tp.Topics, configs.Topic{Name: fmt.Sprintf("topic%d", i/100)})
		}
		topic := &tp.Topics[len(tp.Topics)-1]
		words := make([]string, 1+rng.IntN(3))
		for j := range words {
			words[j] = benchWord(rng.IntN(50000))
			if i%5 == 4 {
				// Excludes from words of their own, so that none always
				// vetoes a hit phrase (Compile rejects such rules).
				words[j] = benchWord(50000 + rng.IntN(50000))
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
				r.Match(Document{Title: title, Summary: article})
			}
			s := &scratch{}
			r.scan(Document{Title: title, Summary: article}, s)
			b.ReportMetric(float64(len(s.occ)), "hits/op")
		})
	}
}
