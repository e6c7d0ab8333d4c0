package configs

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// SkippedFeed is a feed AddFeeds left out, and why.
type SkippedFeed struct {
	Feed   Feed
	Reason string
}

// RenamedFeed is a feed AddFeeds added under another id than it asked for,
// because that id was taken by a different feed.
type RenamedFeed struct {
	Feed  Feed   // as written, with its new id
	Taken string // the id it would have had
}

// AddResult says what AddFeeds did.
type AddResult struct {
	Added   []Feed // written, in the order given, with their final ids
	Renamed []RenamedFeed
	Skipped []SkippedFeed
}

// AddFeeds appends feeds to the feed list of the config file at path in one
// edit, for "newswire feeds import": the file is read, validated and
// written once, whatever the number of feeds. It goes where AddFeed writes.
//
// Unlike AddFeed, a feed that cannot be added does not fail the others:
//   - a feed whose URL is configured already, or given earlier in feeds, is
//     skipped; so is one whose URL differs from such a URL only by http
//     versus https (FeedIDFromURL treats them as one feed);
//   - a feed with an invalid URL, id or interval is skipped with the reason;
//   - a feed whose id (given, or derived from its URL when empty) is taken by
//     another feed gets the first free numeric suffix ("example-com-rss-2"),
//     and is listed in Renamed.
//
// progress, when not nil, is called with the number of feeds handled so far
// and len(feeds), after each feed, before the file is validated and written. It is an error, and nothing is written, if
// the config does not load as it stands or would not load with the result.
func AddFeeds(path string, feeds []Feed, progress func(done, total int)) (AddResult, error) {
	cur, err := (&loader{}).load(path)
	if err != nil {
		return AddResult{}, err
	}
	ids := make(map[string]bool, len(cur.cfg.Feeds)+len(feeds))
	byURL := make(map[string]string, len(cur.cfg.Feeds)+len(feeds)) // sameFeedKey → id
	for _, g := range cur.cfg.Feeds {
		ids[g.ID] = true
		byURL[sameFeedKey(g.URL)] = g.ID
	}
	var res AddResult
	for i, f := range feeds {
		if progress != nil && i > 0 {
			progress(i, len(feeds))
		}
		f.URL = strings.TrimSpace(f.URL)
		skip := func(format string, args ...any) {
			res.Skipped = append(res.Skipped, SkippedFeed{Feed: f, Reason: fmt.Sprintf(format, args...)})
		}
		if msg := checkFeedURL(f.URL); msg != "" {
			skip("%s", msg)
			continue
		}
		if id, ok := byURL[sameFeedKey(f.URL)]; ok {
			skip("already configured as %q", id)
			continue
		}
		if f.ID == "" {
			f.ID = FeedIDFromURL(f.URL)
		} else if msg := checkFeedID(f.ID); msg != "" {
			skip("%s", msg)
			continue
		}
		if f.Interval < 0 || (f.Interval > 0 && f.Interval.D() < time.Second) {
			skip("interval must be at least 1s, got %q", f.Interval)
			continue
		}
		if ids[f.ID] {
			taken := f.ID
			f.ID = uniqueFeedID(taken, ids)
			res.Renamed = append(res.Renamed, RenamedFeed{Feed: f, Taken: taken})
		}
		ids[f.ID] = true
		byURL[sameFeedKey(f.URL)] = f.ID
		res.Added = append(res.Added, f)
	}
	if progress != nil && len(feeds) > 0 {
		progress(len(feeds), len(feeds))
	}
	if len(res.Added) == 0 {
		return res, nil
	}
	target := cur.cfg.Path
	if cur.cfg.FeedsFile != "" && !isOPML(cur.cfg.FeedsFile) {
		target = cur.cfg.FeedsFile
	}
	err = editFeeds(path, target, func(seq *yaml.Node) error {
		seq.Style &^= yaml.FlowStyle
		for _, f := range res.Added {
			seq.Content = append(seq.Content, feedNode(f))
		}
		return nil
	})
	if err != nil {
		return AddResult{}, err
	}
	return res, nil
}

// sameFeedKey is what two URLs of one feed have in common: the URL without
// its scheme, so that http:// and https:// of one address are one feed.
func sameFeedKey(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		return u[i+3:]
	}
	return u
}

// uniqueFeedID returns id with the first numeric suffix ("-2", "-3", …) that
// is not in taken, cutting id so that the result stays within MaxFeedIDLen.
func uniqueFeedID(id string, taken map[string]bool) string {
	if !taken[id] {
		return id
	}
	for n := 2; ; n++ {
		suffix := "-" + strconv.Itoa(n)
		base := id
		if len(base)+len(suffix) > MaxFeedIDLen {
			base = strings.TrimRight(base[:MaxFeedIDLen-len(suffix)], "-")
		}
		if cand := base + suffix; !taken[cand] {
			return cand
		}
	}
}
