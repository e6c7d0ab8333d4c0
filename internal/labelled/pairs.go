// Package labelled reads the labelled pair files of ../shared/eval
// (dedupe-dev*.jsonl) and files of the same form a user writes for
// `newswire dedupe test`: one JSON object a line, {pair_id, label:
// same_story|different_story, kind, uncertain, a: {title, summary, link,
// publisher, published}, b: …}. The command, the benchmarks and the
// evaluation tests read them through it.
package labelled

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Item is one side of a pair: a feed item as a feed gave it.
type Item struct {
	Title, Summary, Link, Publisher, Published string
}

// Pair is one labelled pair.
type Pair struct {
	ID        string `json:"pair_id"`
	Label     string `json:"label"` // same_story or different_story
	Kind      string `json:"kind"`
	Uncertain bool   `json:"uncertain"`
	A, B      Item
	// File is the name of the file the pair came from, without .jsonl.
	File string `json:"-"`
}

// Same reports whether the pair is labelled the same story.
func (p Pair) Same() bool { return p.Label == "same_story" }

// ReadPairs reads the pairs of each file in turn. A problem names the
// file and line: "dedupe-dev.jsonl:3: label \"x\": want same_story or
// different_story".
func ReadPairs(paths ...string) ([]Pair, error) {
	var pairs []Pair
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		file := strings.TrimSuffix(filepath.Base(path), ".jsonl")
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 16<<20)
		for line := 1; sc.Scan(); line++ {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			p := Pair{File: file}
			if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
				f.Close()
				return nil, fmt.Errorf("%s:%d: %v", path, line, err)
			}
			if p.Label != "same_story" && p.Label != "different_story" {
				f.Close()
				return nil, fmt.Errorf("%s:%d: label %q: want same_story or different_story", path, line, p.Label)
			}
			pairs = append(pairs, p)
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return pairs, nil
}
