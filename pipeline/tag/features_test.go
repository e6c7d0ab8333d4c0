package tag

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/feeds"
)

// featureTopics exercise require, near, none_of and language lists.
func featureTopics() *configs.Topics {
	return &configs.Topics{Topics: []configs.Topic{
		{
			Name:    "sanctions",
			Strong:  []string{"asset freeze"},
			Weak:    []string{"sanction*"},
			Require: []string{"eu", "treasury", "imposed"},
			Near:    []configs.Near{{A: "sanctions", B: "russia", Within: 3}},
			NoneOf:  []string{"fifa"},
			Exclude: []string{"judge"},
			Languages: configs.Languages{
				EN: configs.PhraseLists{Weak: []string{"embargo"}},
				ES: configs.PhraseLists{Strong: []string{"sanciones contra"}, Weak: []string{"embargo"}, Exclude: []string{"sin embargo"}},
			},
		},
	}}
}

func TestRuleLanguage(t *testing.T) {
	r := mustCompile(t, featureTopics())
	tests := []struct {
		name string
		doc  Document
		want []feeds.TopicMatch
	}{
		{"weak without require context does not count", Document{Title: "Sanctions bite", Summary: "More sanctions."},
			[]feeds.TopicMatch{}},
		{"weak with require context within the window counts", Document{Title: "EU sanctions", Summary: "Sanctions the EU imposed."},
			[]feeds.TopicMatch{{Name: "sanctions", Score: 3, Matched: []string{"sanction*"}, Fields: [][]string{{"title", "summary"}}}}},
		{"require context must be in the same field", Document{Title: "Sanctions", Summary: "The EU met."},
			[]feeds.TopicMatch{}},
		{"require context too far away", Document{Summary: "sanctions a b c d e f g h i j treasury"}, []feeds.TopicMatch{}},
		{"near pair is strong, either order", Document{Summary: "Russia faces sanctions"},
			[]feeds.TopicMatch{{Name: "sanctions", Score: 2, Matched: []string{"sanctions NEAR/3 russia"}, Fields: [][]string{{"summary"}}}}},
		{"near pair too far apart", Document{Summary: "sanctions a b c russia"}, []feeds.TopicMatch{}},
		{"near pair in the title is boosted; counts once per field", Document{Title: "Sanctions on Russia, Russia sanctions"},
			[]feeds.TopicMatch{{Name: "sanctions", Score: 4, Matched: []string{"sanctions NEAR/3 russia"}, Fields: [][]string{{"title"}}}}},
		{"exclude vetoes a near pair", Document{Summary: "judge sanctions russia"}, []feeds.TopicMatch{}},
		{"none_of vetoes the whole document", Document{Title: "Asset freeze", Summary: "FIFA said so."}, []feeds.TopicMatch{}},
		{"content is a field too", Document{Content: "An asset freeze."},
			[]feeds.TopicMatch{{Name: "sanctions", Score: 2, Matched: []string{"asset freeze"}, Fields: [][]string{{"content"}}}}},
		{"English list applies to English", Document{Title: "EU embargo", Language: "en-GB"},
			[]feeds.TopicMatch{{Name: "sanctions", Score: 2, Matched: []string{"embargo"}, Fields: [][]string{{"title"}}}}},
		{"Spanish: sin embargo is however", Document{Title: "Sin embargo, la UE", Summary: "sin embargo, treasury", Language: "es"},
			[]feeds.TopicMatch{}},
		{"Spanish list does not apply to English", Document{Title: "Sanciones contra Rusia", Language: "en"}, []feeds.TopicMatch{}},
		{"Spanish list applies to Spanish", Document{Title: "Sanciones contra Rusia", Language: "es-ES"},
			[]feeds.TopicMatch{{Name: "sanctions", Score: 4, Matched: []string{"sanciones contra"}, Fields: [][]string{{"title"}}}}},
		{"unknown language: every list", Document{Title: "Sanciones contra Rusia", Language: "xx"},
			[]feeds.TopicMatch{{Name: "sanctions", Score: 4, Matched: []string{"sanciones contra"}, Fields: [][]string{{"title"}}}}},
		{"detected Spanish", Document{Title: "Sanciones contra Rusia", Summary: "El gobierno y los aliados, para la paz, con las sanciones del mes"},
			[]feeds.TopicMatch{{Name: "sanctions", Score: 4, Matched: []string{"sanciones contra"}, Fields: [][]string{{"title"}}}}},
		{"detected English drops the Spanish list", Document{Title: "Sanciones contra Rusia", Summary: "The government and the allies said that it was for the best"},
			[]feeds.TopicMatch{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Match(tt.doc)
			if tt.want == nil {
				tt.want = []feeds.TopicMatch{}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Match(%+v) = %+v, want %+v", tt.doc, got, tt.want)
			}
			if want := naiveMatch(featureTopics(), tt.doc); !reflect.DeepEqual(got, want) {
				t.Errorf("reference disagrees: %+v", want)
			}
		})
	}
}

