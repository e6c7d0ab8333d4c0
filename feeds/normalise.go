package feeds

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
)

// Normalise turns a parsed feed into Articles, one per item, in feed order.
// src identifies the feed (its URL is the base for relative links when the
// feed names no site link); fetchedAt is when the body was fetched.
//
// Every Article has Schema SchemaV1, an ID (see ArticleID), FetchedAt, and
// times in UTC. Items with no title, no link and no summary carry nothing
// to publish and are skipped. Nothing is invented: an item without a date has
// zero PublishedAt, one without a usable link an empty URL. Dedupe and Topics
// are left nil for the later stages.
func Normalise(src FeedRef, feed *gofeed.Feed, fetchedAt time.Time) []Article {
	if feed == nil {
		return nil
	}
	n := newNormaliser(src, feed, fetchedAt)
	out := make([]Article, 0, len(feed.Items))
	for _, item := range feed.Items {
		if item == nil {
			continue
		}
		if a, ok := n.article(item); ok {
			out = append(out, a)
		}
	}
	return out
}

// normaliser holds what is shared by all items of one feed.
type normaliser struct {
	src       FeedRef
	base      *url.URL
	language  string
	authors   []string // feed-level authors, inherited by Atom and JSON Feed entries
	fetchedAt time.Time
}

func newNormaliser(src FeedRef, feed *gofeed.Feed, fetchedAt time.Time) *normaliser {
	if src.Title == "" {
		src.Title = PlainText(feed.Title)
	}
	n := &normaliser{
		src:       src,
		base:      baseURL(src.URL, feed.Link),
		language:  normaliseLanguage(feed.Language),
		fetchedAt: fetchedAt.UTC(),
	}
	// Atom (RFC 4287 §4.2.1) and JSON Feed say entries without an author
	// inherit the feed's. RSS has no such rule: managingEditor is not the
	// author of every item.
	if feed.FeedType == "atom" || feed.FeedType == "json" {
		n.authors = personNames(feed.Authors)
	}
	return n
}

// baseURL is what relative item links are resolved against: the feed's own
// site link (itself resolved against the feed URL), else the feed URL.
func baseURL(feedURL, siteLink string) *url.URL {
	feedBase, err := url.Parse(strings.TrimSpace(feedURL))
	if err != nil || !feedBase.IsAbs() {
		feedBase = nil
	}
	if siteLink != "" {
		if c, err := CanonicalURL(siteLink, feedBase); err == nil {
			if u, err := url.Parse(c); err == nil {
				return u
			}
		}
	}
	return feedBase
}

func (n *normaliser) article(item *gofeed.Item) (Article, bool) {
	a := Article{
		Schema:      SchemaV1,
		Feed:        n.src,
		GUID:        item.GUID,
		Title:       capped(item.Title, TitleMaxRunes),
		ContentHTML: capContent(item.Content),
		Authors:     personNames(item.Authors),
		Categories:  categories(item.Categories),
		Language:    n.language,
		Image:       n.image(item),
		PublishedAt: utc(item.PublishedParsed),
		UpdatedAt:   utc(item.UpdatedParsed),
		FetchedAt:   n.fetchedAt,
	}
	var identityURL string
	a.URL, identityURL = n.link(item)
	a.Summary = summary(item)
	if a.Title == "" && a.URL == "" && a.Summary == "" {
		return Article{}, false
	}
	if a.PublishedAt.IsZero() {
		a.PublishedAt = a.UpdatedAt
	}
	if len(a.Authors) == 0 && len(n.authors) > 0 {
		a.Authors = append([]string(nil), n.authors...)
	}
	if item.DublinCoreExt != nil && len(item.DublinCoreExt.Language) > 0 {
		if l := normaliseLanguage(item.DublinCoreExt.Language[0]); l != "" {
			a.Language = l
		}
	}
	a.ID = ArticleID(n.src.ID, a.GUID, identityURL, a.Title, a.PublishedAt)
	return a, true
}

// link returns the item's canonical link, and the identity ArticleID gets
// for it: the canonical link with the original fragment put back. Some feeds
// tell their items apart only by fragment (entries.php#110, #111, …); the
// published URL drops it, but two items must not share an id because of it.
//
// RSS says a <guid> is a permalink unless isPermaLink="false", so a GUID
// that is an absolute http(s) URL stands in when the item has no link.
func (n *normaliser) link(item *gofeed.Item) (canonical, identity string) {
	type candidate struct {
		raw  string
		base *url.URL
	}
	var candidates []candidate
	// A canonical link the feed gives explicitly (FeedBurner's origLink
	// behind a redirecting proxy link) wins over the item's link.
	if ext, ok := item.Extensions["feedburner"]; ok {
		if orig := ext["origLink"]; len(orig) > 0 {
			candidates = append(candidates, candidate{orig[0].Value, n.base})
		}
	}
	candidates = append(candidates, candidate{item.Link, n.base})
	if len(item.Links) > 0 {
		candidates = append(candidates, candidate{item.Links[0], n.base})
	}
	if guid := strings.TrimSpace(item.GUID); strings.HasPrefix(guid, "http://") || strings.HasPrefix(guid, "https://") {
		candidates = append(candidates, candidate{guid, nil})
	}
	for _, cand := range candidates {
		c, err := CanonicalURL(cand.raw, cand.base)
		if err != nil {
			continue
		}
		identity = c
		if u, err := url.Parse(strings.TrimSpace(cand.raw)); err == nil && u.Fragment != "" {
			identity += "#" + u.EscapedFragment()
		}
		return c, identity
	}
	return "", ""
}

// image returns the item's image, else its first image enclosure, resolved
// against the base but otherwise untouched: image URLs may be signed, so
// their query is not reordered.
func (n *normaliser) image(item *gofeed.Item) string {
	raw := ""
	if item.Image != nil {
		raw = item.Image.URL
	}
	if strings.TrimSpace(raw) == "" {
		for _, e := range item.Enclosures {
			if e != nil && strings.HasPrefix(strings.ToLower(e.Type), "image/") {
				raw = e.URL
				break
			}
		}
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if n.base != nil {
		u = n.base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	return u.String()
}

// capped is the plain text of html, cut at a word boundary (ending in
// "…") when it has more than maxRunes runes.
func capped(html string, maxRunes int) string {
	text, cut := plainTextPrefix(html, maxRunes)
	if cut {
		text = truncateWords(text, maxRunes)
	}
	return text
}

// summary is the plain text of the description, else of the content,
// capped at SummaryMaxRunes.
func summary(item *gofeed.Item) string {
	for _, html := range []string{item.Description, item.Content} {
		if text := capped(html, SummaryMaxRunes); text != "" {
			return text
		}
	}
	return ""
}

func personNames(people []*gofeed.Person) []string {
	var names []string
	for _, p := range people {
		if p == nil {
			continue
		}
		if name := PlainText(p.Name); name != "" && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

func categories(in []string) []string {
	var out []string
	for _, c := range in {
		if c = PlainText(c); c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// normaliseLanguage lower-cases a language tag and uses "-" as separator
// ("en_US" → "en-us"). It does not validate the tag.
func normaliseLanguage(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "_", "-")
}

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// MaxContentHTML caps content_html: one huge item must not make its
// article too large for the broker (1 MiB messages) and block its feed.
const MaxContentHTML = 256 << 10

// capContent cuts s to at most MaxContentHTML bytes, at a UTF-8 boundary.
func capContent(s string) string {
	if len(s) <= MaxContentHTML {
		return s
	}
	cut := MaxContentHTML
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
