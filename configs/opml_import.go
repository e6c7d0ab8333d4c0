package configs

import (
	"cmp"
	"io"
	"slices"
)

// SkippedOutline is an outline of an imported OPML file that is not a
// usable feed, and why.
type SkippedOutline struct {
	N      int    // the outline's number among all outlines (folders too), from 1
	Line   int    // where its tag ends
	Text   string // its title, else its text attribute; may be empty
	Reason string
}

// ReadOPMLFeeds reads the feeds of an OPML file for an import. Unlike
// ReadOPML, which a config's feeds_file goes through, an outline that is not
// a usable feed (a feed-typed outline without xmlUrl, an xmlUrl that is not
// an absolute http or https URL) does not fail the file: it is left out and
// listed in skipped. A repeated xmlUrl is read once. The feeds have no ids:
// AddFeeds derives them. It is an error only when the document is not
// readable OPML.
func ReadOPMLFeeds(r io.Reader, source string) (feeds []Feed, skipped []SkippedOutline, err error) {
	all, srcs, errs := readOPMLSkipping(r, source, &skipped)
	if err := errs.err(); err != nil {
		return nil, nil, err
	}
	for i, f := range all {
		if msg := checkFeedURL(f.URL); msg != "" {
			skipped = append(skipped, SkippedOutline{N: srcs[i].outline, Line: srcs[i].line, Text: f.Title, Reason: msg})
			continue
		}
		feeds = append(feeds, f)
	}
	// Both kinds were collected in document order: merge them.
	slices.SortStableFunc(skipped, func(a, b SkippedOutline) int { return cmp.Compare(a.N, b.N) })
	return feeds, skipped, nil
}
