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
		Defaults: TopicDefaults{MinScore: 3},
		Topics: []Topic{
			{Name: "ceasefire", Description: "truces", Strong: []string{"ceasefire", "truce"}, Exclude: []string{"trade truce"},
				NoneOf:    []string{"armistice day"},
				Languages: Languages{FR: PhraseLists{Strong: []string{"cessez-le-feu"}, Weak: []string{"trêve"}, Require: []string{"armée"}}}},
			{Name: "sanctions", Weak: []string{"sanctions"}, Require: []string{"imposed", "eu"},
				Near:     []Near{{A: "sanction*", B: "russia", Within: 4}},
				MinScore: 1, TitleBoost: 4, ExcludeWindow: 5, RequireWindow: 6},
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

// topicErrors maps bad topics fixtures to the decoding errors LoadTopics
// returns; what the rules mean is checked by tag.Compile, and the whole of
// each fixture's problems by cmd/newswire's TestTopicsFileProblems.
var topicErrors = map[string]string{
	"topics_unknown_key.bad.yaml":  `testdata/topics_unknown_key.bad.yaml:4: topics[0].excludes: unknown key`,
	"topics_bad_defaults.bad.yaml": `testdata/topics_bad_defaults.bad.yaml:3: defaults.exclude_window: invalid integer "many"`,
	"topics_bad_rules.bad.yaml": `testdata/topics_bad_rules.bad.yaml:4: topics[0].requires: unknown key
testdata/topics_bad_rules.bad.yaml:12: topics[0].languages.it: unknown key`,
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
			if got == nil {
				t.Errorf("got no topics with the error, want what could be decoded")
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Errorf("got %T, want ErrorList", err)
			}
		})
	}
	if got, err := LoadTopics("testdata/no-such.yaml"); got != nil || err == nil {
		t.Errorf("a missing file: %v, %v; want nil topics and an error", got, err)
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
		{"duplicate key", "topics:\n  - name: a\n    strong: [x]\n    name: b\n", "src:4: topics[0].name: duplicate key (first at line 2)"},
		{"alias", "words: &w [x, y]\n", "src:1: words: unknown key"},
		{"alias used", "topics:\n  - name: a\n    strong: &w [x]\n  - name: b\n    strong: *w\n", ""},
		{"merge key", "topics:\n  - &t {name: a, strong: [x]}\n  - <<: *t\n    name: b\n", "src:3: topics[1].<<: merge keys are not supported"},
		{"two documents", "topics: []\n---\ntopics: []\n", "src:2: more than one YAML document"},
		{"not a mapping", "- a\n", "src:1: want a mapping, got a list"},
		{"empty", "", ""}, // no topics: tag.Compile's to say
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
