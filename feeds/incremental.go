package feeds

import (
	"bytes"
	"encoding/json"

	"github.com/cespare/xxhash/v2"
	"github.com/mmcdole/gofeed"
)

// ParseNew parses only the items of body that known does not recognise, for
// a poller that has seen most of them before. It is ParseBody for a changed
// document of which only a few items are new: the charset conversion and the
// structure guards run as in ParseBody, once, over the whole body; then, when
// the document is RSS 0.9x/2.0, RSS 1.0 or Atom, a linear scan (splitItems)
// finds its items without parsing them, each is hashed, and gofeed parses a
// copy of the document from which the known items have been cut out. The
// feed's own elements — its link, xml:base, namespaces, title, authors —
// stay in that copy, so Normalise gives a new item exactly the Article it
// would have had from ParseBody. An item is an element named item (RSS) or
// entry (Atom), with any prefix, where gofeed looks for items: a child of
// the root, or for RSS of its channel.
//
// It returns the parsed feed holding only the new items, in the order
// ParseBody would give them, and the hashes of all items, new and known, in document order, for the
// caller to remember until the next poll. known is called once per item,
// from this goroutine only, and is not retained; a nil known knows nothing,
// which parses every item as ParseBody would. When every item is known,
// gofeed does not run and the feed is nil: a poll that found nothing new
// learns nothing about the feed's title or link either (call ParseBody for
// those). On an error the hashes are nil, so that a failed poll makes no item
// look seen.
//
// The long texts of the new items — an RSS item's description and
// content:encoded, when they are character data — are lifted out of the
// copy gofeed parses and put back afterwards with the value gofeed would
// have given them (see lift.go): tokenising them was most of the cost.
//
// A hash is 64 bits (16 hex digits as text), stable across processes and releases as long as
// the item's bytes (after conversion to UTF-8) do not change; an item whose
// bytes change in any way is new. Documents that cannot be split — JSON
// Feed, XML with no items or with markup the scan cannot follow (unbalanced
// or mismatched tags, an unterminated comment or CDATA section, a truncated
// body) — are parsed whole with gofeed, with ParseBody's errors, and each
// item is then hashed over gofeed's reading of it (see parsedItemHash) and
// dropped if known. Such hashes differ from those of a split, so a feed that
// switches between the two forms looks entirely new once.
//
// Errors are those of ParseBody.
func ParseNew(body []byte, contentType string, known func(ItemHash) bool) (*gofeed.Feed, []ItemHash, error) {
	doc, err := prepare(body, contentType)
	if err != nil {
		return nil, nil, err
	}
	if known == nil {
		known = func(ItemHash) bool { return false }
	}
	items, texts, err := splitItems(doc)
	if err != nil || len(items) == 0 {
		return parseWholeNew(doc, known)
	}
	hashes := make([]ItemHash, len(items))
	fresh := make([]bool, len(items))
	var nFresh int
	for k, it := range items {
		hashes[k] = itemHash(doc[it.start:it.end])
		if !known(hashes[k]) {
			fresh[k] = true
			nFresh++
		}
	}
	if nFresh == 0 {
		return nil, hashes, nil
	}
	if lifts := liftTexts(doc, texts, fresh); len(lifts) > 0 {
		feed, err := Parse(bytes.NewReader(rebuild(doc, items, fresh, lifts)))
		if err == nil && restoreLifted(feed, lifts) {
			return feed, hashes, nil
		}
		// gofeed did not read the document as lifting expects (or failed
		// on it): parse it as it is.
	}
	if nFresh < len(items) {
		doc = rebuild(doc, items, fresh, nil)
	}
	feed, err := Parse(bytes.NewReader(doc))
	if err != nil {
		return nil, nil, err
	}
	return feed, hashes, nil
}

// parseWholeNew is ParseNew for a document that could not be split: it
// parses all of it and keeps the items that are not known.
func parseWholeNew(doc []byte, known func(ItemHash) bool) (*gofeed.Feed, []ItemHash, error) {
	feed, err := Parse(bytes.NewReader(doc))
	if err != nil {
		return nil, nil, err
	}
	hashes := make([]ItemHash, 0, len(feed.Items))
	var fresh []*gofeed.Item
	for _, item := range feed.Items {
		if item == nil {
			continue
		}
		h := parsedItemHash(item)
		hashes = append(hashes, h)
		if !known(h) {
			fresh = append(fresh, item)
		}
	}
	if len(fresh) == 0 {
		return nil, hashes, nil
	}
	feed.Items = fresh
	return feed, hashes, nil
}

// parsedItemHash fingerprints an item that gofeed has already parsed: the
// xxHash of its JSON encoding, which covers every field gofeed read, in a
// fixed order (encoding/json sorts map keys). Like itemHash it changes
// whenever the item does, but it also changes when an upgrade of gofeed
// reads the same bytes differently.
func parsedItemHash(item *gofeed.Item) ItemHash {
	b, err := json.Marshal(item)
	if err != nil { // not expected: an Item holds only strings, times, slices and maps of them
		b = []byte(item.GUID + "\x00" + item.Link + "\x00" + item.Title)
	}
	return hashOf(xxhash.Sum64(b))
}
