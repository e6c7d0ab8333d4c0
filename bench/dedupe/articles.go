package main

import (
	"fmt"
	"time"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline/dedupe/near/neartest"
)

// benchFeeds is how many feeds the synthetic articles are spread over.
const benchFeeds = 200

// copyDistance is how far back in the input a copy's original lies at
// least, so that the original has been handled (and its keys and
// signature recorded) before the copy arrives: the runner has at most
// Batch + Concurrency messages in hand.
const copyDistance = 500

// inputKind says what an injected article is.
type inputKind int

const (
	kindNew        inputKind = iota // a story not seen before
	kindExactCopy                   // another feed's copy of an earlier input, same title and summary
	kindNearMemory                  // an edited, trimmed copy of a remembered story
	kindNearInput                   // an edited, trimmed copy of an earlier input
)

// kindOf spreads the input 70 / 10 / 10 / 10 over the kinds.
func kindOf(i int) inputKind {
	switch i % 10 {
	case 7:
		return kindExactCopy
	case 8:
		return kindNearMemory
	case 9:
		return kindNearInput
	}
	return kindNew
}

type story struct{ title, summary string }

// article builds the message a poller would publish for a story: feed f,
// item number n of a namespace (mem, in, warm) that keeps ids apart.
func article(ns string, n, f int, s story, at time.Time) feeds.Article {
	feed := fmt.Sprintf("feed%03d", f%benchFeeds)
	guid := fmt.Sprintf("%s-%d", ns, n)
	url := fmt.Sprintf("https://%s.example/%s/%d", feed, ns, n)
	return feeds.Article{
		Schema:      feeds.SchemaV1,
		ID:          feeds.ArticleID(feed, guid, url, s.title, at),
		Feed:        feeds.FeedRef{ID: feed, URL: "https://" + feed + ".example/rss"},
		GUID:        guid,
		URL:         url,
		Title:       s.title,
		Summary:     s.summary,
		PublishedAt: at,
		FetchedAt:   at,
	}
}

// rememberedArticle is story n of the pre-loaded window, tagged with no
// topics: what dedupe.StoryMessages turns into the message the story stage
// publishes on NEWS_TAGGED, which is what a restarted replica reads back.
func rememberedArticle(n int, s story, at time.Time) feeds.Article {
	a := article("mem", n, n, s, at)
	a.Topics = []feeds.TopicMatch{}
	return a
}

// inputs returns m articles for news.raw.<feed>, mixed by kindOf; near
// copies of remembered stories are made from samples (stories known to be
// in the window). It also returns how many are new stories. The same seed
// gives the same articles.
func inputs(m int, samples []story, seed uint64, at time.Time) ([]feeds.Article, int) {
	gen := neartest.New(seed)
	out := make([]feeds.Article, 0, m)
	var fresh []int // indexes in out of the new stories
	var stories []story
	older := 0 // fresh[:older] lie at least copyDistance back
	for i := 0; i < m; i++ {
		for older < len(fresh) && fresh[older] <= i-copyDistance {
			older++
		}
		kind := kindOf(i)
		if (kind == kindExactCopy || kind == kindNearInput) && older == 0 {
			kind = kindNew
		}
		if kind == kindNearMemory && len(samples) == 0 {
			kind = kindNew
		}
		pick := func() int { return fresh[(i*7919)%older] }
		var s story
		f := i
		switch kind {
		case kindNew:
			t, sum := gen.Story()
			s = story{t, sum}
		case kindExactCopy:
			o := pick()
			s, f = stories[o], o+1+i%(benchFeeds-1)
		case kindNearMemory:
			orig := samples[(i/10)%len(samples)]
			t, sum := gen.Copy(orig.title, orig.summary)
			s = story{t, sum}
		case kindNearInput:
			o := pick()
			t, sum := gen.Copy(stories[o].title, stories[o].summary)
			s, f = story{t, sum}, o+1+i%(benchFeeds-1)
		}
		if kind == kindNew {
			fresh = append(fresh, i)
		}
		stories = append(stories, s)
		out = append(out, article("in", i, f, s, at))
	}
	return out, len(fresh)
}
