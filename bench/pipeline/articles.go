package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/dedupe/near"
)

// benchFeeds is how many feeds the articles are spread over (subjects
// news.raw.feed000 … feed199).
const benchFeeds = 200

// copyDistance is how far back in the input a copy's original lies at
// least, so that the original has been judged (its keys claimed, its
// signature indexed) before the copy arrives: the dedupe runner has at
// most Batch + Concurrency messages in hand (128 with the defaults), in
// stream order.
const copyDistance = 500

// kind says what an injected article is.
type kind int

const (
	kindNew     kind = iota // a story not seen before
	kindURL                 // another feed's item at the same page (URL identity): dropped by the url key
	kindContent             // another feed's item with the same title and summary at its own page: the content key
	kindNear                // a syndicated copy, headline edited and summary trimmed: the near-duplicate window
	kinds
)

var kindNames = [kinds]string{"new", "url copy", "content copy", "near copy"}

// kindOf spreads the input 70 / 10 / 10 / 10 over the kinds: 30% copies.
func kindOf(i int) kind {
	switch i % 10 {
	case 3:
		return kindURL
	case 6:
		return kindContent
	case 9:
		return kindNear
	}
	return kindNew
}

// workload is what both sides inject: the same messages in the same order.
type workload struct {
	msgs      []*nats.Msg     // news.raw.<feed>, body and Nats-Msg-Id as the poller publishes them
	rawIDs    map[string]bool // their Nats-Msg-Ids: what the one hop must deliver
	uniqueIDs map[string]bool // article ids of the new stories: what must come out on news.tagged.>
	warm      *nats.Msg       // one more article, injected before the measured window
	warmID    string          // its article id
	counts    [kinds]int
	bodyBytes int // sum of the messages' body sizes
	minBody   int
	maxBody   int
	source    string // where the text came from
}

// story is a generated headline and summary.
type story struct {
	title, summary string
	pool           *pool
	extra          extra
	feed           int
	url            string
}

// generator makes articles deterministically from a seed.
type generator struct {
	rng     *rand.Rand
	pools   []*pool
	weights []int // cumulative headline counts: a language is as common as in the corpus
	idx     *near.Index
	at      time.Time
	retried int // stories regenerated because the index took them for copies
	nearTry int // near copies that needed another original
}

func newGenerator(pools []*pool, seed uint64, at time.Time) *generator {
	g := &generator{rng: rand.New(rand.NewPCG(seed, 0x706970)), pools: pools, at: at,
		idx: near.NewIndex(near.IndexConfig{Window: configs.Default().Dedupe.Window.D()})}
	total := 0
	for _, p := range pools {
		total += len(p.titles)
		g.weights = append(g.weights, total)
	}
	return g
}

func (g *generator) pickPool() *pool {
	n := g.rng.IntN(g.weights[len(g.weights)-1])
	for i, w := range g.weights {
		if n < w {
			return g.pools[i]
		}
	}
	return g.pools[len(g.pools)-1]
}

// newStory recombines real text into a story nobody has told: the first
// half of one headline with the second half of another, and three to six
// summary sentences of the same language. A combination the
// near-duplicate index takes for a copy of an earlier story is drawn
// again, so the new stories are new to the dedupe stage too.
func (g *generator) newStory(i int) (story, error) {
	for tries := 0; ; tries++ {
		if tries == 1000 {
			return story{}, errors.New("the text pool is too small: 1,000 recombinations in a row were copies of earlier stories")
		}
		p := g.pickPool()
		a, b := g.rng.IntN(len(p.titles)), g.rng.IntN(len(p.titles))
		ta, tb := p.titles[a], p.titles[b]
		words := append(append([]string{}, ta[:max(2, len(ta)/2)]...), tb[len(tb)/2:]...)
		var sum strings.Builder
		for n := 3 + g.rng.IntN(4); n > 0; n-- {
			next := p.sentences[g.rng.IntN(len(p.sentences))]
			if sum.Len() > 0 && sum.Len()+1+len(next) > feeds.SummaryMaxRunes {
				break // the normaliser's cap: keep whole sentences under it
			}
			if sum.Len() > 0 {
				sum.WriteByte(' ')
			}
			sum.WriteString(next)
		}
		s := story{title: strings.Join(words, " "), summary: capBytes(sum.String(), feeds.SummaryMaxRunes), pool: p, extra: p.extras[a]}
		s.feed = g.rng.IntN(benchFeeds)
		s.url = storyURL(s, i)
		sig := near.SignLinked(s.title, s.summary, s.url) // as the stage signs it: the link's publisher counts
		if len(g.idx.Query(sig)) > 0 {
			g.retried++
			continue
		}
		g.idx.Add(s.title, g.at, sig)
		return s, nil
	}
}

