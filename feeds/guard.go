package feeds

import (
	"bytes"
	"fmt"
)

// Limits on the structure of an XML document, checked before gofeed runs.
// Each one guards a cost that gofeed pays out of proportion to the size of
// the input; real feeds stay far below all of them.
const (
	// MaxDepth is the deepest element nesting accepted. Real feeds nest
	// about ten deep; gofeed recurses per level, and a few million levels
	// overflow the goroutine stack, which kills the whole process (recover
	// cannot catch a stack overflow).
	MaxDepth = 512

	// MaxNamespaceDecls is the most xmlns declarations accepted on one
	// element. Real feeds declare fewer than 30, all on the root.
	MaxNamespaceDecls = 64
)

// The two work budgets below are linear in the document's size: a document
// may cost gofeed a few times its own size in namespace and text copying,
// plus a fixed allowance for small documents, and no more.
//
// Namespaces: for every start tag, gofeed's XML cursor (goxpp) copies the
// whole map of namespace bindings in scope, so the work is the sum over all
// elements of the bindings in scope. 150 declarations on the root and 300k
// empty elements below it (2 MB) is 45 million map insertions: 11 s of CPU
// and 5 GB of allocation. The feeds of the shared corpus come to at most
// 0.13 bindings per byte; the budget is one binding per two bytes.
//
// Text: gofeed builds an extension element's value with string +=, one
// append per text fragment, and encoding/xml returns a separate fragment
// for every CDATA section and for the text on each side of a comment or
// child element. So the work is the sum, over fragments, of the text the
// element had already accumulated: quadratic in the number of fragments.
// 120k CDATA sections in one element (2.4 MB) is about 144 GB of copying,
// 32 s of CPU. A real element has one fragment, or a few: the corpus comes
// to at most 1 byte of such copying per byte of document.
const (
	nsWorkBytesPerBinding = 2
	nsWorkAllowance       = 1 << 20
	textWorkPerByte       = 4
	textWorkAllowance     = 8 << 20
)

// checkXMLStructure applies checkStructure to documents that are not JSON:
// the HTML inside a JSON Feed's strings is not markup the parser reads.
func checkXMLStructure(body []byte) error {
	head := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(head) > 0 && (head[0] == '{' || head[0] == '[') {
		return nil
	}
	return checkStructure(body)
}

// openElement is what the structure scan remembers about an element whose
// end tag it has not seen yet.
type openElement struct {
	nsDecls   int   // xmlns declarations on its start tag
	text      int64 // bytes of text directly inside it so far
	native    bool  // in no namespace or a feed format's own default namespace
	container bool  // a feed's rss, channel, item, feed, entry or rdf:RDF
}

// structureScan is the state of one checkStructure pass; its counters are
// exported to tests through the struct itself.
type structureScan struct {
	open     []openElement
	inScope  int   // namespace declarations in scope: the sum of open[i].nsDecls
	nsWork   int64 // sum over start tags of the declarations in scope there
	textWork int64 // sum over text fragments of the element's text before it
}

// checkStructure scans an XML document once, without building anything,
// and fails with ClassParse when it nests deeper than MaxDepth, declares
// more than MaxNamespaceDecls namespaces on one element, or would cost
// gofeed more namespace or text copying than the budgets above allow. It
// skips comments, CDATA sections, processing instructions and
// declarations, and treats "<a/>" as no nesting. It is a guard, not a
// validator: malformed markup is left for the parser to report.
func checkStructure(doc []byte) error {
	var s structureScan
	return s.scan(doc)
}

func (s *structureScan) scan(doc []byte) error {
	nsBudget := nsWorkAllowance + int64(len(doc))/nsWorkBytesPerBinding
	textBudget := textWorkAllowance + textWorkPerByte*int64(len(doc))
	for i := 0; i < len(doc); {
		j := bytes.IndexByte(doc[i:], '<')
		if j < 0 {
			s.addText(int64(len(doc) - i))
			break
		}
		s.addText(int64(j))
		i += j
		rest := doc[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			i = skipPast(doc, i+4, "-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end := skipPast(doc, i+9, "]]>")
			s.addText(int64(end - i))
			i = end
		case bytes.HasPrefix(rest, []byte("<?")), bytes.HasPrefix(rest, []byte("<!")):
			i = skipPast(doc, i+2, ">")
		case bytes.HasPrefix(rest, []byte("</")):
			s.end()
			i = skipPast(doc, i+2, ">")
		default:
			end := bytes.IndexByte(rest, '>')
			if end < 0 {
				return nil
			}
			if err := s.start(rest[:end], rest[end-1] != '/'); err != nil {
				return err
			}
			i += end + 1
		}
		if s.nsWork > nsBudget {
			return structureError("namespace bindings in scope summed over elements exceed %d (%d namespaces in scope)", nsBudget, s.inScope)
		}
		if s.textWork > textBudget {
			return structureError("text split into too many fragments (CDATA sections, comments or child elements) within one element")
		}
	}
	return nil
}

