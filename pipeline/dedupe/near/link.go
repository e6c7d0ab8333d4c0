package near

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"
)

// Kind is what sort of item a story is. Items of different kinds are never
// the same story: a video, a photo gallery or a newsletter that carries an
// article's headline and quotes its lede is another piece, and live
// coverage quotes every article it links to.
type Kind uint8

const (
	Article Kind = iota
	Live
	Video
	Gallery
	Newsletter
	Podcast
	numKinds
)

var kindNames = [numKinds]string{"article", "live coverage", "video", "gallery", "newsletter", "podcast"}

func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "unknown kind"
}

// kindSegments are path segments by which publishers file their items of
// another kind than the article: /video/…, /gallery/…, /live/…, a folder of
// its own, never a word of a slug ("video-of-armed-man-…" is an article
// about a video).
var kindSegments = map[string]Kind{
	"live": Live, "live-blog": Live, "liveblog": Live, "live-news": Live, "live-updates": Live,
	"video": Video, "videos": Video, "watch": Video, "tv": Video,
	"gallery": Gallery, "galleries": Gallery, "in-pictures": Gallery, "pictures": Gallery, "photos": Gallery, "slideshow": Gallery,
	"newsletter": Newsletter, "newsletters": Newsletter,
	"podcast": Podcast, "podcasts": Podcast, "audio": Podcast,
}

// linkFacts is what a story's link says about it.
type linkFacts struct {
	kind Kind   // from the path; Article when it says nothing
	site uint16 // hash of the publisher's name, 0 without a link
	id   uint32 // hash of the site and the article number in the path, 0 without one
}

// readLink reads a story's link: its kind from the path's folders, its
// publisher from the host (the label before the public suffix, so that
// bbc.co.uk and bbc.com are one publisher) and the publisher's article
// number: the last run of at least minArticleNumber digits in the path
// ("…-rozjechac-policjantow-6857525", "world-europe-64142651"), which
// stays when the slug is edited and is shared by a site's two domains.
func readLink(link string) linkFacts {
	var f linkFacts
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || u.Host == "" {
		return f
	}
	host := strings.ToLower(u.Hostname())
	if etld1, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		host = etld1
	}
	name, _, _ := strings.Cut(host, ".")
	f.site = uint16(mix64(fnv1a(name))>>48) | 1
	segs := strings.Split(strings.ToLower(u.EscapedPath()), "/")
	for _, s := range segs[:max(len(segs)-1, 0)] { // folders, not the last segment (the slug)
		if k, ok := kindSegments[s]; ok {
			f.kind = k
			break
		}
	}
	if n := articleNumber(u.EscapedPath()); n != "" {
		f.id = uint32(mix64(fnv1a(name+"/"+n))>>32) | 1
	}
	return f
}

// minArticleNumber is the fewest digits an article number has: dates in
// paths have at most four in a run.
const minArticleNumber = 6

// articleNumber returns the last run of at least minArticleNumber digits
// in path that is a token of its own (between punctuation: "-6857525",
// "/38799432/"), not part of a hash or id written in letters and digits
// ("18eef3d152744c58", "rcna125940"), and not a yyyymmdd date; or "".
func articleNumber(path string) string {
	for end := len(path); end > 0; {
		start := end
		for start > 0 && isDigit(path[start-1]) {
			start--
		}
		if start == end { // not a digit: step over it
			end--
			continue
		}
		n := path[start:end]
		standalone := (start == 0 || !isAlnum(path[start-1])) && (end == len(path) || !isAlnum(path[end]))
		if standalone && len(n) >= minArticleNumber && !isDate(n) {
			return n
		}
		end = start
	}
	return ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isAlnum reports an ASCII letter or digit (an escaped path is ASCII).
func isAlnum(c byte) bool { return c < utf8.RuneSelf && wordByte[c] }

// isDate reports an eight-digit run that reads as a date, yyyymmdd: a
// folder of the day's articles, not an article's number.
func isDate(n string) bool {
	if len(n) != 8 || (n[:2] != "19" && n[:2] != "20") {
		return false
	}
	month, day := n[4:6], n[6:8]
	return month >= "01" && month <= "12" && day >= "01" && day <= "31"
}
