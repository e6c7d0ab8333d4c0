package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/newswire/newswire/feeds"
)

// pool is the text of one language that articles are made from: real
// headlines (as words) and summary sentences, and what else the feeds said
// about their items (authors, categories, an image), all as newswire's
// normalisation leaves them.
type pool struct {
	lang      string // primary language subtag
	titles    [][]string
	sentences []string
	extras    []extra
}

// extra is the metadata of one corpus item, reused on generated articles.
type extra struct {
	language   string
	authors    []string
	categories []string
	image      string
}

// minPool is how much text a language needs to make articles of its own:
// recombining fewer headlines and sentences would repeat stories.
const (
	minPoolTitles    = 40
	minPoolSentences = 80
)

// loadPools reads every feed document in dir that newswire parses
// (feeds.Parse, feeds.Normalise) and groups its items' text by language.
// It returns nil when dir is absent or yields too little text; source says
// what was read.
func loadPools(dir string) (pools []*pool, source string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, ""
	}
	byLang := map[string]*pool{}
	seen := map[string]bool{}
	docs := 0
	add := func(a feeds.Article) {
		lang, _, _ := strings.Cut(a.Language, "-")
		if lang == "" {
			// Feeds that state no language are mostly English here;
			// the rest would mix languages within one article.
			if !looksEnglish(a.Title + " " + a.Summary) {
				return
			}
			lang = "en" // the article still states none: the tagger detects it
		}
		p := byLang[lang]
		if p == nil {
			p = &pool{lang: lang}
			byLang[lang] = p
		}
		if w := strings.Fields(a.Title); len(w) >= 4 && len(w) <= 30 && !seen["t\x00"+a.Title] {
			seen["t\x00"+a.Title] = true
			p.titles = append(p.titles, w)
			p.extras = append(p.extras, extra{language: a.Language, authors: a.Authors, categories: a.Categories, image: a.Image})
		}
		for _, s := range sentences(a.Summary) {
			if !seen["s\x00"+s] {
				seen["s\x00"+s] = true
				p.sentences = append(p.sentences, s)
			}
		}
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		feed, err := feeds.Parse(f)
		f.Close()
		if err != nil {
			continue // the corpus keeps broken documents on purpose
		}
		docs++
		for _, a := range feeds.Normalise(feeds.FeedRef{ID: "corpus"}, feed, time.Now()) {
			add(a)
		}
	}
	// The labelled news items next to the corpus (shared/eval) are news
	// through and through: conflicts, ceasefires, sanctions.
	evalDir := filepath.Join(filepath.Dir(filepath.Dir(dir)), "eval")
	news := 0
	for _, a := range evalItems(evalDir) {
		add(a)
		news++
	}
	titles, sents := 0, 0
	for _, p := range byLang {
		if len(p.titles) >= minPoolTitles && len(p.sentences) >= minPoolSentences {
			pools = append(pools, p)
			titles, sents = titles+len(p.titles), sents+len(p.sentences)
		}
	}
	if len(pools) == 0 {
		return nil, ""
	}
	sort.Slice(pools, func(i, j int) bool { return len(pools[i].titles) > len(pools[j].titles) })
	langs := make([]string, len(pools))
	for i, p := range pools {
		langs[i] = fmt.Sprintf("%s %d", p.lang, len(p.titles))
	}
	return pools, fmt.Sprintf("%d headlines and %d summary sentences from %d feed documents in %s and %d news items in %s (headlines by language: %s)",
		titles, sents, docs, dir, news, evalDir, strings.Join(langs, ", "))
}

// evalItems reads the news items of the labelled sets in dir: every line
// of tagging-dev.jsonl, both items of every pair of dedupe-dev.jsonl. Their
// text is plain already.
func evalItems(dir string) []feeds.Article {
	type item struct {
		Title    string `json:"title"`
		Summary  string `json:"summary"`
		Language string `json:"language"`
	}
	var out []feeds.Article
	for _, name := range []string{"tagging-dev.jsonl", "dedupe-dev.jsonl"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		for line := range strings.SplitSeq(string(data), "\n") {
			var v struct {
				item
				A *item `json:"a"`
				B *item `json:"b"`
			}
			if json.Unmarshal([]byte(line), &v) != nil {
				continue
			}
			for _, it := range []*item{&v.item, v.A, v.B} {
				if it != nil && it.Title != "" {
					out = append(out, feeds.Article{Title: it.Title, Summary: it.Summary, Language: strings.ToLower(it.Language)})
				}
			}
		}
	}
	return out
}

// looksEnglish reports whether at least one word in ten of s is a common
// English function word.
func looksEnglish(s string) bool {
	words := strings.Fields(strings.ToLower(s))
	n := 0
	for _, w := range words {
		switch strings.Trim(w, ".,;:!?\"'()") {
		case "the", "and", "of", "to", "in", "is", "a", "for", "on", "with", "that", "was", "are":
			n++
		}
	}
	return len(words) >= 5 && n*10 >= len(words)
}

// sentences splits a plain-text summary after ., ! and ? followed by a
// space, keeping sentences of 5 to 60 words; a summary cut with "…" loses
// its last, unfinished sentence.
func sentences(summary string) []string {
	var out []string
	keep := func(s string) {
		s = strings.TrimSpace(s)
		if n := len(strings.Fields(s)); n >= 5 && n <= 60 && !strings.HasSuffix(s, "…") {
			out = append(out, s)
		}
	}
	start := 0
	for i := 0; i+1 < len(summary); i++ {
		if c := summary[i]; (c == '.' || c == '!' || c == '?') && summary[i+1] == ' ' {
			keep(summary[start : i+1])
			start = i + 2
		}
	}
	keep(summary[start:])
	return out
}

// generatedPools stand in for the corpus when it is absent: headlines and
// sentences of words drawn from a list of news vocabulary, varied enough
// that recombined stories rarely resemble each other.
func generatedPools() []*pool {
	vocab := strings.Fields(`ceasefire truce sanctions embargo talks negotiators ministers officials
		government parliament election vote coalition president prime minister army troops rebels militia
		drone strike missile attack shelling border refugees camp aid convoy hospital doctors cholera outbreak
		flood storm earthquake wildfire drought harvest grain wheat prices inflation bank rates budget tax
		trade tariffs exports imports pipeline gas oil power grid blackout nuclear inspectors reactor uranium
		protest police court judge verdict appeal journalists prisoners exchange hostages release deal summit
		envoy mediators agreement statement warning deadline delegation city capital province region village
		coast port airport bridge road railway school university students workers union strike talks resumed
		stalled collapsed agreed rejected announced confirmed denied accused warned urged expected delayed
		said reported Monday Tuesday Wednesday Thursday Friday Saturday Sunday morning night week month
		Geneva Kyiv Doha Brussels Khartoum Manila Lima Nairobi Tbilisi Gaza Caracas Dhaka Cairo Ankara Delhi`)
	rng := rand.New(rand.NewPCG(11, 13))
	text := func(n int) []string {
		w := make([]string, n)
		for i := range w {
			w[i] = vocab[rng.IntN(len(vocab))]
		}
		return w
	}
	p := &pool{lang: "en"}
	for range 4000 {
		p.titles = append(p.titles, text(6+rng.IntN(8)))
		p.extras = append(p.extras, extra{language: "en", categories: []string{"World"}})
	}
	for range 12000 {
		w := text(10 + rng.IntN(15))
		w[0] = strings.ToUpper(w[0][:1]) + w[0][1:]
		p.sentences = append(p.sentences, strings.Join(w, " ")+".")
	}
	return []*pool{p}
}