// nearCopy edits a story as syndication does: one headline word replaced,
// the summary cut to its first two thirds. It returns false when the
// index would not recognise the copy (a live blog's headline, a summary
// too short to judge), so the caller picks another original.
func (g *generator) nearCopy(o story, i int) (story, bool) {
	tw := strings.Fields(o.title)
	other := o.pool.titles[g.rng.IntN(len(o.pool.titles))]
	tw[1+g.rng.IntN(len(tw)-1)] = other[g.rng.IntN(len(other))]
	sw := strings.Fields(o.summary)
	c := o
	c.title, c.summary = strings.Join(tw, " "), strings.Join(sw[:len(sw)*2/3], " ")
	c.feed = otherFeed(o.feed, g.rng)
	c.url = storyURL(c, i)
	if c.title == o.title || len(g.idx.Query(near.SignLinked(c.title, c.summary, c.url))) == 0 {
		return story{}, false
	}
	return c, true
}

// makeWorkload builds n articles (and a warm-up one) fetched at at from
// pools, the same for the same seed and time: kindOf
// decides each one's kind; a copy's original is a new story at least
// copyDistance earlier, in another feed. Bodies are sized between 1.5 and
// 2.5 KB (mean 2 KB) with content_html, as feeds that carry the article
// text do.
func makeWorkload(pools []*pool, source string, n int, seed uint64, at time.Time) (*workload, error) {
	g := newGenerator(pools, seed, at)
	w := &workload{rawIDs: make(map[string]bool, n), uniqueIDs: map[string]bool{}, source: source, minBody: 1 << 30}
	var stories []story
	var fresh []int // indexes in stories of the new ones
	older := 0      // fresh[:older] lie at least copyDistance back
	for i := 0; i < n; i++ {
		for older < len(fresh) && fresh[older] <= i-copyDistance {
			older++
		}
		k := kindOf(i)
		if k != kindNew && older == 0 {
			k = kindNew
		}
		var s story
		switch k {
		case kindNew:
			var err error
			if s, err = g.newStory(i); err != nil {
				return nil, err
			}
		case kindURL:
			o := stories[fresh[g.rng.IntN(older)]]
			s = o
			s.feed = otherFeed(o.feed, g.rng)
			s.url = urlVariant(o.url, i)
			if ss := sentences(o.summary); len(ss) > 1 {
				s.summary = ss[0] // the same page, another outlet's shorter dek
			}
		case kindContent:
			o := stories[fresh[g.rng.IntN(older)]]
			s = o
			s.feed = otherFeed(o.feed, g.rng)
			s.url = storyURL(s, i)
		case kindNear:
			for tries := 0; ; tries++ {
				o := stories[fresh[g.rng.IntN(older)]]
				c, ok := g.nearCopy(o, i)
				if ok {
					s = c
					break
				}
				g.nearTry++
				if tries > 1000 {
					return nil, fmt.Errorf("no near copy the window recognises after %d tries", tries)
				}
			}
		}
		if k == kindNew {
			fresh = append(fresh, i)
		}
		stories = append(stories, s)
		a := buildArticle(s, i, at, g.rng)
		m, err := rawMsg(a)
		if err != nil {
			return nil, err
		}
		w.msgs = append(w.msgs, m)
		w.rawIDs[m.Header.Get(jetstream.MsgIDHeader)] = true
		if k == kindNew {
			w.uniqueIDs[a.ID] = true
		}
		w.counts[k]++
		w.bodyBytes += len(m.Data)
		w.minBody, w.maxBody = min(w.minBody, len(m.Data)), max(w.maxBody, len(m.Data))
	}
	warm := buildArticle(story{title: "Warm-up story before the measured run", summary: "One article that wakes every stage up before the clock starts.",
		extra: extra{language: "en"}, url: "https://www.warm.example/up"}, -1, at, g.rng)
	var err error
	if w.warm, err = rawMsg(warm); err != nil {
		return nil, err
	}
	w.warmID = warm.ID
	if len(w.rawIDs) != n {
		return nil, fmt.Errorf("%d distinct raw message ids for %d articles", len(w.rawIDs), n)
	}
	if g.retried > 0 || g.nearTry > 0 {
		w.source += fmt.Sprintf("; %d recombinations redrawn because the near-duplicate index took them for copies, %d near copies redrawn because it did not", g.retried, g.nearTry)
	}
	return w, nil
}