func TestExplainShowsWhyNot(t *testing.T) {
	r := mustCompile(t, featureTopics())
	rep := r.Explain(Document{Title: "Sanctions bite", Summary: "Judge sanctions Russia. FIFA too.", Language: "en"})
	want := Report{Language: "en", Topics: []Explanation{{
		Topic: "sanctions", Score: 0, MinScore: 2, NoneOf: "fifa", NoneOfField: "summary",
		Hits: []Hit{
			{Phrase: "sanction*", Kind: "weak", Field: "title", Start: 0, End: 1, NoContext: true},
			{Phrase: "sanctions NEAR/3 russia", Kind: "near", Field: "summary", Start: 1, End: 3, VetoedBy: "judge"},
			{Phrase: "sanction*", Kind: "weak", Field: "summary", Start: 1, End: 2, VetoedBy: "judge", NoContext: true},
		},
	}}}
	if !reflect.DeepEqual(rep, want) {
		t.Errorf("Explain =\n%+v\nwant\n%+v", rep, want)
	}
	rep = r.Explain(Document{Title: "Sanciones contra Rusia", Summary: "El gobierno y los aliados, para la paz, con las sanciones del mes"})
	if rep.Language != "es" || !rep.Detected {
		t.Errorf("Explain language = %q detected %v, want es detected", rep.Language, rep.Detected)
	}
}

func TestLanguageDetection(t *testing.T) {
	tests := []struct{ text, want string }{
		{"The talks ended and the leaders said that it was over", "en"},
		{"Le gouvernement et les alliés sont dans une impasse pour la paix", "fr"},
		{"Die Regierung und der Kanzler sind mit dem Plan nicht zufrieden", "de"},
		{"El gobierno y los aliados, para la paz, con las sanciones del mes", "es"},
		{"Это было после того, как мы узнали", "ru"},
		{"Україна отримала нові санкції після рішення ЄС", "uk"},
		{"Rząd w Warszawie nie zgodził się na nowe sankcje, które przez Unię zostały zaproponowane", "pl"},
		{"Ceasefire", "unknown"},
		{"", "unknown"},
	}
	for _, tt := range tests {
		got := naiveLanguage(Document{Summary: tt.text}).String()
		if got != tt.want {
			t.Errorf("language of %q = %s, want %s", tt.text, got, tt.want)
		}
	}
	for tag, want := range map[string]string{"en-US": "en", "FR_fr": "fr", "uk": "uk", "pl-PL": "pl", "it": "unknown", "": "unknown"} {
		if got := naiveLanguage(Document{Language: tag, Summary: "Ceasefire"}).String(); got != want {
			t.Errorf("language of tag %q = %s, want %s", tag, got, want)
		}
	}
}

// tokensWholeString is the tokeniser as it was before it decomposed rune
// by rune: NFKD over the whole string, then the same classification.
func tokensWholeString(s string) []string {
	s = norm.NFKD.String(s)
	var out []string
	var cur []byte
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf && (r == '\'' || isASCIIWordByte(byte(r))):
			if r != '\'' {
				cur = appendFolded(cur, r)
			}
		case r < utf8.RuneSelf:
			flush()
		case isApostrophe(r), unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mc, r):
			cur = appendFolded(cur, r)
		default:
			flush()
		}
	}
	flush()
	return out
}

func TestTokensAgreesWithWholeStringNFKD(t *testing.T) {
	alphabet := []rune("aZé É ﬁ-ﬀ’'ʼ.ß ẞ İıŁø ё Й ї Ї ґ 한국 ½ Ⅻ ｆｕｌｌ\u0301\u0308x9 ǅ ΣΑΣ ς")
	rng := rand.New(rand.NewPCG(3, 3))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteRune(alphabet[rng.IntN(len(alphabet))])
		}
		s := b.String()
		if strings.ContainsFunc(s, func(r rune) bool { return r >= 0xAC00 && r <= 0xD7A3 }) {
			continue // Hangul syllables: compared on their own below
		}
		if got, want := Tokens(s), tokensWholeString(s); !slices.Equal(got, want) {
			t.Fatalf("Tokens(%q) = %q, whole-string NFKD %q", s, got, want)
		}
	}
	// Hangul syllables decompose algorithmically; whichever form, text
	// and phrases agree because both go through Tokens.
	if got := Tokens("한국 전쟁"); len(got) != 2 {
		t.Errorf("Tokens(Korean) = %q, want two tokens", got)
	}
}
