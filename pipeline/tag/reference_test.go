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
	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline/tag/taxonomy"
)

// This file is the reference the engine must agree with: every phrase
// tried at every position of every field, and the rules of Match applied
// to the occurrences straight from configs.Topics, with none of the
// engine's merging, indexing or sorting.

// naiveOcc is one place a phrase matched: tokens [start, end) of a field.
type naiveOcc struct{ start, end int }

// naiveFind returns every occurrence of phrase in tokens.
func naiveFind(phrase string, tokens []string) []naiveOcc {
	key, err := parsePhrase(phrase)
	if err != "" {
		panic(phrase + ": " + err)
	}
	words := strings.Split(key.tokens, " ")
	var out []naiveOcc
	for i := 0; i+len(words) <= len(tokens); i++ {
		ok := true
		for j, w := range words {
			if key.prefix && j == len(words)-1 {
				ok = strings.HasPrefix(tokens[i+j], w)
			} else {
				ok = tokens[i+j] == w
			}
			if !ok {
				break
			}
		}
		if ok {
			out = append(out, naiveOcc{i, i + len(words)})
		}
	}
	return out
}

func naiveDistance(a, b naiveOcc) int { return max(b.start-(a.end-1), a.start-(b.end-1)) }

func naiveNear(o naiveOcc, others []naiveOcc, window int) bool {
	for _, x := range others {
		if naiveDistance(o, x) <= window {
			return true
		}
	}
	return false
}

// naiveLanguage is the language whose lists apply to d.
func naiveLanguage(d Document) langSet {
	if l := languageOf(d.Language); l != 0 {
		return l
	}
	var det languageDetector
	for _, s := range []string{d.Title, d.Summary} {
		text, bounds := tokenise(s, nil, nil)
		det.add(text, bounds)
	}
	if l := det.result(); l != 0 {
		return l
	}
	return allLangs
}

// naiveItem is one scored candidate: a phrase occurrence or a near pair.
type naiveItem struct {
	display    string
	rank, ord  int // kind (0 strong, 1 weak, 5 near) and written order
	field      int
	start, end int
	weight     float64
	ok         bool
}

func orDefault[T int | float64](vals ...T) T {
	for _, v := range vals {
		if v != 0 {
			return v
		}
	}
	return 0
}

// phraseID identifies a phrase as the rules merge them: by its normalised
// tokens and prefix mark.
func phraseID(p string) string {
	k, _ := parsePhrase(p)
	return fmt.Sprint(k)
}

