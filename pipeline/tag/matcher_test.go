package tag

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/newswire/newswire/pipeline/tag/tagtest"
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
	s := newScratch()
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

// BenchmarkMatch tags a 4 KB article with 100, 1,000 and 10,000 phrases:
// the scan is one pass whatever the number of phrases, so time per article
// grows only with the hits found (reported as hits/op).
func BenchmarkMatch(b *testing.B) {
	article := tagtest.Article(4096)
	title := tagtest.Article(80)
	for _, n := range []int{100, 1000, 10000} {
		r, err := Compile(tagtest.PhraseTopics(n, 100))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("phrases=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(article) + len(title)))
			b.ReportAllocs()
			for b.Loop() {
				r.Match(Document{Title: title, Summary: article})
			}
			s := newScratch()
			r.scan(Document{Title: title, Summary: article}, s)
			b.ReportMetric(float64(len(s.occ)), "hits/op")
		})
	}
}

// BenchmarkMatchRepetitive tags texts that repeat the shipped rules'
// phrases, near pairs and context words over and over, at three lengths:
// MB/s must stay about flat as the text grows (cost linear in its
// length), where comparing every pair of occurrences would fall with the
// square of it.
func BenchmarkMatchRepetitive(b *testing.B) {
	r := compileShipped(b)
	unit := "Hostage deal in Gaza, sanctions imposed on Russia due to the war; a truce with the army. "
	for _, size := range []int{10 << 10, 160 << 10, 1 << 20} {
		text := strings.Repeat(unit, size/len(unit))
		b.Run(fmt.Sprintf("bytes=%d", len(text)), func(b *testing.B) {
			b.SetBytes(int64(2 * len(text)))
			for b.Loop() {
				r.Match(Document{Title: text, Summary: text, Language: "en"})
			}
		})
	}
}
