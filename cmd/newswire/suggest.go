package main

import (
	"fmt"
	"strings"
)

// suggest returns the candidate the user most likely meant by word: one it
// is a prefix of, else the nearest within edit distance 2; "" when none is
// close. Ties go to the earlier candidate.
func suggest(word string, candidates []string) string {
	if word == "" {
		return ""
	}
	for _, c := range candidates {
		if strings.HasPrefix(c, word) {
			return c
		}
	}
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// unknownCommand is the usage error for a command or subcommand nobody
// defined: what was typed, the likely intent, and where to look.
func unknownCommand(what, word string, candidates []string, help string) error {
	msg := fmt.Sprintf("unknown %s %q", what, word)
	if s := suggest(word, candidates); s != "" {
		msg += fmt.Sprintf("\nDid you mean %q?", s)
	}
	return usagef("%s\nRun `%s` for the list.", msg, help)
}
