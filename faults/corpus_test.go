package faults

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/tag"
)

// rawMsg is one article as the injector publishes it on news.raw.<feed>.
type rawMsg struct {
	subject string
	msgID   string // pipeline.RawMsgID, as the poller sets it
	data    []byte
}

// story is one piece of news: its first copy and the copies other feeds
// carry (same link, same text, their own GUID and article id). Exactly one
// of ids must come out of the pipeline, once.
type story struct {
	ids    []string // ids[0] is the copy published first
	topics []string // expected topics, sorted
}

// corpus is what a test sends: the messages in publication order and the
// stories they make up.
type corpus struct {
	msgs    []rawMsg
	stories []story
	storyOf map[string]int // article id → index in stories
	copies  int
}

// feedCount is how many feeds the articles come from.
const feedCount = 10

// newCorpus makes n messages, copyShare of them copies of an earlier story
// from another feed. Every story has its own random words (the
// near-duplicate detector sees nothing in common between two stories);
// every tenth is about a ceasefire and every tenth about sanctions, so
// topic copies are checked too. A copy follows its first copy within a few
// hundred messages, so both are often in flight at once, on different
// dedupe replicas: either may win, but only one. Expected topics come from
// the built-in rules, the ones the daemons run.
func newCorpus(t *testing.T, seed uint64, n int, copyShare float64) *corpus {
	t.Helper()
	topics, err := configs.DefaultTopics()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := tag.Compile(topics)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 0xfa17))
	nStories := int(float64(n) * (1 - copyShare))
	nCopies := n - nStories
	run := fmt.Sprintf("%x", seed)
	now := time.Now().UTC().Truncate(time.Second)

	type slot struct {
		key float64
		a   feeds.Article
	}
	c := &corpus{storyOf: map[string]int{}}
	slots := make([]slot, 0, n)
	originals := make([]feeds.Article, nStories)
	feedOf := map[string]string{}
	for i := range nStories {
		feed := fmt.Sprintf("feed%d", i%feedCount)
		title := words(rng, 8)
		switch i % 10 {
		case 0:
			title = "Ceasefire agreed in " + words(rng, 3) + " as talks resume"
		case 5:
			title = "EU imposes sanctions on " + words(rng, 3) + " exporters"
		}
		a := article(feed, fmt.Sprintf("%s-%d", run, i), fmt.Sprintf("https://news.example/%s/%d", run, i), title, words(rng, 25), now)
		originals[i] = a
		var names []string
		for _, m := range rules.Match(tag.Document{Title: a.Title, Summary: a.Summary, Language: a.Language}) {
			names = append(names, m.Name)
		}
		slices.Sort(names)
		c.stories = append(c.stories, story{ids: []string{a.ID}, topics: names})
		c.storyOf[a.ID] = i
		feedOf[a.ID] = feed
		slots = append(slots, slot{float64(i), a})
	}
	for j := 0; j < nCopies; {
		i := rng.IntN(nStories)
		o := originals[i]
		feed := fmt.Sprintf("feed%d", rng.IntN(feedCount))
		if slices.ContainsFunc(c.stories[i].ids, func(id string) bool { return feedOf[id] == feed }) {
			continue // one copy per feed: two items of one feed at one link are not copies
		}
		j++
		cp := article(feed, fmt.Sprintf("%s-%d-copy%d", run, i, j), o.URL, o.Title, o.Summary, now)
		feedOf[cp.ID] = feed
		c.stories[i].ids = append(c.stories[i].ids, cp.ID)
		c.storyOf[cp.ID] = i
		slots = append(slots, slot{float64(i) + 1 + rng.Float64()*200, cp})
	}
	c.copies = len(slots) - nStories
	slices.SortStableFunc(slots, func(a, b slot) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	for _, s := range slots {
		data, err := json.Marshal(&s.a)
		if err != nil {
			t.Fatal(err)
		}
		c.msgs = append(c.msgs, rawMsg{subject: pipeline.RawSubject(s.a.Feed.ID), msgID: pipeline.RawMsgID(&s.a), data: data})
	}
	return c
}

func article(feed, guid, url, title, summary string, at time.Time) feeds.Article {
	return feeds.Article{
		Schema:      feeds.SchemaV1,
		ID:          feeds.ArticleID(feed, guid, url, title, at),
		Feed:        feeds.FeedRef{ID: feed, Title: "Feed " + feed, URL: "https://" + feed + ".example/rss"},
		GUID:        guid,
		URL:         url,
		Title:       title,
		Summary:     summary,
		Language:    "en",
		PublishedAt: at,
		FetchedAt:   at,
	}
}

// words returns n random lowercase words of 6–10 letters: no two stories
// share a shingle.
func words(rng *rand.Rand, n int) string {
	ws := make([]string, n)
	for i := range ws {
		b := make([]byte, 6+rng.IntN(5))
		for j := range b {
			b[j] = byte('a' + rng.IntN(26))
		}
		ws[i] = string(b)
	}
	return strings.Join(ws, " ")
}
