package tag

import (
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline/tag/taxonomy"
)

// testTopics are small rules whose scores are easy to work out by hand.
// Defaults are zero, so Compile's own fallbacks apply: min_score 2,
// title_boost 2, exclude_window 3.
func testTopics() *configs.Topics {
	return &configs.Topics{Topics: []configs.Topic{
		{
			Name:    "sanctions",
			Strong:  []string{"new sanctions", "санкции против"},
			Weak:    []string{"sanction*", "санкци*"},
			Exclude: []string{"judge"},
		},
		{
			Name:    "ceasefire",
			Strong:  []string{"ceasefire", "cease fire", "cease-fire", "truce", "trêve", "перемири*"},
			Weak:    []string{"war", "fighting"},
			Exclude: []string{"trade truce", "tariff"},
		},
		{
			Name:       "strict",
			Strong:     []string{"summit"},
			MinScore:   3,
			TitleBoost: 1,
		},
	}}
}

func mustCompile(t testing.TB, topics *configs.Topics) *Rules {
	t.Helper()
	r, err := Compile(topics)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMatch(t *testing.T) {
	r := mustCompile(t, testTopics())
	tests := []struct {
		name           string
		title, summary string
		want           []feeds.TopicMatch
	}{
		{name: "nothing", title: "Weather", summary: "Sunny.", want: []feeds.TopicMatch{}},
		{name: "strong in title counts title_boost times", title: "Ceasefire agreed",
			want: []feeds.TopicMatch{{Name: "ceasefire", Score: 4, Matched: []string{"ceasefire"}}}},
		{name: "strong in summary", summary: "The ceasefire holds.",
			want: []feeds.TopicMatch{{Name: "ceasefire", Score: 2, Matched: []string{"ceasefire"}}}},
		{name: "hyphen and space spell one phrase, the first written is reported", summary: "A CEASE-FIRE.",
			want: []feeds.TopicMatch{{Name: "ceasefire", Score: 2, Matched: []string{"cease fire"}}}},
		{name: "ceasefire and cease fire are two phrases", summary: "ceasefire, or a cease fire",
			want: []feeds.TopicMatch{{Name: "ceasefire", Score: 4, Matched: []string{"ceasefire", "cease fire"}}}},
		{name: "a phrase counts once per field", summary: "truce, truce and truce",
			want: []feeds.TopicMatch{{Name: "ceasefire", Score: 2, Matched: []string{"truce"}}}},
		{name: "and once in each field", title: "Truce", summary: "The truce holds",
			want: []feeds.TopicMatch{{Name: "ceasefire", Score: 6, Matched: []string{"truce"}}}},
		{name: "two weak phrases", summary: "War, and fighting.",
			want: []feeds.TopicMatch{{Name: "ceasefire", Score: 2, Matched: []string{"war", "fighting"}}}},
		{name: "whole words: warn is not war", summary: "They warn of fighting.", want: []feeds.TopicMatch{}},
		{name: "one weak phrase is not enough", summary: "fighting", want: []feeds.TopicMatch{}},
		{name: "matched in order of first appearance, title first", title: "Fighting goes on",
			summary: "War: a truce and more fighting",
			want:    []feeds.TopicMatch{{Name: "ceasefire", Score: 2 + 1 + 2 + 1, Matched: []string{"fighting", "war", "truce"}}}},
		{name: "overlapping exclude vetoes", summary: "A trade truce.", want: []feeds.TopicMatch{}},
		{name: "exclude within the window vetoes", summary: "truce over a tariff", want: []feeds.TopicMatch{}},
		{name: "exclude outside the window does not", summary: "truce, then talk of a tariff",
			want: []feeds.TopicMatch{{Name: "ceasefire", Score: 2, Matched: []string{"truce"}}}},
		{name: "exclude before the hit, within the window", summary: "tariff talk, then truce",
			want: []feeds.TopicMatch{}},
		{name: "exclude before the hit, outside the window", summary: "tariff talk ended, then truce",
			want: []feeds.TopicMatch{{Name: "ceasefire", Score: 2, Matched: []string{"truce"}}}},
		{name: "a veto in the title leaves the summary alone", title: "Trade truce", summary: "The truce holds.",
			want: []feeds.TopicMatch{{Name: "ceasefire", Score: 2, Matched: []string{"truce"}}}},
		{name: "one vetoed occurrence leaves the others", summary: "A trade truce, then a real truce.",
			want: []feeds.TopicMatch{{Name: "ceasefire", Score: 2, Matched: []string{"truce"}}}},
		{name: "weak prefix hit in the summary alone", summary: "He was sanctioned.", want: []feeds.TopicMatch{}},
		{name: "prefix and strong overlap: one mention, its best hit counts", title: "New sanctions",
			want: []feeds.TopicMatch{{Name: "sanctions", Score: 4, Matched: []string{"new sanctions"}}}},
		{name: "weak then strong in one mention: the strong one adds the rest", title: "Sanctioned, new sanctions",
			want: []feeds.TopicMatch{{Name: "sanctions", Score: 2 + 4, Matched: []string{"sanction*", "new sanctions"}}}},
		{name: "prefix in title alone reaches min_score 2 with boost 2", title: "Sanctioning",
			want: []feeds.TopicMatch{{Name: "sanctions", Score: 2, Matched: []string{"sanction*"}}}},
		{name: "exclude vetoes a prefix hit", title: "Judge sanctions lawyers", want: []feeds.TopicMatch{}},
		{name: "prefix must start the token", summary: "unsanctioned", want: []feeds.TopicMatch{}},
		{name: "diacritics", summary: "Une TRÊVE, une treve",
			want: []feeds.TopicMatch{{Name: "ceasefire", Score: 2, Matched: []string{"trêve"}}}},
		{name: "Cyrillic, case-folded, prefix", title: "ПЕРЕМИРИЕ",
			want: []feeds.TopicMatch{{Name: "ceasefire", Score: 4, Matched: []string{"перемири*"}}}},
		{name: "Cyrillic phrase with й folded", summary: "Новые Санкций против России",
			want: []feeds.TopicMatch{{Name: "sanctions", Score: 2, Matched: []string{"санкции против"}}}},
		{name: "sorted by name", title: "New sanctions after the truce",
			want: []feeds.TopicMatch{
				{Name: "ceasefire", Score: 4, Matched: []string{"truce"}},
				{Name: "sanctions", Score: 4, Matched: []string{"new sanctions"}},
			}},
		{name: "own min_score and title_boost", title: "Summit", want: []feeds.TopicMatch{}},
		{name: "own min_score reached in both fields", title: "Summit news", summary: "The summit.",
			want: []feeds.TopicMatch{{Name: "strict", Score: 4, Matched: []string{"summit"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := withoutFields(r.Match(Document{Title: tt.title, Summary: tt.summary}))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Match(%q, %q) = %+v, want %+v", tt.title, tt.summary, got, tt.want)
			}
		})
	}
}

// withoutFields drops TopicMatch.Fields, which TestMatchFields checks.
func withoutFields(ms []feeds.TopicMatch) []feeds.TopicMatch {
	for i := range ms {
		ms[i].Fields = nil
	}
	return ms
}

func TestExplain(t *testing.T) {
	r := mustCompile(t, testTopics())
	got := r.Explain(Document{Title: "Trade truce holds", Summary: "The truce holds, the truce."}).Topics
	want := []Explanation{{
		Topic: "ceasefire", Score: 2, MinScore: 2, Matched: true,
		Hits: []Hit{
			{Phrase: "truce", Kind: "strong", Field: "title", Start: 1, End: 2, VetoedBy: "trade truce"},
			{Phrase: "truce", Kind: "strong", Field: "summary", Start: 1, End: 2, Score: 2},
			{Phrase: "truce", Kind: "strong", Field: "summary", Start: 4, End: 5},
		},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Explain = %+v\nwant %+v", got, want)
	}
	if got := r.Explain(Document{}).Topics; got == nil || len(got) != 0 {
		t.Errorf("Explain of empty text = %#v, want empty", got)
	}
}

func TestCompileErrors(t *testing.T) {
	one := func(tp configs.Topic) *configs.Topics { return &configs.Topics{Topics: []configs.Topic{tp}} }
	tests := []struct {
		name    string
		topics  *configs.Topics
		wantErr string
	}{
		{"nil", nil, "tag: no topic rules"},
		{"empty name", one(configs.Topic{Strong: []string{"x"}}), "topics[0].name: required"},
		{"bad name", one(configs.Topic{Name: "Cease Fire", Strong: []string{"x"}}),
			`topics[0].name: invalid topic name "Cease Fire": want lowercase a-z, 0-9, _ and -`},
		{"twice", &configs.Topics{Topics: []configs.Topic{{Name: "a", Strong: []string{"x"}}, {Name: "a", Weak: []string{"y"}}}},
			`topics[1].name: duplicate topic name "a" (first at topics[0])`},
		{"no phrases", one(configs.Topic{Name: "a", Exclude: []string{"x"}}), `topics[0]: topic has no phrases`},
		{"empty phrase", one(configs.Topic{Name: "a", Strong: []string{"--"}}),
			`topics[0].strong[0]: phrase can never match: "--": no letters or digits`},
		{"short prefix", one(configs.Topic{Name: "a", Weak: []string{"ab*"}}),
			`topics[0].weak[0]: phrase can never match: "ab*": prefix "ab": want at least 3 letters`},
		{"inner star", one(configs.Topic{Name: "a", Weak: []string{"a*b"}}),
			`topics[0].weak[0]: phrase can never match: "a*b": "*" is allowed only at the end`},
		{"strong and weak", one(configs.Topic{Name: "a", Strong: []string{"cease fire"}, Weak: []string{"Cease-Fire"}}),
			`topics[0].weak[0]: weak phrase "Cease-Fire" is also strong phrase "cease fire" (topics[0].strong[0])`},
		{"hit and exclude", one(configs.Topic{Name: "a", Strong: []string{"truce"}, Exclude: []string{"truce"}}),
			`topics[0].exclude[0]: exclude phrase "truce" is also strong phrase "truce" (topics[0].strong[0])`},
		{"across languages", one(configs.Topic{Name: "a", Strong: []string{"embargo"},
			Languages: configs.Languages{ES: configs.PhraseLists{NoneOf: []string{"Embargo"}}}}),
			`topics[0].languages.es.none_of[0]: none_of phrase "Embargo" is also strong phrase "embargo" (topics[0].strong[0])`},
		{"exclude always vetoes", one(configs.Topic{Name: "a", Strong: []string{"trade truce", "truce"}, Exclude: []string{"trade"}}),
			`topics[0].strong[0]: phrase can never count: "trade truce": exclude "trade" always vetoes it (topics[0].exclude[0])`},
		{"prefix exclude always vetoes", one(configs.Topic{Name: "a", Strong: []string{"x"}, Weak: []string{"tariffs*"}, Exclude: []string{"tariff*"}}),
			`topics[0].weak[0]: phrase can never count: "tariffs*": exclude "tariff*" always vetoes it (topics[0].exclude[0])`},
		{"none_of inside a phrase", one(configs.Topic{Name: "a", Strong: []string{"olympic truce", "truce"}, NoneOf: []string{"olympic"}}),
			`topics[0].strong[0]: phrase can never count: "olympic truce": none_of "olympic" vetoes the topic whenever it occurs (topics[0].none_of[0])`},
		{"near side always vetoed", one(configs.Topic{Name: "a", Strong: []string{"x"}, Exclude: []string{"fifa"},
			Near: []configs.Near{{A: "fifa sanctions", B: "russia", Within: 3}}}),
			`topics[0].near[0].a: phrase can never count: "fifa sanctions": exclude "fifa" always vetoes it (topics[0].exclude[0])`},
		{"near same phrase", one(configs.Topic{Name: "a", Near: []configs.Near{{A: "EU", B: "eu", Within: 3}}}),
			`topics[0].near[0]: a and b are the same phrase "EU"`},
		{"near within", one(configs.Topic{Name: "a", Near: []configs.Near{{A: "eu", B: "sanctions"}}}),
			`topics[0].near[0].within: must be positive, got 0`},
		{"negative min_score", one(configs.Topic{Name: "a", Strong: []string{"x"}, MinScore: -1}),
			`topics[0].min_score: must be positive, got -1`},
		{"negative window", &configs.Topics{Defaults: configs.TopicDefaults{ExcludeWindow: -2}, Topics: []configs.Topic{{Name: "a", Strong: []string{"x"}}}},
			`defaults.exclude_window: must not be negative, got -2`},
		{"passing weight above 1", one(configs.Topic{Name: "a", Strong: []string{"x"}, PassingWeight: 1.5}),
			`topics[0].passing_weight: must be more than 0 and at most 1, got 1.5`},
		{"negative background window", one(configs.Topic{Name: "a", Strong: []string{"x"}, BackgroundWindow: -1}),
			`topics[0].background_window: must not be negative, got -1`},
		{"other sense and require may share nothing with the hits' index", one(configs.Topic{Name: "a", Strong: []string{"truce"}, OtherSenses: []string{"trade", "Trade"}, Background: []string{"truce"}}),
			""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.topics)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("Compile error = %v, want none", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Compile error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestCompileErrorsHaveLines checks that what only Compile can find is
// reported at the file and line of the phrase, as the loader reports.
func TestCompileErrorsHaveLines(t *testing.T) {
	data := "topics:\n  - name: a\n    strong: [x]\n    weak:\n      - sanction\n      - ab*\n    exclude: [sanction]\n"
	tp, err := configs.ParseTopics([]byte(data), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compile(tp)
	want := `t.yaml:6: topics[0].weak[1]: phrase can never match: "ab*": prefix "ab": want at least 3 letters
t.yaml:7: topics[0].exclude[0]: exclude phrase "sanction" is also weak phrase "sanction" (topics[0].weak[0])`
	if err == nil || err.Error() != want {
		t.Errorf("Compile error =\n%v\nwant\n%s", err, want)
	}
}

func TestCompileSamePhraseInTwoTopics(t *testing.T) {
	r := mustCompile(t, &configs.Topics{Topics: []configs.Topic{
		{Name: "a", Strong: []string{"peace talks"}},
		{Name: "b", Weak: []string{"Peace-Talks"}, TitleBoost: 1},
	}})
	got := r.Match(Document{Title: "Peace talks"})
	want := []feeds.TopicMatch{
		{Name: "a", Score: 4, Matched: []string{"peace talks"}, Fields: [][]string{{"title"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Match = %+v, want %+v", got, want)
	}
	got = r.Match(Document{Title: "Peace talks", Summary: "peace talks"})
	want = []feeds.TopicMatch{
		{Name: "a", Score: 6, Matched: []string{"peace talks"}, Fields: [][]string{{"title", "summary"}}},
		{Name: "b", Score: 2, Matched: []string{"Peace-Talks"}, Fields: [][]string{{"title", "summary"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Match = %+v, want %+v", got, want)
	}
}

func TestVersion(t *testing.T) {
	base := mustCompile(t, testTopics()).Version()
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(base) {
		t.Fatalf("Version() = %q, want 12 hex digits", base)
	}
	same := func(name string, edit func(*configs.Topics), wantSame bool) {
		t.Helper()
		tp := testTopics()
		edit(tp)
		got := mustCompile(t, tp).Version()
		if (got == base) != wantSame {
			t.Errorf("%s: Version() = %q, base %q, want same %v", name, got, base, wantSame)
		}
	}
	same("recompiled", func(*configs.Topics) {}, true)
	same("description", func(tp *configs.Topics) { tp.Topics[0].Description = "new words" }, true)
	same("topic order", func(tp *configs.Topics) { tp.Topics[0], tp.Topics[1] = tp.Topics[1], tp.Topics[0] }, true)
	same("explicit defaults", func(tp *configs.Topics) {
		tp.Defaults = configs.TopicDefaults{MinScore: 2, TitleBoost: 2, ExcludeWindow: 3}
	}, true)
	same("phrase order within a list", func(tp *configs.Topics) {
		s := tp.Topics[1].Weak
		s[0], s[1] = s[1], s[0]
	}, true)
	same("phrase added", func(tp *configs.Topics) { tp.Topics[0].Weak = append(tp.Topics[0].Weak, "embargo") }, false)
	same("phrase moved to weak", func(tp *configs.Topics) {
		tp.Topics[1].Strong = tp.Topics[1].Strong[1:]
		tp.Topics[1].Weak = append(tp.Topics[1].Weak, "ceasefire")
	}, false)
	same("min_score", func(tp *configs.Topics) { tp.Topics[0].MinScore = 3 }, false)
	same("default window", func(tp *configs.Topics) { tp.Defaults.ExcludeWindow = 5 }, false)
	same("renamed", func(tp *configs.Topics) { tp.Topics[0].Name = "sanctions2" }, false)
}

func TestTopics(t *testing.T) {
	got := mustCompile(t, testTopics()).Topics()
	if want := "ceasefire,sanctions,strict"; strings.Join(got, ",") != want {
		t.Errorf("Topics() = %q, want %q", got, want)
	}
}

// The languages the tagger detects are those a rules file may list, in the
// same order: a language added to one and not the other would have its
// lists apply to every article.
func TestLanguagesOfTheTaxonomy(t *testing.T) {
	if got, want := langCodes[:], taxonomy.TopicLanguages(); !slices.Equal(got, want) {
		t.Errorf("tag detects %v, the taxonomy lists %v", got, want)
	}
}
