package labelled

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadPairs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("good.jsonl", `{"pair_id": "p1", "label": "same_story", "uncertain": true, "a": {"title": "A", "link": "https://a.example/1"}, "b": {"title": "B"}}

{"pair_id": "p2", "label": "different_story", "a": {}, "b": {}}
`)
	pairs, err := ReadPairs(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 2 || !pairs[0].Same() || pairs[1].Same() || !pairs[0].Uncertain ||
		pairs[0].A.Link != "https://a.example/1" || pairs[0].B.Title != "B" || pairs[1].File != "good" {
		t.Errorf("got %+v", pairs)
	}
	for _, c := range []struct{ data, want string }{
		{`{"pair_id": "x", "label": "maybe"}`, `bad.jsonl:1: label "maybe": want same_story or different_story`},
		{"{\"pair_id\": \"x\", \"label\": \"same_story\"}\n{not json", `bad.jsonl:2: invalid character`},
	} {
		_, err := ReadPairs(good, write("bad.jsonl", c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.data, err, c.want)
		}
	}
	if _, err := ReadPairs(filepath.Join(dir, "absent.jsonl")); err == nil {
		t.Error("an absent file read without an error")
	}
}
