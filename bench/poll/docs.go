package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
)

// itemsPerDoc is how many items a served document lists when its shape
// does not come from the corpus.
const itemsPerDoc = 20

// shape is the size of a document and how many items it lists.
type shape struct{ bytes, items int }

// docDefaultBytes is the mean document size without the corpus: about the
// median of its whole feeds (40 KB).
const docDefaultBytes = 40000

// docEpoch dates the items: item seq is published seq × 20 minutes after it,
// so a document's bytes depend only on the feed and its newest seq.
var docEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// template is the text of one real (or generated) feed item that served
// items borrow their title, link and description from.
type template struct {
	title, link, desc string
}

// fullFeedItems is how many items a corpus document must list to count as
// a whole feed, not a trimmed test fixture, when its size is taken as one
// a served document may have.
const fullFeedItems = 10

// loadTemplates reads the items of every feed document in dir that gofeed
// parses, and the shapes of the documents among them that list at least
// fullFeedItems items. It returns nil templates when dir is absent or
// yields too few items.
func loadTemplates(dir string) (out []template, shapes []shape) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil
	}
	fp := gofeed.NewParser()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".xml") || strings.HasSuffix(name, ".json")) {
			continue
		}
		doc, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		feed, err := fp.Parse(bytes.NewReader(doc))
		if err != nil {
			continue // the corpus keeps broken files on purpose
		}
		if len(feed.Items) >= fullFeedItems {
			shapes = append(shapes, shape{len(doc), len(feed.Items)})
		}
		for _, it := range feed.Items {
			desc := it.Description
			if desc == "" {
				desc = it.Content
			}
			if it.Title == "" || !strings.HasPrefix(it.Link, "http") || !utf8.ValidString(it.Title+desc) {
				continue
			}
			out = append(out, template{title: it.Title, link: it.Link, desc: truncate(desc, 2000)})
		}
	}
	if len(out) < 100 {
		return nil, nil
	}
	return out, shapes
}

// generatedTemplates stands in for the corpus when it is absent.
func generatedTemplates() []template {
	subjects := []string{"Ceasefire talks", "Sanctions package", "Flood warnings", "Election count", "Central bank",
		"Drone strike", "Prisoner exchange", "Wildfire", "Trade delegation", "Parliament vote"}
	verbs := []string{"resume in", "stall over", "expand to", "spread across", "delayed in", "confirmed in"}
	places := []string{"Geneva", "Kyiv", "Doha", "Brussels", "Khartoum", "Manila", "Lima", "Nairobi", "Tbilisi"}
	var out []template
	for i := range 540 {
		s, v, p := subjects[i%len(subjects)], verbs[i/len(subjects)%len(verbs)], places[i%len(places)]
		title := fmt.Sprintf("%s %s %s", s, v, p)
		desc := fmt.Sprintf("<p>%s %s %s, officials said on %s. ", s, v, p, docEpoch.AddDate(0, 0, i).Format("Monday")) +
			strings.Repeat("Negotiators met for several hours and a statement is expected later, according to people familiar with the matter. ", 1+i%4) +
			`<a href="https://news.example/more">Read more</a></p>`
		out = append(out, template{title: title, link: fmt.Sprintf("https://news.example/%d/%s", 2026, slug(title)), desc: desc})
	}
	return out
}

func slug(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, " ", "-"))
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// mix is splitmix64: a cheap, well-spread hash for picking kinds, sizes
// and templates deterministically.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// renderRSS writes feed i's RSS 2.0 document of the given shape whose
// newest item is head: items head, head-1, … (at most sh.items, none below
// 1), each about sh.bytes/sh.items bytes, texts borrowed from pool.
func renderRSS(buf *bytes.Buffer, i, head int, sh shape, pool []template) {
	esc := func(s string) { _ = xml.EscapeText(buf, []byte(s)) }
	fmt.Fprintf(buf, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\">\n<channel>\n"+
		"<title>Bench feed %d</title>\n<link>https://news%d.example/</link>\n"+
		"<description>Feed %d of the newswire polling benchmark</description>\n<language>en</language>\n"+
		"<lastBuildDate>%s</lastBuildDate>\n", i, i, i, itemTime(head).Format(time.RFC1123Z))
	perItem := sh.bytes / sh.items
	for seq := head; seq > head-sh.items && seq > 0; seq-- {
		t := pool[mix(uint64(i)<<32|uint64(seq))%uint64(len(pool))]
		link := itemLink(t.link, i, seq)
		title := truncate(t.title, 120)
		buf.WriteString("<item>\n<title>")
		esc(title)
		buf.WriteString("</title>\n<link>")
		esc(link)
		fmt.Fprintf(buf, "</link>\n<guid isPermaLink=\"false\">bench-%d-%d</guid>\n<pubDate>%s</pubDate>\n<description>",
			i, seq, itemTime(seq).Format(time.RFC1123Z))
		esc(truncate(fill(t.desc, perItem), perItem-len(title)-len(link)-170))
		buf.WriteString("</description>\n</item>\n")
	}
	buf.WriteString("</channel>\n</rss>\n")
}

// itemLink makes a template's link unique to feed i's item seq; a long
// link is cut to its host, as many feeds' links are short.
func itemLink(link string, i, seq int) string {
	if u, err := url.Parse(link); err == nil && len(link) > 100 {
		link = u.Scheme + "://" + u.Host + "/news"
	}
	sep := "?"
	if strings.Contains(link, "?") {
		sep = "&"
	}
	return fmt.Sprintf("%s%snw=%d-%d", link, sep, i, seq)
}

func itemTime(seq int) time.Time {
	return docEpoch.Add(time.Duration(seq) * 20 * time.Minute)
}

// fill repeats desc up to n bytes, for documents larger than the
// templates' own text (news feeds often carry 2–3 KB per item).
func fill(desc string, n int) string {
	if desc == "" || len(desc) >= n {
		return desc
	}
	var b strings.Builder
	for b.Len() < n {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(desc)
	}
	return b.String()
}