func feedID(f int) string { return fmt.Sprintf("feed%03d", f) }

func otherFeed(f int, rng *rand.Rand) int { return (f + 1 + rng.IntN(benchFeeds-1)) % benchFeeds }

// storyURL is the canonical link of item i in its feed.
func storyURL(s story, i int) string {
	slug := strings.ToLower(strings.Join(strings.FieldsFunc(s.title, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}), "-"))
	if len(slug) > 60 {
		slug = strings.TrimRight(slug[:60], "-")
	}
	return fmt.Sprintf("https://www.%s.example/news/2026/11/%s-%d", feedID(s.feed), slug, i)
}

// urlVariant is the same page as u under a link that URL identity folds:
// another scheme, host prefix, a trailing slash or the AMP version.
func urlVariant(u string, i int) string {
	switch i % 4 {
	case 0:
		return strings.Replace(u, "https://", "http://", 1)
	case 1:
		return strings.Replace(u, "://www.", "://", 1)
	case 2:
		return strings.Replace(u, "://www.", "://m.", 1) + "/"
	}
	return u + "/amp"
}

// buildArticle is item i (−1: the warm-up) as the poller publishes it,
// with content_html filling the body to 1.5–2.5 KB.
func buildArticle(s story, i int, at time.Time, rng *rand.Rand) feeds.Article {
	feed := feedID(s.feed)
	guid := fmt.Sprintf("%s-item-%d", feed, i)
	published := at.Add(-time.Duration(rng.IntN(6*3600)) * time.Second)
	a := feeds.Article{
		Schema:      feeds.SchemaV1,
		ID:          feeds.ArticleID(feed, guid, s.url, s.title, published),
		Feed:        feeds.FeedRef{ID: feed, Title: "Bench feed " + feed, URL: "https://www." + feed + ".example/rss.xml"},
		GUID:        guid,
		URL:         s.url,
		Title:       s.title,
		Summary:     s.summary,
		Authors:     s.extra.authors,
		Categories:  s.extra.categories,
		Language:    s.extra.language,
		Image:       s.extra.image,
		PublishedAt: published,
		FetchedAt:   at,
	}
	target := 1536 + rng.IntN(1025)
	if s.pool == nil {
		return a
	}
	var b strings.Builder
	for b.Len() < target {
		b.WriteString("<p>")
		b.WriteString(s.pool.sentences[rng.IntN(len(s.pool.sentences))])
		b.WriteString("</p>")
	}
	content := b.String()
	// Cut to size on the encoded length: json escapes < and > as six
	// bytes, so cut in proportion and check again. A paragraph cut short
	// is closed.
	for range 6 {
		a.ContentHTML = content
		data, _ := json.Marshal(&a)
		over := len(data) - target
		if over <= 0 {
			break
		}
		a.ContentHTML = ""
		bare, _ := json.Marshal(&a)
		perByte := float64(len(data)-len(bare)) / float64(len(content))
		content = capBytes(content, max(0, len(content)-int(float64(over)/perByte)-20))
		if !strings.HasSuffix(content, "</p>") {
			content += "</p>"
		}
	}
	a.ContentHTML = content
	return a
}

// rawMsg is a's message on news.raw.<feed>, as pipeline.RawPublisher sends
// it, with the poller's Nats-Msg-Id.
func rawMsg(a feeds.Article) (*nats.Msg, error) {
	data, err := pipeline.EncodeArticle(&a)
	if err != nil {
		return nil, err
	}
	m := nats.NewMsg(pipeline.RawSubject(a.Feed.ID))
	m.Data = data
	m.Header.Set("Content-Type", "application/json")
	m.Header.Set(jetstream.MsgIDHeader, pipeline.RawMsgID(&a))
	return m, nil
}

// capBytes cuts s to at most n bytes, on a word boundary when there is
// one, never inside a UTF-8 sequence.
func capBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut <= 0 {
		cut = n
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
	}
	return s[:cut]
}
