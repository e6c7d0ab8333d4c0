package configs

import (
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ReadOPML reads the feeds of an OPML 1.0 or 2.0 document (a feed reader's
// subscription export). Every outline with an xmlUrl is a feed, whatever
// folder it sits in and however deep: folders are flattened, and a feed
// filed in several folders is read once. The title comes from the outline's
// title attribute, else its text; the id is derived from the URL with
// FeedIDFromURL, and when two URLs derive the same id (http and https of one
// address, "a.b" and "a-b") the later one gets a numeric suffix
// ("example-com-rss-2") rather than failing the document. source names the
// document in errors, which locate an outline by its position among all
// outlines and, where known, a line: "feeds.opml:12: outline 3: ...".
func ReadOPML(r io.Reader, source string) ([]Feed, error) {
	feeds, srcs, errs := readOPML(r, source)
	taken := make(map[string]bool, len(feeds))
	for i := range feeds {
		if checkFeedURL(feeds[i].URL) != "" {
			continue // validateFeeds reports it
		}
		feeds[i].ID = uniqueFeedID(FeedIDFromURL(feeds[i].URL), taken)
		taken[feeds[i].ID] = true
	}
	validateFeeds(feeds, srcs, &errs)
	if err := errs.err(); err != nil {
		return nil, err
	}
	return feeds, nil
}

// readOPML reads the feeds of an OPML document and where each was written,
// leaving ids empty and URLs unchecked for validateFeeds.
func readOPML(r io.Reader, file string) ([]Feed, []feedSource, ErrorList) {
	return readOPMLSkipping(r, file, nil)
}

// readOPMLSkipping is readOPML that, when skipped is not nil, reports an
// outline that is not a feed there instead of as an error.
func readOPMLSkipping(r io.Reader, file string, skipped *[]SkippedOutline) ([]Feed, []feedSource, ErrorList) {
	var (
		feeds []Feed
		srcs  []feedSource
		errs  ErrorList
		seen  = map[string]bool{}
		n     int // outlines so far
		root  string
	)
	dec := xml.NewDecoder(r)
	dec.CharsetReader = charsetReader
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			var ce charsetError
			if errors.As(err, &se) {
				errs.add(file, se.Line, "", "invalid XML: %s", se.Msg)
			} else if errors.As(err, &ce) {
				errs.add(file, 0, "", "%s", ce)
			} else {
				errs.add(file, 0, "", "invalid XML: %s", err)
			}
			return nil, nil, errs
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if root == "" {
			root = start.Name.Local
			if !strings.EqualFold(root, "opml") {
				line, _ := dec.InputPos()
				errs.add(file, line, "", "not an OPML document (root element <%s>)", root)
				return nil, nil, errs
			}
			continue
		}
		if !strings.EqualFold(start.Name.Local, "outline") {
			continue
		}
		n++
		line, _ := dec.InputPos()
		attr := outlineAttrs(start)
		key := "outline " + strconv.Itoa(n)
		u := strings.TrimSpace(attr["xmlurl"])
		if u == "" {
			if t := strings.ToLower(attr["type"]); t == "rss" || t == "atom" {
				if skipped != nil {
					*skipped = append(*skipped, SkippedOutline{N: n, Line: line, Text: outlineText(attr),
						Reason: fmt.Sprintf("type %q outline without xmlUrl", attr["type"])})
				} else {
					errs.add(file, line, key, "type %q outline without xmlUrl", attr["type"])
				}
			}
			continue // a folder, or a link that is not a feed
		}
		if seen[u] {
			continue
		}
		seen[u] = true
		feeds = append(feeds, Feed{URL: u, Title: outlineText(attr)})
		srcs = append(srcs, feedSource{file: file, key: key, line: line, index: len(srcs), opml: true, outline: n})
	}
	if root == "" {
		errs.add(file, 0, "", "not an OPML document (no elements)")
	}
	return feeds, srcs, errs
}

// outlineText is an outline's title, else its text.
func outlineText(attr map[string]string) string {
	return strings.TrimSpace(cmp.Or(attr["title"], attr["text"]))
}

// outlineAttrs returns an outline's attributes keyed by lower-cased name:
// exports disagree on "xmlUrl" versus "xmlurl".
func outlineAttrs(e xml.StartElement) map[string]string {
	m := make(map[string]string, len(e.Attr))
	for _, a := range e.Attr {
		m[strings.ToLower(a.Name.Local)] = a.Value
	}
	return m
}

// charsetReader decodes the non-UTF-8 encodings OPML exports use in
// practice. Latin-1 maps byte for byte onto the first 256 code points.
func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		out := make([]byte, 0, len(data)*2)
		for _, b := range data {
			out = utf8.AppendRune(out, rune(b))
		}
		return strings.NewReader(string(out)), nil
	}
	return nil, charsetError(charset)
}

// charsetError is an encoding charsetReader cannot decode.
type charsetError string

func (e charsetError) Error() string {
	return fmt.Sprintf("unsupported encoding %q: convert the file to UTF-8", string(e))
}

type opmlDoc struct {
	XMLName xml.Name      `xml:"opml"`
	Version string        `xml:"version,attr"`
	Title   string        `xml:"head>title"`
	Body    []opmlOutline `xml:"body>outline"`
}

type opmlOutline struct {
	Type   string `xml:"type,attr"`
	Text   string `xml:"text,attr"`
	Title  string `xml:"title,attr,omitempty"`
	XMLURL string `xml:"xmlUrl,attr"`
}

// WriteOPML writes feeds as an OPML 2.0 document titled title, one outline
// per feed in order, flat (no folders: Miniflux and FreshRSS file top-level
// feeds in their default category). Each outline has type="rss", the
// required text, title when the feed has one, and xmlUrl; attribute values
// are XML-escaped (& < > " and line breaks), and characters XML cannot
// carry (control characters, invalid UTF-8) become U+FFFD. The output is
// deterministic (no dateCreated) so that exports can be diffed. With no
// feeds the body is empty, which OPML 2.0 readers may refuse: there is
// nothing to import. OPML has no place for a feed's id or interval:
// ReadOPML derives ids from URLs, and a feed without a title is written,
// and so read back, with its id as its title.
func WriteOPML(w io.Writer, title string, feeds []Feed) error {
	doc := opmlDoc{Version: "2.0", Title: title, Body: make([]opmlOutline, len(feeds))}
	for i, f := range feeds {
		text := f.Title
		if text == "" {
			text = f.ID
		}
		doc.Body[i] = opmlOutline{Type: "rss", Text: text, Title: f.Title, XMLURL: f.URL}
	}
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("write OPML: %w", err)
	}
	if _, err := io.WriteString(w, xml.Header+string(out)+"\n"); err != nil {
		return fmt.Errorf("write OPML: %w", err)
	}
	return nil
}