// naiveMatch is Match computed the slow, obvious way.
func naiveMatch(tp *configs.Topics, d Document) []feeds.TopicMatch {
	lang := naiveLanguage(d)
	fields := [][]string{Tokens(d.Title), Tokens(d.Summary), Tokens(d.Content)}
	topics := slices.Clone(tp.Topics)
	slices.SortStableFunc(topics, func(a, b configs.Topic) int { return strings.Compare(a.Name, b.Name) })
	out := []feeds.TopicMatch{}
	def := taxonomy.DefaultTopicDefaults()
	for _, t := range topics {
		minScore := orDefault(t.MinScore, tp.Defaults.MinScore, def.MinScore)
		boost := orDefault(t.TitleBoost, tp.Defaults.TitleBoost, def.TitleBoost)
		exWin := orDefault(t.ExcludeWindow, tp.Defaults.ExcludeWindow, def.ExcludeWindow)
		reqWin := orDefault(t.RequireWindow, tp.Defaults.RequireWindow, def.RequireWindow)
		passingWeight := orDefault(t.PassingWeight, tp.Defaults.PassingWeight, def.PassingWeight)
		bgWin := orDefault(t.BackgroundWindow, tp.Defaults.BackgroundWindow, def.BackgroundWindow)
		lede := len(Tokens(d.Summary[:ledeLength(d.Summary)]))
		var lists configs.PhraseLists
		for _, set := range t.PhraseSets("") {
			if set.Lang != "" && langOf(set.Lang)&lang == 0 {
				continue
			}
			lists.Strong = append(lists.Strong, set.Strong...)
			lists.Weak = append(lists.Weak, set.Weak...)
			lists.Exclude = append(lists.Exclude, set.Exclude...)
			lists.Require = append(lists.Require, set.Require...)
			lists.NoneOf = append(lists.NoneOf, set.NoneOf...)
			lists.Near = append(lists.Near, set.Near...)
			lists.Background = append(lists.Background, set.Background...)
			lists.OtherSenses = append(lists.OtherSenses, set.OtherSenses...)
		}
		vetoed := false
		for _, p := range lists.NoneOf {
			for _, toks := range fields {
				vetoed = vetoed || len(naiveFind(p, toks)) > 0
			}
		}
		if vetoed {
			continue
		}
		var items []naiveItem
		senses, context := map[string]bool{}, map[string]bool{}
		for f, toks := range fields {
			var backgrounds []naiveOcc
			for _, p := range lists.Background {
				backgrounds = append(backgrounds, naiveFind(p, toks)...)
			}
			// A hit past the summary's lede, in the content or right after
			// a background phrase outside the title is mentioned in passing.
			weigh := func(w float64, start int) float64 {
				passing := f == 2 || f == 1 && start >= lede
				for _, b := range backgrounds {
					passing = passing || f != 0 && b.end <= start && start-(b.end-1) <= bgWin
				}
				if f == 0 {
					w *= boost
				}
				if passing {
					w *= passingWeight
				}
				return w
			}
			var hits, others []naiveOcc
			for _, p := range append(slices.Clone(lists.Strong), lists.Weak...) {
				hits = append(hits, naiveFind(p, toks)...)
			}
			within := func(o naiveOcc, in []naiveOcc) bool {
				for _, x := range in {
					if x.start <= o.start && o.end <= x.end {
						return true
					}
				}
				return false
			}
			for _, p := range lists.OtherSenses {
				for _, o := range naiveFind(p, toks) {
					if !within(o, hits) {
						senses[phraseID(p)] = true
						others = append(others, o)
					}
				}
			}
			for _, p := range lists.Require {
				for _, o := range naiveFind(p, toks) {
					same := slices.ContainsFunc(hits, func(h naiveOcc) bool { return h.start == o.start && h.end == o.end })
					if !within(o, others) && !same {
						context[phraseID(p)] = true
					}
				}
			}
			var excludes, requires []naiveOcc
			for _, p := range lists.Exclude {
				excludes = append(excludes, naiveFind(p, toks)...)
			}
			for _, p := range lists.Require {
				requires = append(requires, naiveFind(p, toks)...)
			}
			for rank, list := range [][]string{lists.Strong, lists.Weak} {
				for ord, p := range list {
					for _, o := range naiveFind(p, toks) {
						ok := !naiveNear(o, excludes, exWin)
						if rank == 1 && len(lists.Require) > 0 {
							ok = ok && naiveNear(o, requires, reqWin)
						}
						items = append(items, naiveItem{p, rank, ord, f, o.start, o.end, weigh(float64(strongWeight-rank), o.start), ok})
					}
				}
			}
			for ord, n := range lists.Near {
				best := naiveItem{start: -1}
				for _, a := range naiveFind(n.A, toks) {
					for _, b := range naiveFind(n.B, toks) {
						if naiveDistance(a, b) > n.Within || naiveNear(a, excludes, exWin) || naiveNear(b, excludes, exWin) {
							continue
						}
						s, e := min(a.start, b.start), max(a.end, b.end)
						if best.start < 0 || s < best.start || s == best.start && e < best.end {
							best = naiveItem{fmt.Sprintf("%s NEAR/%d %s", n.A, n.Within, n.B), 5, ord, f, s, e, weigh(strongWeight, s), true}
						}
					}
				}
				if best.start >= 0 {
					items = append(items, best)
				}
			}
		}
		slices.SortStableFunc(items, func(a, b naiveItem) int {
			return cmp.Or(cmp.Compare(a.field, b.field), cmp.Compare(a.start, b.start), cmp.Compare(b.end, a.end),
				cmp.Compare(a.rank, b.rank), cmp.Compare(a.ord, b.ord))
		})
		m := feeds.TopicMatch{Name: t.Name}
		counted := map[string]bool{}
		mentionField, mentionEnd, best := -1, 0, 0.0
		for _, it := range items {
			if !it.ok {
				continue
			}
			// Overlapping hits are one mention, worth its best hit.
			if it.field != mentionField || it.start >= mentionEnd {
				mentionField, mentionEnd, best = it.field, it.end, 0
			} else {
				mentionEnd = max(mentionEnd, it.end)
			}
			key := fmt.Sprint(it.rank, it.ord, it.field)
			if counted[key] {
				continue
			}
			counted[key] = true
			if it.weight <= best {
				continue
			}
			m.Score += it.weight - best
			best = it.weight
			i := slices.Index(m.Matched, it.display)
			if i < 0 {
				m.Matched = append(m.Matched, it.display)
				m.Fields = append(m.Fields, nil)
				i = len(m.Matched) - 1
			}
			m.Fields[i] = append(m.Fields[i], field(it.field).String())
		}
		if m.Score >= minScore && len(senses) <= len(context) {
			out = append(out, m)
		}
	}
	return out
}

// checkAgainstNaive fails t when the engine and the reference disagree on
// the document.
func checkAgainstNaive(t *testing.T, tp *configs.Topics, r *Rules, d Document) {
	t.Helper()
	got, want := r.Match(d), naiveMatch(tp, d)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("document %+v:\nengine    %+v\nreference %+v\nrules %+v", d, got, want, tp)
	}
}

