package main

import (
	"strings"
	"testing"
)

func TestTopicsTestJSONLScores(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := cli(t, "topics", "--topics", "testdata/topics_eval.yaml", "test", "--jsonl", "testdata/topics_eval.jsonl")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// ceasefire: 1 and 2 found, 3 and 4 not (require, none_of): P 1 R 1.
	// sanctions: 5 found (near), 6 is a false positive, 7 missed.
	want := `7 items
      topic  labelled  tp  fp  fn  precision  recall     F1
  ceasefire         5   2   0   0      1.000   1.000  1.000
  sanctions         4   1   1   1      0.500   0.500  0.500
`
	if stdout != want {
		t.Errorf("got\n%s\nwant\n%s", stdout, want)
	}
}

func TestTopicsTestJSONLWithoutLabels(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeFile(t, dir, "items.jsonl", `{"id": "a", "title": "Ceasefire agreed"}`+"\n\n"+`{"title": "Weather"}`+"\n")
	code, stdout, stderr := cli(t, "topics", "--topics", "testdata/topics_eval.yaml", "test", "--jsonl", path)
	if want := "a\t[ceasefire]\nline 3\t[]\n"; code != 0 || stdout != want {
		t.Errorf("exit %d, stdout %q, want %q; stderr %s", code, stdout, want, stderr)
	}
	bad := writeFile(t, dir, "bad.jsonl", "{\"title\": \"x\"}\nnot json\n")
	code, _, stderr = cli(t, "topics", "--topics", "testdata/topics_eval.yaml", "test", "--jsonl", bad)
	if code != 2 || !strings.Contains(stderr, "bad.jsonl:2: invalid character") {
		t.Errorf("bad line: exit %d, stderr %q", code, stderr)
	}
}

func TestTopicsTestShowsVetoes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	text := writeFile(t, dir, "item.txt", "Truce on Armistice Day\nA truce, said the army chief.\n")
	code, stdout, stderr := cli(t, "topics", "--topics", "testdata/topics_eval.yaml", "test", "--file", text, "--lang", "en")
	want := `language: en (given)
ceasefire: VETOED by none_of "armistice day" in the title (score 1.0, needs 2.0)
  title   weak   "truce"                        no require phrase near it
  summary weak   "truce"                        +1.0
`
	if code != 0 || stdout != want {
		t.Errorf("exit %d, got\n%s\nwant\n%s%s", code, stdout, want, stderr)
	}
}

func TestCheckReportsRuleProblemsWithLines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "topics.yaml", "topics:\n  - name: ceasefire\n    strong: [trade truce, ceasefire]\n    weak: [ab*]\n    exclude: [trade]\n")
	cfg := writeFile(t, dir, "newswire.yaml", "topics_file: topics.yaml\n")
	code, _, stderr := cli(t, "check", "--config", cfg)
	for _, want := range []string{
		`topics.yaml:3: topics[0].strong[0]: phrase can never count: "trade truce": exclude "trade" always vetoes it (topics[0].exclude[0])`,
		`topics.yaml:4: topics[0].weak[0]: phrase can never match: "ab*": prefix "ab": want at least 3 letters`,
	} {
		if code != 2 || !strings.Contains(stderr, want) {
			t.Errorf("check: exit %d, stderr\n%s\nwant it to contain\n%s", code, stderr, want)
		}
	}
}

func TestDedupeTestPairs(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := cli(t, "dedupe", "test", "--jsonl", "testdata/dedupe_pairs.jsonl", "--show-errors")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// p1 is a verbatim summary under a new headline, p2 the same page (its
	// tracking parameter removed), p3 two reports of one event; p4, a
	// rewrite, is missed and explained; p5 is an edited wire copy.
	for _, want := range []string{
		"--- p4 (rewritten, uncertain): judged different by no rule, labelled same_story",
		"summaries: jaccard",
		"5 pairs",
		"all       5          3               0            1      1.000   0.750",
		"certain only       4          3               0            0      1.000   1.000",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "--- p1") || strings.Contains(stdout, "--- p2") || strings.Contains(stdout, "--- p3") {
		t.Errorf("a pair judged right is listed as an error:\n%s", stdout)
	}
	// Stricter thresholds lose p5's edited copy; the curve runs from -0.2
	// to 0.2.
	code, stdout, stderr = cli(t, "dedupe", "test", "--jsonl", "testdata/dedupe_pairs.jsonl", "--strictness", "0.2")
	if code != 0 || !strings.Contains(stdout, "all       5          2               0            2      1.000   0.500") {
		t.Errorf("--strictness 0.2: exit %d, %s%s", code, stdout, stderr)
	}
	code, stdout, stderr = cli(t, "dedupe", "test", "--jsonl", "testdata/dedupe_pairs.jsonl", "--curve")
	if code != 0 || strings.Count(stdout, "\n") != 11 || !strings.Contains(stdout, "-0.20") || !strings.Contains(stdout, "+0.20") {
		t.Errorf("--curve: exit %d, want a header and nine rows:\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = cli(t, "dedupe", "test")
	if code != 2 || !strings.Contains(stderr, "--jsonl is required") {
		t.Errorf("without --jsonl: exit %d, %q", code, stderr)
	}
}
