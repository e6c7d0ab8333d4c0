package configs

import (
	"fmt"
	"time"
)

// feedSource says where one feed was written, so that an error about it, or
// a duplicate of it, can point there.
type feedSource struct {
	file   string          // as shown in errors
	key    string          // "feeds[2]" in YAML, "outline 3" in OPML
	lines  lines           // YAML: lines of the item's keys; nil for OPML
	failed map[string]bool // YAML: keys the decoder rejected
	line   int             // the item's line (OPML: where its tag ends)
	index  int             // position among the feeds of its file
	opml   bool
	// OPML: the outline's number among all outlines, from 1
	outline int
}

// at locates a field of the feed: its own key and line in YAML; in OPML the
// outline as a whole, whose attributes have no lines of their own.
func (s feedSource) at(field string) (key string, line int) {
	if s.opml {
		return s.key, s.line
	}
	key = s.key + "." + field
	return key, s.lines.at(key)
}

// rejected reports whether the decoder already complained about field.
func (s feedSource) rejected(field string) bool {
	return s.failed[s.key+"."+field]
}

// firstAt describes where a feed was first seen, relative to other: "line 9"
// in the same file, "feeds.yaml:9" in another.
func (s feedSource) firstAt(field string, other feedSource) string {
	key, line := s.at(field)
	switch {
	case s.file == other.file && line > 0:
		return fmt.Sprintf("line %d", line)
	case line > 0:
		return fmt.Sprintf("%s:%d", s.file, line)
	default:
		return s.file + " " + key
	}
}

// validateFeeds checks feeds (written at srcs), derives the ids of feeds that
// have none, and reports malformed or duplicate ids and URLs to errs.
func validateFeeds(feeds []Feed, srcs []feedSource, errs *ErrorList) {
	ids := map[string]int{}  // id → index of its first feed
	urls := map[string]int{} // url → index of its first feed
	for i := range feeds {
		f, src := &feeds[i], srcs[i]
		report := func(field, format string, args ...any) {
			key, line := src.at(field)
			errs.add(src.file, line, key, format, args...)
		}
		urlOK := !src.rejected("url")
		switch {
		case !urlOK:
		case f.URL == "":
			report("url", "required")
			urlOK = false
		default:
			if msg := checkFeedURL(f.URL); msg != "" {
				report("url", "%s", msg)
				urlOK = false
			}
		}
		derived := false
		if f.ID == "" && urlOK && !src.rejected("id") {
			f.ID, derived = FeedIDFromURL(f.URL), true
		}
		if f.ID != "" && !derived {
			if msg := checkFeedID(f.ID); msg != "" {
				report("id", "%s", msg)
			}
		}
		if f.Interval < 0 {
			report("interval", "must be positive, got %q", f.Interval)
		} else if f.Interval > 0 && f.Interval.D() < time.Second {
			report("interval", "must be at least 1s, got %q", f.Interval)
		}
		if f.ID != "" {
			if first, dup := ids[f.ID]; dup {
				at := srcs[first].firstAt("id", src)
				if derived {
					report("id", "duplicate feed id %q derived from the URL (first at %s); set an id", f.ID, at)
				} else {
					report("id", "duplicate feed id %q (first at %s)", f.ID, at)
				}
			} else {
				ids[f.ID] = i
			}
		}
		if urlOK {
			if first, dup := urls[f.URL]; dup {
				report("url", "duplicate feed URL %q (first at %s)", f.URL, srcs[first].firstAt("url", src))
			} else {
				urls[f.URL] = i
			}
		}
	}
}