// fuzzWords overlap heavily ("ab" is a prefix of "aba", "abab" contains
// "ab" twice) so that failure and prefix links are exercised; "the",
// "der" and "ы" make the language detector decide now and then.
func fuzzWords() []string {
	return []string{"a", "b", "ab", "ba", "aab", "aba", "abb", "baa", "abab", "bab", "да", "даа", "дааб", "é", "the", "and", "der", "und", "мы"}
}

// randomTopics returns up to nTopics topics of up to nPhrases phrases
// each, drawn from words, with prefixes, every kind of list, near rules
// and language blocks. A normalised phrase occurs once per topic.
func randomTopics(rng *rand.Rand, words []string, nTopics, nPhrases int) *configs.Topics {
	tp := &configs.Topics{Defaults: configs.TopicDefaults{ExcludeWindow: rng.IntN(3), RequireWindow: rng.IntN(4),
		PassingWeight: []float64{0, 0.5, 1}[rng.IntN(3)], BackgroundWindow: rng.IntN(4)}}
	phrase := func() string {
		n := 1 + rng.IntN(3)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = words[rng.IntN(len(words))]
		}
		p := strings.Join(parts, []string{" ", "-", " , "}[rng.IntN(3)])
		if utf8.RuneCountInString(Tokens(parts[n-1])[0]) >= minPrefixRunes && rng.IntN(3) == 0 {
			p += "*"
		}
		return p
	}
	for ti := range 1 + rng.IntN(nTopics) {
		topic := configs.Topic{Name: fmt.Sprintf("t%d", ti), MinScore: float64(1 + rng.IntN(3)), ExcludeWindow: rng.IntN(4),
			PassingWeight: []float64{0, 0.25}[rng.IntN(2)]}
		seen := map[phraseKey]bool{}
		nears := map[string]bool{}
		sets := []*configs.PhraseLists{{}, &topic.Languages.EN, &topic.Languages.DE, &topic.Languages.RU}
		for range 1 + rng.IntN(nPhrases) {
			set := sets[0]
			if rng.IntN(3) == 0 {
				set = sets[1+rng.IntN(len(sets)-1)]
			}
			p := phrase()
			key, err := parsePhrase(p)
			if err != "" || seen[key] {
				continue
			}
			switch k := rng.IntN(14); {
			case k < 4:
				set.Strong = append(set.Strong, p)
			case k < 8:
				set.Weak = append(set.Weak, p)
			case k < 9:
				set.Exclude = append(set.Exclude, p)
			case k < 10:
				set.Require = append(set.Require, p)
			case k < 11:
				set.Background = append(set.Background, p)
			case k < 12:
				set.OtherSenses = append(set.OtherSenses, p)
			case k < 13 && rng.IntN(3) == 0:
				set.NoneOf = append(set.NoneOf, p)
			default:
				b := phrase()
				kb, err := parsePhrase(b)
				n := configs.Near{A: p, B: b, Within: 1 + rng.IntN(4)}
				name := fmt.Sprint(n)
				if err != "" || kb == key || nears[name] {
					continue
				}
				nears[name] = true
				set.Near = append(set.Near, n)
				continue // near sides may repeat other phrases
			}
			seen[key] = true
		}
		own := sets[0]
		topic.Strong, topic.Weak, topic.Exclude, topic.Require, topic.NoneOf, topic.Near =
			own.Strong, own.Weak, own.Exclude, own.Require, own.NoneOf, own.Near
		topic.Background, topic.OtherSenses = own.Background, own.OtherSenses
		tp.Topics = append(tp.Topics, topic)
	}
	return tp
}

// compileRandom compiles random rules, dropping topics Compile rejects
// (no evidence, or a phrase that can never count) until it accepts them.
func compileRandom(t testing.TB, tp *configs.Topics) *Rules {
	for {
		r, err := Compile(tp)
		if err == nil {
			return r
		}
		list, ok := err.(Errors)
		if !ok || len(tp.Topics) == 0 {
			t.Fatalf("Compile: %v", err)
		}
		bad := list[0].Key
		idx := -1
		fmt.Sscanf(bad, "topics[%d]", &idx)
		if idx < 0 {
			t.Fatalf("Compile: %v", err)
		}
		tp.Topics = slices.Delete(tp.Topics, idx, idx+1)
		if len(tp.Topics) == 0 {
			tp.Topics = []configs.Topic{{Name: "t", Strong: []string{"a"}}}
		}
	}
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

func randomDocument(rng *rand.Rand, words []string) Document {
	return Document{
		Title:    randomText(rng, words, 12),
		Summary:  randomText(rng, words, 40),
		Content:  randomText(rng, words, 20*rng.IntN(2)),
		Language: []string{"", "", "en-GB", "de", "ru", "xx"}[rng.IntN(6)],
	}
}
