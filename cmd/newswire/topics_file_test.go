package main

import (
	"testing"

	"github.com/newswire/newswire/configs"
)

// TestTopicsFileProblems: a topics file's problems come out together, in
// line order — what configs finds decoding it and what tag.Compile finds
// in its rules — each naming the file, line and key.
func TestTopicsFileProblems(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"testdata/topics/bad_aboutness.yaml": `testdata/topics/bad_aboutness.yaml:2: defaults.passing_weight: must be more than 0 and at most 1, got 2
testdata/topics/bad_aboutness.yaml:6: topics[0].background[1]: phrase can never match: "--": no letters or digits
testdata/topics/bad_aboutness.yaml:8: topics[0].background_window: must not be negative, got -3
testdata/topics/bad_aboutness.yaml:12: topics[0].languages.pl.other_senses[0]: phrase can never match: "…": no letters or digits`,
		"testdata/topics/bad_name.yaml": `testdata/topics/bad_name.yaml:2: topics[0].name: invalid topic name "Cease Fire": want lowercase a-z, 0-9, _ and -`,
		"testdata/topics/bad_phrase.yaml": `testdata/topics/bad_phrase.yaml:6: topics[0].strong[2]: phrase can never match: "": no letters or digits
testdata/topics/bad_phrase.yaml:7: topics[0].strong[3]: phrase can never match: " -- ": no letters or digits`,
		"testdata/topics/dup_name.yaml":   `testdata/topics/dup_name.yaml:4: topics[1].name: duplicate topic name "ceasefire" (first at line 2)`,
		"testdata/topics/empty.yaml":      `testdata/topics/empty.yaml: topics: no topics defined`,
		"testdata/topics/no_phrases.yaml": `testdata/topics/no_phrases.yaml:2: topics[0]: topic has no phrases`,
		// Decoding problems and rule problems of one file, together.
		"../../configs/testdata/topics_bad_rules.bad.yaml": `../../configs/testdata/topics_bad_rules.bad.yaml:4: topics[0].requires: unknown key
../../configs/testdata/topics_bad_rules.bad.yaml:6: topics[0].near[0].b: phrase can never match: "--": no letters or digits
../../configs/testdata/topics_bad_rules.bad.yaml:6: topics[0].near[0].within: must be positive, got 0
../../configs/testdata/topics_bad_rules.bad.yaml:7: topics[0].near[1].b: required
../../configs/testdata/topics_bad_rules.bad.yaml:7: topics[0].near[1].within: must be positive, got 0
../../configs/testdata/topics_bad_rules.bad.yaml:10: topics[0].languages.fr.strong[0]: phrase can never match: "«»": no letters or digits
../../configs/testdata/topics_bad_rules.bad.yaml:12: topics[0].languages.it: unknown key
../../configs/testdata/topics_bad_rules.bad.yaml:14: topics[1]: topic has no phrases
../../configs/testdata/topics_bad_rules.bad.yaml:18: topics[1].require_window: must not be negative, got -1`,
	} {
		r, err := compileTopics(configs.LoadTopics(path))
		if r != nil || err == nil {
			t.Errorf("%s: compiled, want errors", path)
			continue
		}
		if err.Error() != want {
			t.Errorf("%s: got\n%s\nwant\n%s", path, err, want)
		}
	}
	// The shipped rules have no problem.
	if _, err := compileTopics(configs.DefaultTopics()); err != nil {
		t.Errorf("built-in rules: %v", err)
	}
}
