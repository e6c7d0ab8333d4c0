package feeds

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Hints are what a publisher says about how often to poll it, read from
// the feed document itself (RSS <ttl>, <skipHours>, <skipDays>). HTTP
// caching headers arrive on FetchResult instead.
type Hints struct {
	TTL       time.Duration  // RSS <ttl>, zero when absent
	SkipHours []int          // RSS <skipHours>: hours of the day (0–23, GMT) not to poll
	SkipDays  []time.Weekday // RSS <skipDays>: days (GMT) not to poll
}

// hintsScanLimit bounds how much of a document FeedHints reads. The hints
// belong to the channel header, which comes before the items in every feed
// we have seen; past the first item, or past this many bytes, we stop.
const hintsScanLimit = 64 << 10

// maxTTL caps the TTL a feed may claim, so that a silly value cannot
// overflow a Duration; the scheduler clamps far lower anyway.
const maxTTL = 365 * 24 * time.Hour

// FeedHints reads the publisher's hints from the channel header of an RSS
// document, without parsing it: one pass over at most its first 64 KiB,
// stopping at the first <item> or <entry>. It never fails; what it cannot
// read (an Atom or JSON feed, a garbled value, an hour outside 0–23, a
// document in UTF-16) yields no hint. Out-of-range or duplicate hours and
// days are dropped and the rest returned in ascending order. An hour of 24
// is read as 0, a common reading of the RSS spec's "hour 24".
func FeedHints(body []byte) Hints {
	var h Hints
	doc := body[:min(len(body), hintsScanLimit)]
	var open string // innermost of ttl, hour, day we are in, else ""
	var inSkipHours, inSkipDays bool
	textStart := 0
	for i := 0; i < len(doc); {
		j := bytes.IndexByte(doc[i:], '<')
		if j < 0 {
			break
		}
		i += j
		rest := doc[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			i = skipPast(doc, i+4, "-->")
			continue
		case bytes.HasPrefix(rest, []byte("<?")), bytes.HasPrefix(rest, []byte("<!")):
			i = skipPast(doc, i+2, ">")
			continue
		}
		end := bytes.IndexByte(rest, '>')
		if end < 0 {
			break
		}
		tag := rest[:end]
		closing := len(tag) > 1 && tag[1] == '/'
		var name string
		if closing {
			name = strings.ToLower(string(tagName(tag[1:])))
		} else {
			name = strings.ToLower(string(tagName(tag)))
		}
		i += end + 1
		switch {
		case !closing && (name == "item" || name == "entry"):
			return h.sorted()
		case name == "skiphours":
			inSkipHours = !closing
		case name == "skipdays":
			inSkipDays = !closing
		case name == "ttl" || (name == "hour" && inSkipHours) || (name == "day" && inSkipDays):
			if !closing {
				open, textStart = name, i
				continue
			}
			if open == name {
				h.add(name, strings.TrimSpace(string(doc[textStart:i-end-1])))
			}
		}
		open = ""
	}
	return h.sorted()
}

func (h *Hints) add(name, value string) {
	switch name {
	case "ttl":
		if m, err := strconv.ParseInt(value, 10, 64); err == nil && m > 0 {
			h.TTL = min(time.Duration(min(m, int64(maxTTL/time.Minute)))*time.Minute, maxTTL)
		}
	case "hour":
		if n, err := strconv.Atoi(value); err == nil && n >= 0 && n <= 24 && len(h.SkipHours) < 24 {
			h.SkipHours = append(h.SkipHours, n%24)
		}
	case "day":
		for d := time.Sunday; d <= time.Saturday; d++ {
			if strings.EqualFold(value, d.String()) && len(h.SkipDays) < 7 {
				h.SkipDays = append(h.SkipDays, d)
			}
		}
	}
}

func (h Hints) sorted() Hints {
	slices.Sort(h.SkipHours)
	h.SkipHours = slices.Compact(h.SkipHours)
	slices.Sort(h.SkipDays)
	h.SkipDays = slices.Compact(h.SkipDays)
	return h
}

// cacheMaxAge returns the Cache-Control max-age of a response: zero when
// absent or unparsable, and zero when no-cache or no-store says not to
// reuse the response at all. s-maxage is for shared caches and ignored.
func cacheMaxAge(h http.Header) time.Duration {
	var maxAge time.Duration
	for _, v := range h.Values("Cache-Control") {
		for directive := range strings.SplitSeq(v, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(directive), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-cache", "no-store":
				return 0
			case "max-age":
				secs, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(value), `"`), 10, 64)
				if err == nil && secs > 0 {
					maxAge = time.Duration(min(secs, int64(maxTTL/time.Second))) * time.Second
				}
			}
		}
	}
	return maxAge
}

// expires returns a response's Expires header as a time, zero when absent
// or not an HTTP date (such as the common "0" or "-1").
func expires(h http.Header) time.Time {
	v := h.Get("Expires")
	if v == "" {
		return time.Time{}
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return time.Time{}
	}
	return t
}
