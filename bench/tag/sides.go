package main

import (
	"regexp"
	"strings"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/pipeline/tag"
)

// engine is newswire's tagger as the tag stage calls it.
type engine struct{ rules *tag.Rules }

func newEngine(t *configs.Topics) (*engine, error) {
	r, err := tag.Compile(t)
	if err != nil {
		return nil, err
	}
	return &engine{rules: r}, nil
}

func (e *engine) tag(title, body string) int {
	return len(e.rules.Match(tag.Document{Title: title, Summary: body, Language: "en"}))
}

// hits counts the strong and weak phrase occurrences in the article.
func (e *engine) hits(title, body string) int {
	n := 0
	for _, x := range e.rules.Explain(tag.Document{Title: title, Summary: body, Language: "en"}).Topics {
		n += len(x.Hits)
	}
	return n
}

func (e *engine) topicsWithHits(title, body string) int {
	return len(e.rules.Explain(tag.Document{Title: title, Summary: body, Language: "en"}).Topics)
}

// regexpTagger is the baseline: what a keyword filter does when rules
// grow, one regexp per topic alternating its strong and weak phrases,
// \b-delimited and case-insensitive, run over title and body to find
// every hit (positions are what scoring needs).
type regexpTagger struct{ res []*regexp.Regexp }

func newRegexpTagger(t *configs.Topics) (*regexpTagger, error) {
	b := &regexpTagger{}
	for _, tp := range t.Topics {
		var alts []string
		for _, p := range append(append([]string{}, tp.Strong...), tp.Weak...) {
			prefix := strings.HasSuffix(p, "*")
			p = strings.TrimSuffix(p, "*")
			alt := strings.Join(strings.Fields(regexp.QuoteMeta(p)), `\W+`)
			if prefix {
				alt += `\w*`
			}
			alts = append(alts, alt)
		}
		re, err := regexp.Compile(`(?i)\b(?:` + strings.Join(alts, "|") + `)\b`)
		if err != nil {
			return nil, err
		}
		b.res = append(b.res, re)
	}
	return b, nil
}

func (b *regexpTagger) tag(title, body string) int {
	n := 0
	for _, re := range b.res {
		n += len(re.FindAllStringIndex(title, -1)) + len(re.FindAllStringIndex(body, -1))
	}
	return n
}

func (b *regexpTagger) topics(title, body string) int {
	n := 0
	for _, re := range b.res {
		if re.MatchString(title) || re.MatchString(body) {
			n++
		}
	}
	return n
}
