package tag

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/feeds"
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
		{name: "prefix and strong overlap, both count", title: "New sanctions",
			want: []feeds.TopicMatch{{Name: "sanctions", Score: 6, Matched: []string{"new sanctions", "sanction*"}}}},
		{name: "prefix in title alone reaches min_score 2 with boost 2", title: "Sanctioning",
			want: []feeds.TopicMatch{{Name: "sanctions", Score: 2, Matched: []string{"sanction*"}}}},
		{name: "exclude vetoes a prefix hit", title: "Judge sanctions lawyers", want: []feeds.TopicMatch{}},
		{name: "prefix must start the token", summary: "unsanctioned", want: []feeds.TopicMatch{}},
		{name: "diacritics", summary: "Une TRÊVE, une treve",
			want: []feeds.TopicMatch{{Name: "ceasefire", Score: 2, Matched: []string{"trêve"}}}},
		{name: "Cyrillic, case-folded, prefix", title: "ПЕРЕМИРИЕ",
			want: []feeds.TopicMatch{{Name: "ceasefire", Score: 4, Matched: []string{"перемири*"}}}},
		{name: "Cyrillic phrase with й folded", summary: "Новые Санкций против России",
			want: []feeds.TopicMatch{{Name: "sanctions", Score: 3, Matched: []string{"санкции против", "санкци*"}}}},
		{name: "sorted by name", title: "New sanctions after the truce",
			want: []feeds.TopicMatch{
				{Name: "ceasefire", Score: 4, Matched: []string{"truce"}},
				{Name: "sanctions", Score: 6, Matched: []string{"new sanctions", "sanction*"}},
			}},
		{name: "own min_score and title_boost", title: "Summit", want: []feeds.TopicMatch{}},
		{name: "own min_score reached in both fields", title: "Summit news", summary: "The summit.",
			want: []feeds.TopicMatch{{Name: "strict", Score: 4, Matched: []string{"summit"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Match(tt.title, tt.summary)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Match(%q, %q) = %+v, want %+v", tt.title, tt.summary, got, tt.want)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	r := mustCompile(t, testTopics())
	got := r.Explain("Trade truce holds", "The truce holds, the truce.")
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
	if got := r.Explain("", ""); got == nil || len(got) != 0 {
		t.Errorf("Explain of empty text = %#v, want empty", got)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name    string
		topics  *configs.Topics
		wantErr string
	}{
		{"nil", nil, "tag: no topic rules"},
		{"empty name", &configs.Topics{Topics: []configs.Topic{{Strong: []string{"x"}}}},
			"tag: topic 1: name is empty"},
		{"bad name", &configs.Topics{Topics: []configs.Topic{{Name: "Cease Fire", Strong: []string{"x"}}}},
			`tag: topic 1: name "Cease Fire": want lower-case letters, digits, _ and - only`},
		{"twice", &configs.Topics{Topics: []configs.Topic{{Name: "a", Strong: []string{"x"}}, {Name: "a", Weak: []string{"y"}}}},
			`tag: topic "a" is defined twice`},
		{"no phrases", &configs.Topics{Topics: []configs.Topic{{Name: "a", Exclude: []string{"x"}}}},
			`tag: topic "a" has no strong or weak phrases`},
		{"empty phrase", &configs.Topics{Topics: []configs.Topic{{Name: "a", Strong: []string{"--"}}}},
			`tag: topic "a": strong phrase "--": no letters or digits`},
		{"short prefix", &configs.Topics{Topics: []configs.Topic{{Name: "a", Weak: []string{"ab*"}}}},
			`tag: topic "a": weak phrase "ab*": prefix "ab": want at least 3 letters`},
		{"inner star", &configs.Topics{Topics: []configs.Topic{{Name: "a", Weak: []string{"a*b"}}}},
			`tag: topic "a": weak phrase "a*b": "*" is allowed only at the end`},
		{"strong and weak", &configs.Topics{Topics: []configs.Topic{{Name: "a", Strong: []string{"cease fire"}, Weak: []string{"Cease-Fire"}}}},
			`tag: topic "a": weak phrase "Cease-Fire" is also strong phrase "cease fire"`},
		{"hit and exclude", &configs.Topics{Topics: []configs.Topic{{Name: "a", Strong: []string{"truce"}, Exclude: []string{"truce"}}}},
			`tag: topic "a": exclude phrase "truce" is also strong phrase "truce"`},
		{"negative min_score", &configs.Topics{Topics: []configs.Topic{{Name: "a", Strong: []string{"x"}, MinScore: -1}}},
			`tag: topic "a": min_score -1: must be positive`},
		{"negative window", &configs.Topics{Defaults: configs.TopicDefaults{ExcludeWindow: -2}, Topics: []configs.Topic{{Name: "a", Strong: []string{"x"}}}},
			`tag: defaults: exclude_window -2: must not be negative`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.topics)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Compile error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestCompileSamePhraseInTwoTopics(t *testing.T) {
	r := mustCompile(t, &configs.Topics{Topics: []configs.Topic{
		{Name: "a", Strong: []string{"peace talks"}},
		{Name: "b", Weak: []string{"Peace-Talks"}, TitleBoost: 1},
	}})
	got := r.Match("Peace talks", "")
	want := []feeds.TopicMatch{
		{Name: "a", Score: 4, Matched: []string{"peace talks"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Match = %+v, want %+v", got, want)
	}
	got = r.Match("Peace talks", "peace talks")
	want = []feeds.TopicMatch{
		{Name: "a", Score: 6, Matched: []string{"peace talks"}},
		{Name: "b", Score: 2, Matched: []string{"Peace-Talks"}},
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
