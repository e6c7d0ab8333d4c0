package feeds

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/cespare/xxhash/v2"
)

// Why splitItems could not split a document; ParseNew then parses it whole.
var (
	errSplitJSON      = errors.New("JSON, not XML")
	errSplitRoot      = errors.New("root is not rss, rdf:RDF or feed")
	errSplitUnclosed  = errors.New("unterminated tag, comment, CDATA section or declaration")
	errSplitMismatch  = errors.New("end tag does not match the open element")
	errSplitBadTag    = errors.New("'<' not followed by a name")
	errSplitTruncated = errors.New("root element not closed")
)

// itemSpan is the byte range of one item element in a document: doc[start:end]
// runs from the '<' of its start tag to the '>' of its end tag (or of the
// start tag, for <item/>).
type itemSpan struct{ start, end int }

// splitItems finds the items of an RSS 0.9x/2.0, RSS 1.0 or Atom document by
// one linear scan over its bytes, without parsing it. It fails when the
// document cannot be split safely — its root is not rss, rdf:RDF or feed, a
// tag, comment, CDATA section or processing instruction is left open, an end
// tag does not match the element it closes, or the root is never closed —
// and the caller must then parse the whole document. A document without
// items splits into none.
//
// An item is an element whose local name is "item" (RSS) or "entry" (Atom),
// compared without regard to case as gofeed does, that is a child of the
// root or, for RSS, of a channel element that is a child of the root: the
// only places gofeed looks for items. Its prefix is not checked. gofeed
// treats an item-named element outside the RSS or Atom namespaces as an
// extension and skips it; the split calls it an item all the same. That
// errs on the safe side: dropping such an element from the rebuilt document
// changes no item gofeed returns, whereas missing a real item would make it
// look new at every poll.
//
// Comments, CDATA sections, processing instructions and declarations are
// skipped as checkStructure skips them, so markup inside them counts for
// nothing. Unlike checkStructure, a start tag ends at the first '>' outside
// a quoted attribute value. Nothing after the root's end tag is read: gofeed
// stops there too.
//
// texts are the contents of the RSS items' description and content:encoded
// children that are at least liftMin bytes of character data (see lift.go),
// in document order.
func splitItems(doc []byte) (items []itemSpan, texts []textSpan, err error) {
	var (
		open      [][]byte // names of the open elements, root first
		atom      bool     // the root is an Atom feed, not rss or rdf:RDF
		itemLevel = -1     // len(open) just outside the open item; -1 outside items
		itemStart int
		textStart = -1 // where the content of a liftable element starts; -1 when none is open
		textOnly  bool // that content is character data so far
	)
	if head := bytes.TrimLeft(doc, " \t\r\n"); len(head) > 0 && (head[0] == '{' || head[0] == '[') {
		return nil, nil, errSplitJSON
	}
	for i := 0; i < len(doc); {
		j := bytes.IndexByte(doc[i:], '<')
		if j < 0 {
			break
		}
		i += j
		rest := doc[i:]
		var end int // index in doc just past the construct at i; 0 if it is unterminated
		if textStart >= 0 && !bytes.HasPrefix(rest, []byte("<![CDATA[")) && !bytes.HasPrefix(rest, []byte("</")) {
			textOnly = false // a child element, comment or processing instruction
		}
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			end = indexPast(doc, i+4, "-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end = indexPast(doc, i+9, "]]>")
		case bytes.HasPrefix(rest, []byte("<?")):
			end = indexPast(doc, i+2, "?>")
		case bytes.HasPrefix(rest, []byte("<!")):
			end = indexPast(doc, i+2, ">")
			if k := bytes.IndexByte(doc[i:max(i, end)], '['); k >= 0 && len(open) == 0 {
				end = indexPast(doc, i+k, "]>") // a DOCTYPE's internal subset
			}
		case bytes.HasPrefix(rest, []byte("</")):
			end = indexPast(doc, i+2, ">")
			if end == 0 {
				return nil, nil, errSplitUnclosed
			}
			if len(open) == 0 || !bytes.Equal(endTagName(doc[i:end]), open[len(open)-1]) {
				return nil, nil, errSplitMismatch
			}
			open = open[:len(open)-1]
			if textStart >= 0 && len(open) == itemLevel+1 { // the liftable element ends
				if textOnly && i-textStart >= liftMin {
					texts = append(texts, textSpan{len(items), textStart, i})
				}
				textStart = -1
			}
			if len(open) == itemLevel {
				items = append(items, itemSpan{itemStart, end})
				itemLevel = -1
			}
			if len(open) == 0 {
				return items, texts, nil
			}
		default:
			end = startTagEnd(doc, i)
			if end == 0 {
				return nil, nil, errSplitUnclosed
			}
			name := tagName(doc[i:end])
			if len(name) == 0 {
				return nil, nil, errSplitBadTag // gofeed fails on it as well
			}
			selfClosing := doc[end-2] == '/'
			switch {
			case len(open) == 0:
				switch root := localName(name); {
				case bytes.EqualFold(root, []byte("feed")):
					atom = true
				case !bytes.EqualFold(root, []byte("rss")) && !bytes.EqualFold(root, []byte("rdf")):
					return nil, nil, errSplitRoot
				}
				if selfClosing {
					return nil, nil, nil
				}
			case itemLevel < 0 && isItemPosition(open, atom) && bytes.EqualFold(localName(name), itemName(atom)):
				if selfClosing {
					items = append(items, itemSpan{i, end})
				} else {
					itemLevel, itemStart = len(open), i
				}
			case !atom && itemLevel >= 0 && len(open) == itemLevel+1 && !selfClosing && isLiftTag(doc[i:end]):
				textStart, textOnly = end, true
			}
			if !selfClosing {
				open = append(open, name)
			}
		}
		if end == 0 {
			return nil, nil, errSplitUnclosed
		}
		i = end
	}
	if len(open) == 0 {
		return nil, nil, errSplitRoot // no root at all
	}
	return nil, nil, errSplitTruncated
}

