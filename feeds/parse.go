package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html/charset"
)

// Parse reads one RSS, Atom or JSON feed from r with gofeed. It only parses:
// fetching is the Fetcher's job, and r should already be bounded in size.
//
// Errors are *FetchError of ClassNotFeed when the input is not recognisably
// a feed (including JSON that is not JSON Feed), and ClassParse otherwise — including a panic inside gofeed, which is
// recovered. A stack overflow from absurdly deep nesting cannot be
// recovered: call ParseBody, which checks the depth first, on untrusted input.
func Parse(r io.Reader) (feed *gofeed.Feed, err error) {
	defer func() {
		if v := recover(); v != nil {
			feed, err = nil, &FetchError{Class: ClassParse, Err: fmt.Errorf("parser panic: %v", v)}
		}
	}()
	p := gofeed.NewParser()
	// The image scan HTML-parses every item's content looking for an <img>;
	// it costs a large share of the CPU and we do not need its guess.
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	feed, err = p.Parse(r)
	if err != nil {
		class := ClassParse
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			class = ClassNotFeed
		}
		return nil, &FetchError{Class: class, Err: err}
	}
	if feed == nil {
		return nil, &FetchError{Class: ClassParse, Err: errors.New("parser returned no feed")}
	}
	// gofeed takes any JSON object for a JSON Feed; one without the
	// required "version" is some other JSON document (an API error, RSS
	// serialised as JSON) and yields nothing but an empty feed.
	if feed.FeedType == "json" && feed.FeedVersion == "" {
		return nil, &FetchError{Class: ClassNotFeed, Err: errors.New("JSON document without a JSON Feed version")}
	}
	return feed, nil
}

// ParseBody parses a fetched body, given the Content-Type it was served with.
//
// gofeed learns the character set only from the XML declaration. When the body
// is not valid UTF-8, declares no encoding of its own, and the Content-Type
// names a charset, ParseBody transcodes the body to UTF-8 first. A body that
// declares its encoding is left alone, since transcoding it as well would
// decode it twice.
func ParseBody(body []byte, contentType string) (*gofeed.Feed, error) {
	if !utf8.Valid(body) && xmlDeclaredEncoding(body) == "" {
		if label := contentTypeCharset(contentType); label != "" {
			if r, err := charset.NewReaderLabel(label, bytes.NewReader(body)); err == nil {
				if decoded, err := io.ReadAll(r); err == nil {
					body = decoded
				}
			}
		}
	}
	if err := checkXMLDepth(body); err != nil {
		return nil, err
	}
	return Parse(bytes.NewReader(body))
}

// contentTypeCharset returns the charset parameter of a Content-Type header,
// or "".
func contentTypeCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(params["charset"])
}

// xmlDeclaredEncoding returns the encoding named in the XML declaration at
// the start of body (after an optional BOM and whitespace), or "".
func xmlDeclaredEncoding(body []byte) string {
	head := body[:min(len(body), 1024)]
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := head[:end]
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	quote := rest[0]
	rest = rest[1:]
	j := bytes.IndexByte(rest, quote)
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}
