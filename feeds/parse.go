package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mmcdole/gofeed"
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
// It is the entry point for untrusted input:
//
//   - the body is converted to UTF-8 (see toUTF8): from the encoding its
//     byte order mark or XML declaration names, else the Content-Type's
//     charset, else a guess between UTF-8 and windows-1252; bytes that do
//     not decode are dropped rather than failing the feed;
//   - an empty body, or XML whose root is not rss, feed or rdf:RDF (an HTML
//     page, say), fails with ClassNotFeed without running the parser;
//   - checkStructure refuses, with ClassParse, documents built to exhaust
//     the parser's stack, CPU or memory;
//   - then Parse.
func ParseBody(body []byte, contentType string) (*gofeed.Feed, error) {
	doc, err := prepare(body, contentType)
	if err != nil {
		return nil, err
	}
	return Parse(bytes.NewReader(doc))
}

// prepare is everything ParseBody does before the parser runs: it returns
// the body as UTF-8, or the not_feed or structure error that refuses it.
// ParseBody and ParseNew share it so that untrusted input meets the same
// checks on both paths. The result may share memory with body.
func prepare(body []byte, contentType string) ([]byte, error) {
	doc := toUTF8(body, contentType)
	if err := sniffFeed(doc); err != nil {
		return nil, err
	}
	if err := checkXMLStructure(doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// sniffFeed fails with ClassNotFeed when body is empty or is XML whose root
// element is not one a feed has (rss, feed, rdf:RDF): an HTML page, a bot
// wall or an error document. It looks no further than the root start tag;
// anything else is left to the parser, which finds the same roots.
func sniffFeed(body []byte) error {
	b := bytes.TrimLeft(body, " \t\r\n")
	if len(b) == 0 {
		return &FetchError{Class: ClassNotFeed, Err: errors.New("empty body")}
	}
	for len(b) > 0 && b[0] == '<' {
		switch {
		case bytes.HasPrefix(b, []byte("<?")):
			b = b[skipPast(b, 2, "?>"):]
		case bytes.HasPrefix(b, []byte("<!--")):
			b = b[skipPast(b, 4, "-->"):]
		case bytes.HasPrefix(b, []byte("<!")):
			end := skipPast(b, 2, ">")
			if k := bytes.IndexByte(b[:end], '['); k >= 0 { // DOCTYPE with an internal subset
				end = skipPast(b, k, "]>")
			}
			b = b[end:]
		default:
			return checkRootName(tagName(b[:min(len(b), 256)]))
		}
		b = bytes.TrimLeft(b, " \t\r\n")
	}
	return nil
}

func checkRootName(name []byte) error {
	local := name
	if k := bytes.LastIndexByte(local, ':'); k >= 0 {
		local = local[k+1:]
	}
	switch strings.ToLower(string(local)) {
	case "rss", "feed", "rdf":
		return nil
	case "html":
		return &FetchError{Class: ClassNotFeed, Err: errors.New("an HTML page, not a feed")}
	}
	return &FetchError{Class: ClassNotFeed, Err: fmt.Errorf("root element <%s> is not rss, feed or rdf:RDF", name)}
}