// isItemPosition reports whether an element opened now, inside the open
// elements, is where gofeed looks for items: a child of the root, or for
// RSS a child of a channel that is a child of the root.
func isItemPosition(open [][]byte, atom bool) bool {
	switch len(open) {
	case 1:
		return true
	case 2:
		return !atom && bytes.EqualFold(localName(open[1]), []byte("channel"))
	}
	return false
}

func itemName(atom bool) []byte {
	if atom {
		return []byte("entry")
	}
	return []byte("item")
}

// localName strips the prefix from a qualified name.
func localName(name []byte) []byte {
	if k := bytes.LastIndexByte(name, ':'); k >= 0 {
		return name[k+1:]
	}
	return name
}

// endTagName returns the name in an end tag "</name >".
func endTagName(tag []byte) []byte {
	return bytes.TrimRight(tag[2:len(tag)-1], " \t\r\n")
}

// startTagEnd returns the index just past the '>' that closes the start tag
// at doc[i], skipping quoted attribute values, or 0 when there is none.
func startTagEnd(doc []byte, i int) int {
	for k := i + 1; k < len(doc); k++ {
		switch doc[k] {
		case '>':
			return k + 1
		case '"', '\'':
			q := bytes.IndexByte(doc[k+1:], doc[k])
			if q < 0 {
				return 0
			}
			k += 1 + q
		}
	}
	return 0
}

// indexPast returns the index just after the first marker at or after from,
// or 0 when there is none: unlike skipPast, an unterminated construct is
// reported rather than taken to run to the end.
func indexPast(doc []byte, from int, marker string) int {
	if from > len(doc) {
		return 0
	}
	k := bytes.Index(doc[from:], []byte(marker))
	if k < 0 {
		return 0
	}
	return from + k + len(marker)
}

// ItemHash fingerprints one item of a feed document (see ParseNew): its
// 64-bit xxHash. It is a value without pointers, so a poller remembering
// twenty per feed for 10,000 feeds keeps 1.6 MB the collector never scans;
// as text (JSON) it is 16 hex digits. A feed lists at most a few hundred
// items, so the chance that a new item takes the hash of a listed one is
// below 1 in 10^16.
type ItemHash [8]byte

func (h ItemHash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText encodes h as 16 hex digits.
func (h ItemHash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText decodes 16 hex digits.
func (h *ItemHash) UnmarshalText(text []byte) error {
	if hex.DecodedLen(len(text)) != len(h) {
		return fmt.Errorf("feeds: item hash %q: want %d hex digits", text, 2*len(h))
	}
	_, err := hex.Decode(h[:], text)
	return err
}

// itemHash fingerprints the raw bytes of one item. It depends on nothing
// but the bytes, so it is the same in every process and after restarts,
// and callers may store it. (xxHash runs at several GB/s, SHA-256 at
// about 2 GB/s even with the CPU's SHA instructions, and every poll that
// gets a new document hashes all of it.)
func itemHash(raw []byte) ItemHash {
	return hashOf(xxhash.Sum64(raw))
}

func hashOf(x uint64) ItemHash {
	var h ItemHash
	binary.BigEndian.PutUint64(h[:], x)
	return h
}

// rebuild returns doc without the items that are not fresh, and with each
// lifted text (all of fresh items, in document order) replaced by its
// placeholder. The head, every byte between items and the tail are kept as
// they are, so the feed's own elements (link, xml:base, namespace
// declarations, elements after the items) read the same to the parser.
func rebuild(doc []byte, items []itemSpan, fresh []bool, lifts []lifted) []byte {
	size := len(doc)
	for k, it := range items {
		if !fresh[k] {
			size -= it.end - it.start
		}
	}
	for k, l := range lifts {
		size += len(liftPlaceholder(k)) - (l.span.end - l.span.start)
	}
	out := make([]byte, 0, size)
	prev, next := 0, 0 // next: the first lift not yet written
	for k, it := range items {
		if !fresh[k] {
			out = append(out, doc[prev:it.start]...)
			prev = it.end
			continue
		}
		for ; next < len(lifts) && lifts[next].span.item == k; next++ {
			out = append(out, doc[prev:lifts[next].span.start]...)
			out = append(out, liftPlaceholder(next)...)
			prev = lifts[next].span.end
		}
	}
	return append(out, doc[prev:]...)
}
