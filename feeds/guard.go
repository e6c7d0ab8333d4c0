package feeds

import (
	"bytes"
	"fmt"
)

// MaxDepth is the deepest element nesting Parse accepts. Real feeds nest
// about ten deep; gofeed recurses per level, and a few million levels
// overflow the goroutine stack, which kills the whole process (recover
// cannot catch a stack overflow). So depth is checked before gofeed runs.
const MaxDepth = 512

// checkXMLDepth applies checkDepth to documents that are not JSON: the
// HTML inside a JSON Feed's strings is not nesting the parser recurses into.
func checkXMLDepth(body []byte) error {
	head := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(head) > 0 && (head[0] == '{' || head[0] == '[') {
		return nil
	}
	return checkDepth(body)
}

// checkDepth scans an XML document for its deepest element nesting without
// building anything, and fails when it exceeds MaxDepth. It skips comments,
// CDATA sections, processing instructions and declarations, and treats
// "<a/>" as no nesting. It is a guard, not a validator: malformed markup is
// left for the parser to report.
func checkDepth(doc []byte) error {
	depth := 0
	for i := 0; i < len(doc); {
		j := bytes.IndexByte(doc[i:], '<')
		if j < 0 {
			return nil
		}
		i += j
		rest := doc[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			i = skipPast(doc, i+4, "-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			i = skipPast(doc, i+9, "]]>")
		case bytes.HasPrefix(rest, []byte("<?")), bytes.HasPrefix(rest, []byte("<!")):
			i = skipPast(doc, i+2, ">")
		case bytes.HasPrefix(rest, []byte("</")):
			depth--
			i = skipPast(doc, i+2, ">")
		default:
			end := bytes.IndexByte(rest, '>')
			if end < 0 {
				return nil
			}
			if rest[end-1] != '/' {
				depth++
				if depth > MaxDepth {
					return &FetchError{Class: ClassParse, Err: fmt.Errorf("elements nested more than %d deep", MaxDepth)}
				}
			}
			i += end + 1
		}
	}
	return nil
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
