package configs

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"regexp"
	"strings"
)

// MaxFeedIDLen is the longest feed id accepted, and the longest FeedIDFromURL
// derives.
const MaxFeedIDLen = 64

// feedIDPattern is what a feed id may contain: it becomes a NATS subject
// token (news.raw.<feed>) and a KV key, so no dots, spaces or wildcards.
var feedIDPattern = regexp.MustCompile(`^[a-z0-9_-]+$`)

var nonAlnumRuns = regexp.MustCompile(`[^a-z0-9]+`)

// ValidFeedID reports whether id may be used as a feed id: 1 to MaxFeedIDLen
// characters of [a-z0-9_-].
func ValidFeedID(id string) bool {
	return len(id) <= MaxFeedIDLen && feedIDPattern.MatchString(id)
}

// FeedIDFromURL derives a feed id from a feed URL: the host without "www.",
// then the path and query, lower-cased, with every run of characters other
// than [a-z0-9] turned into "-" and leading and trailing dashes trimmed.
// "https://www.aljazeera.com/xml/rss/all.xml" gives
// "aljazeera-com-xml-rss-all-xml". An id longer than MaxFeedIDLen is cut and
// given a short hash of the whole so that two long URLs stay distinct. The
// query is kept because feeds often differ only by it (rss.php?cat=world).
// The scheme is dropped: http and https of one URL are the same feed.
func FeedIDFromURL(u string) string {
	raw := strings.TrimSpace(u)
	if p, err := url.Parse(raw); err == nil && p.Host != "" {
		host := strings.TrimPrefix(strings.ToLower(p.Host), "www.")
		raw = host + p.EscapedPath()
		if p.RawQuery != "" {
			raw += "?" + p.RawQuery
		}
	}
	id := strings.Trim(nonAlnumRuns.ReplaceAllString(strings.ToLower(raw), "-"), "-")
	if len(id) <= MaxFeedIDLen {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	suffix := hex.EncodeToString(sum[:4])
	return strings.TrimRight(id[:MaxFeedIDLen-len(suffix)-1], "-") + "-" + suffix
}

// checkFeedURL returns why u cannot be polled, or "".
func checkFeedURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return "invalid feed URL " + quote(u) + ": want an absolute http or https URL"
	}
	return ""
}

// checkFeedID returns why id cannot be a feed id, or "".
func checkFeedID(id string) string {
	if !ValidFeedID(id) {
		return "invalid feed id " + quote(id) + ": want 1-64 characters of a-z, 0-9, _ and -"
	}
	return ""
}
