package configs

import (
	"errors"
	"reflect"
	"testing"
)

func TestLoadTopicsGood(t *testing.T) {
	got, err := LoadTopics("testdata/topics.good.yaml")
	if err != nil {
		t.Fatalf("LoadTopics: %v", err)
	}
	want := &Topics{
		Defaults: TopicDefaults{MinScore: 3, TitleBoost: 2, ExcludeWindow: 3, RequireWindow: 8, PassingWeight: 1, BackgroundWindow: 4},
		Topics: []Topic{
			{Name: "ceasefire", Description: "truces", Strong: []string{"ceasefire", "truce"}, Exclude: []string{"trade truce"},
				NoneOf:    []string{"armistice day"},
				Languages: Languages{FR: PhraseLists{Strong: []string{"cessez-le-feu"}, Weak: []string{"trêve"}, Require: []string{"armée"}}},
				MinScore:  3, TitleBoost: 2, ExcludeWindow: 3, RequireWindow: 8, PassingWeight: 1, BackgroundWindow: 4},
			{Name: "sanctions", Weak: []string{"sanctions"}, Require: []string{"imposed", "eu"},
				Near:     []Near{{A: "sanction*", B: "russia", Within: 4}},
				MinScore: 1, TitleBoost: 4, ExcludeWindow: 5, RequireWindow: 6, PassingWeight: 1, BackgroundWindow: 4},
		},
		Source: "testdata/topics.good.yaml",
	}
	if line := got.Line("topics[0].languages.fr.weak[0]"); line != 13 {
		t.Errorf("Line(topics[0].languages.fr.weak[0]) = %d, want 13", line)
	}
	got.Lines = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

// topicErrors maps each bad topics fixture to the exact error LoadTopics
// returns.
var topicErrors = map[string]string{
	"topics_unknown_key.bad.yaml": `testdata/topics_unknown_key.bad.yaml:4: topics[0].excludes: unknown key`,
	"topics_bad_name.bad.yaml":    `testdata/topics_bad_name.bad.yaml:2: topics[0].name: invalid topic name "Cease Fire": want lowercase a-z, 0-9, _ and -`,
	"topics_dup_name.bad.yaml":    `testdata/topics_dup_name.bad.yaml:4: topics[1].name: duplicate topic name "ceasefire" (first at line 2)`,
	"topics_no_phrases.bad.yaml":  `testdata/topics_no_phrases.bad.yaml:2: topics[0]: topic has no phrases`,
	"topics_bad_phrase.bad.yaml": `testdata/topics_bad_phrase.bad.yaml:6: topics[0].strong[2]: phrase can never match: ""
testdata/topics_bad_phrase.bad.yaml:7: topics[0].strong[3]: phrase can never match: " -- "`,
	"topics_bad_defaults.bad.yaml": `testdata/topics_bad_defaults.bad.yaml:2: defaults.min_score: must be positive, got 0
testdata/topics_bad_defaults.bad.yaml:3: defaults.exclude_window: invalid integer "many"`,
	"topics_empty.bad.yaml": `testdata/topics_empty.bad.yaml: topics: no topics defined`,
	"topics_bad_aboutness.bad.yaml": `testdata/topics_bad_aboutness.bad.yaml:2: defaults.passing_weight: must be more than 0 and at most 1, got 2
testdata/topics_bad_aboutness.bad.yaml:6: topics[0].background[1]: phrase can never match: "--"
testdata/topics_bad_aboutness.bad.yaml:8: topics[0].background_window: must not be negative, got -3
testdata/topics_bad_aboutness.bad.yaml:12: topics[0].languages.pl.other_senses[0]: phrase can never match: "…"`,
	"topics_bad_rules.bad.yaml": `testdata/topics_bad_rules.bad.yaml:4: topics[0].requires: unknown key
testdata/topics_bad_rules.bad.yaml:6: topics[0].near[0].b: phrase can never match: "--"
testdata/topics_bad_rules.bad.yaml:6: topics[0].near[0].within: must be positive, got 0
testdata/topics_bad_rules.bad.yaml:7: topics[0].near[1].b: required
testdata/topics_bad_rules.bad.yaml:7: topics[0].near[1].within: must be positive, got 0
testdata/topics_bad_rules.bad.yaml:10: topics[0].languages.fr.strong[0]: phrase can never match: "«»"
testdata/topics_bad_rules.bad.yaml:12: topics[0].languages.it: unknown key
testdata/topics_bad_rules.bad.yaml:14: topics[1]: topic has no phrases
testdata/topics_bad_rules.bad.yaml:18: topics[1].require_window: must not be negative, got -1`,
}

func TestLoadTopicsBad(t *testing.T) {
	for file, want := range topicErrors {
		t.Run(file, func(t *testing.T) {
			got, err := LoadTopics("testdata/" + file)
			if err == nil {
				t.Fatalf("got no error, want %q", want)
			}
			if err.Error() != want {
				t.Errorf("got error\n%s\nwant\n%s", err, want)
			}
			if got != nil {
				t.Errorf("got topics with the error, want nil")
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Errorf("got %T, want ErrorList", err)
			}
		})
	}
}

func TestDefaultTopics(t *testing.T) {
	got, err := DefaultTopics()
	if err != nil {
		t.Fatalf("DefaultTopics: %v", err)
	}
	if got.Source != "built-in" {
		t.Errorf("got source %q, want %q", got.Source, "built-in")
	}
	if len(got.Topics) == 0 {
		t.Fatal("got no topics, want the shipped taxonomy")
	}
	for _, tp := range got.Topics {
		if tp.MinScore <= 0 || tp.TitleBoost <= 0 {
			t.Errorf("topic %s: got min_score %v, title_boost %v; want defaults copied in", tp.Name, tp.MinScore, tp.TitleBoost)
		}
	}
	// The embedded copy is the file next to this test.
	fromFile, err := LoadTopics("topics.yaml")
	if err != nil {
		t.Fatalf("LoadTopics(topics.yaml): %v", err)
	}
	fromFile.Source = got.Source
	if !reflect.DeepEqual(got, fromFile) {
		t.Errorf("built-in taxonomy differs from topics.yaml")
	}
}

func TestParseTopics(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"ok", "topics:\n  - name: a\n    strong: [x]\n", ""},
		{"syntax", "topics: [\n", "src:1: did not find expected node content"},
		{"wrong type", "topics:\n  - name: a\n    strong: x\n", "src:3: topics[0].strong: want a list, got \"x\""},
		{"negative topic score", "topics:\n  - name: a\n    weak: [x]\n    min_score: -1\n", "src:4: topics[0].min_score: must not be negative, got -1"},
		{"missing name", "topics:\n  - strong: [x]\n", "src:2: topics[0].name: required"},
		{"duplicate key", "topics:\n  - name: a\n    strong: [x]\n    name: b\n", "src:4: topics[0].name: duplicate key (first at line 2)"},
		{"alias", "words: &w [x, y]\n", "src:1: words: unknown key\nsrc: topics: no topics defined"},
		{"alias used", "topics:\n  - name: a\n    strong: &w [x]\n  - name: b\n    strong: *w\n", ""},
		{"merge key", "topics:\n  - &t {name: a, strong: [x]}\n  - <<: *t\n    name: b\n", "src:3: topics[1].<<: merge keys are not supported\nsrc:3: topics[1]: topic has no phrases"},
		{"two documents", "topics: []\n---\ntopics: []\n", "src:2: more than one YAML document"},
		{"not a mapping", "- a\n", "src:1: want a mapping, got a list"},
		{"empty", "", "src: topics: no topics defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTopics([]byte(tt.data), "src")
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got error %q, want %q", got, tt.want)
			}
		})
	}
}
