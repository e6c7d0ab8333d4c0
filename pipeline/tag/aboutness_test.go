package tag

import (
	"reflect"
	"testing"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/feeds"
)

func TestLedeLength(t *testing.T) {
	tests := []struct{ text, lede string }{
		{"One sentence only", "One sentence only"},
		{"A truce holds. Fighting stopped.", "A truce holds."},
		{"The U.S. imposed sanctions. Russia replied.", "The U.S. imposed sanctions."},
		{"Mr. Biden spoke. Then he left.", "Mr. Biden spoke."},
		{`He said "it is over." Then he left.`, `He said "it is over."`},
		{"Is it over? Nobody knows.", "Is it over?"},
		{"Version 2.0 is out. It is fast.", "Version 2.0 is out."},
		{"Ends lower case. then more", "Ends lower case. then more"},
		{"Wysłannik Chin ds. Ukrainy mówił o rozejmie. Potem wyjechał.", "Wysłannik Chin ds. Ukrainy mówił o rozejmie."},
		{"Putin deploys a warship • Opinion: a ceasefire", "Putin deploys a warship "},
		{"• First item • second item", "• First item "},
		{"Trailing stop. ", "Trailing stop. "},
		{"", ""},
	}
	for _, tt := range tests {
		if got := tt.text[:ledeLength(tt.text)]; got != tt.lede {
			t.Errorf("lede of %q = %q, want %q", tt.text, got, tt.lede)
		}
	}
}

// aboutnessTopics exercise passing mentions, background phrases and other
// senses; their numbers are easy to follow: strong 2, weak 1, title x2,
// passing x0.5, min_score 2.
func aboutnessTopics() *configs.Topics {
	return &configs.Topics{
		Defaults: configs.TopicDefaults{PassingWeight: 0.5, BackgroundWindow: 3},
		Topics: []configs.Topic{{
			Name:        "sanctions",
			Strong:      []string{"sanctions", "price cap"},
			Weak:        []string{"embargo"},
			Require:     []string{"russia", "eu"},
			Background:  []string{"due to", "despite"},
			OtherSenses: []string{"phone", "camera", "farmers", "price"},
		}},
	}
}

func TestAboutness(t *testing.T) {
	r := mustCompile(t, aboutnessTopics())
	match := func(score float64, matched ...string) []feeds.TopicMatch {
		return []feeds.TopicMatch{{Name: "sanctions", Score: score, Matched: matched}}
	}
	none := []feeds.TopicMatch{}
	tests := []struct {
		name           string
		title, summary string
		content        string
		want           []feeds.TopicMatch
	}{
		{name: "in the lede, a strong hit counts in full", summary: "New sanctions. Markets fell.", want: match(2, "sanctions")},
		{name: "past the lede, half", summary: "Markets fell. New sanctions came.", want: none},
		{name: "two mentions past the lede reach min_score", summary: "Markets fell. Sanctions came. Then a price cap.",
			want: match(2, "sanctions", "price cap")},
		{name: "in the content, half", content: "Sanctions.", want: none},
		{name: "after a background phrase, half", summary: "The phone lacks 5G due to US sanctions.", want: none},
		{name: "background outside its window does not count", summary: "Due to the war and the new sanctions, Russia lost.",
			want: match(2, "sanctions")},
		{name: "background before, not after", summary: "Sanctions hit Russia, due to the war.", want: match(2, "sanctions")},
		{name: "the title says what it is about, background or not", title: "Default due to sanctions",
			want: match(4, "sanctions")},
		{name: "more other senses than context: another sense", title: "Sanctions", summary: "A phone with a great camera.",
			want: none},
		{name: "a tie goes to the topic", title: "Sanctions", summary: "A phone made in Russia.", want: match(4, "sanctions")},
		{name: "a word inside the topic's own hit is not another sense", title: "EU price cap", want: match(4, "price cap")},
		{name: "context inside another sense does not count", title: "Sanctions",
			summary: "Farmers in the EU price war.", want: none},
		{name: "weak hit with context, in the lede", title: "Embargo on Russia", want: match(2, "embargo")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := withoutFields(r.Match(Document{Title: tt.title, Summary: tt.summary, Content: tt.content, Language: "en"}))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Match(%q, %q, %q) = %+v, want %+v", tt.title, tt.summary, tt.content, got, tt.want)
			}
		})
	}
}

func TestExplainAboutness(t *testing.T) {
	r := mustCompile(t, aboutnessTopics())
	got := r.Explain(Document{Title: "Sanctions phone", Summary: "A camera. It lacks 5G due to sanctions on Russia.", Language: "en"}).Topics
	want := []Explanation{{
		Topic: "sanctions", Score: 4 + 1, MinScore: 2, Matched: false,
		Hits: []Hit{
			{Phrase: "sanctions", Kind: "strong", Field: "title", Start: 0, End: 1, Score: 4},
			{Phrase: "sanctions", Kind: "strong", Field: "summary", Start: 7, End: 8, Score: 1, Passing: true, Background: "due to"},
		},
		OtherSenses: []string{"phone", "camera"},
		Context:     []string{"russia"},
		OtherSense:  true,
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Explain:\ngot  %+v\nwant %+v", got, want)
	}
}