// start records a start tag; tag runs from '<' up to, not including, '>'.
func (s *structureScan) start(tag []byte, opens bool) error {
	n, defaultNS, hasDefault := namespaceDecls(tag)
	if n > MaxNamespaceDecls {
		return structureError("%d namespace declarations on one element, more than %d", n, MaxNamespaceDecls)
	}
	s.nsWork += int64(s.inScope + n)
	if !opens {
		return nil
	}
	if len(s.open) >= MaxDepth {
		return structureError("elements nested more than %d deep", MaxDepth)
	}
	native := len(s.open) == 0 || s.open[len(s.open)-1].native
	if hasDefault {
		native = isNativeNamespace(defaultNS)
	}
	s.open = append(s.open, openElement{nsDecls: n, native: native,
		container: native && isContainer(tagName(tag))})
	s.inScope += n
	return nil
}

// isContainer reports whether name is an element gofeed reads with a loop
// over its children that ignores the text between them, rather than as an
// extension whose text it concatenates. A channel or feed has thousands of
// children separated by whitespace: counted as fragments, that whitespace
// would look like the quadratic case.
func isContainer(name []byte) bool {
	switch string(name) {
	case "rss", "channel", "item", "feed", "entry", "rdf:RDF":
		return true
	}
	return false
}

// isNativeNamespace reports whether uri is a default namespace of RSS or
// Atom. An element in any other default namespace is an extension to
// gofeed, whatever its local name.
func isNativeNamespace(uri string) bool {
	switch uri {
	case "", "http://www.w3.org/2005/Atom", "http://purl.org/rss/1.0/",
		"http://my.netscape.com/rdf/simple/0.9/", "http://backend.userland.com/rss2",
		"http://purl.org/net/rss1.1#":
		return true
	}
	return false
}

// tagName returns the qualified name of a start tag; tag begins with '<'.
func tagName(tag []byte) []byte {
	name := tag[1:]
	for i, c := range name {
		if isXMLSpace(c) || c == '/' || c == '>' {
			return name[:i]
		}
	}
	return name
}

// end records an end tag. A stray one (more ends than starts) is ignored.
func (s *structureScan) end() {
	if n := len(s.open); n > 0 {
		s.inScope -= s.open[n-1].nsDecls
		s.open = s.open[:n-1]
	}
}

// addText records a text fragment of n bytes in the innermost open element.
func (s *structureScan) addText(n int64) {
	if n <= 0 || len(s.open) == 0 {
		return
	}
	top := &s.open[len(s.open)-1]
	if top.container {
		return
	}
	s.textWork += top.text
	top.text += n
}

// namespaceDecls counts the xmlns and xmlns:prefix attributes in a start
// tag and returns the value of a default namespace declaration (xmlns="…")
// if there is one. An attribute value that itself contains " xmlns=" is
// counted too; that errs on the safe side and does not happen in real feeds.
func namespaceDecls(tag []byte) (n int, defaultNS string, hasDefault bool) {
	for i := 0; ; {
		k := bytes.Index(tag[i:], []byte("xmlns"))
		if k < 0 {
			return n, defaultNS, hasDefault
		}
		i += k + 5
		if !isXMLSpace(tag[i-6]) { // i-6 >= 0: tag starts with '<'
			continue
		}
		rest := bytes.TrimLeft(tag[i:], " \t\r\n")
		switch {
		case len(rest) > 0 && rest[0] == ':':
			n++
		case len(rest) > 0 && rest[0] == '=':
			n++
			hasDefault = true
			defaultNS = attrValue(rest[1:])
		}
	}
}

// attrValue returns the quoted value at the start of b (after spaces).
func attrValue(b []byte) string {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || (b[0] != '"' && b[0] != '\'') {
		return ""
	}
	end := bytes.IndexByte(b[1:], b[0])
	if end < 0 {
		return ""
	}
	return string(bytes.TrimSpace(b[1 : 1+end]))
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func structureError(format string, args ...any) *FetchError {
	return &FetchError{Class: ClassParse, Err: fmt.Errorf("refusing document: "+format, args...)}
}

// skipPast returns the index just after the first marker at or after from,
// or len(doc) when there is none.
func skipPast(doc []byte, from int, marker string) int {
	if from >= len(doc) {
		return len(doc)
	}
	k := bytes.Index(doc[from:], []byte(marker))
	if k < 0 {
		return len(doc)
	}
	return from + k + len(marker)
}
