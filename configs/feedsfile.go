package configs

import (
	"bytes"
	"reflect"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// feedList is the mapping form of a YAML feeds_file: "feeds: [...]".
type feedList struct {
	Feeds []Feed `yaml:"feeds"`
}

// parseFeedsFile reads the feeds of a feeds_file named file: OPML when its
// name ends in .opml or .xml, else YAML holding either a list of feeds or a
// mapping with a "feeds" list. Ids are not derived and feeds not validated
// here; validateFeeds does both across all files.
func parseFeedsFile(data []byte, file string) ([]Feed, []feedSource, ErrorList) {
	if isOPML(file) {
		return readOPML(bytes.NewReader(data), file)
	}
	doc, perr := parseYAML(data, file)
	if perr != nil {
		return nil, nil, ErrorList{perr}
	}
	root := docRoot(doc)
	if root == nil {
		return nil, nil, nil
	}
	d := newDecoder(file)
	var feeds []Feed
	switch root.Kind {
	case yaml.SequenceNode:
		d.decode(root, reflect.ValueOf(&feeds).Elem(), "feeds")
	case yaml.MappingNode:
		var l feedList
		d.decode(root, reflect.ValueOf(&l).Elem(), "")
		feeds = l.Feeds
	default:
		d.fail(root, "", "want a list of feeds or a mapping with a feeds list, got %s", describe(root))
	}
	srcs := make([]feedSource, len(feeds))
	for i := range feeds {
		key := "feeds[" + strconv.Itoa(i) + "]"
		srcs[i] = feedSource{file: file, key: key, index: i, lines: d.lines, failed: d.failed, line: d.lines[key]}
	}
	return feeds, srcs, d.errs
}

// feedsNode returns the list of feeds in the document of a YAML config or
// feeds file: the top-level list, or the "feeds" list of the top-level
// mapping, which it creates (and the mapping, in an empty document) when
// missing.
func feedsNode(doc *yaml.Node) *yaml.Node {
	if len(doc.Content) == 0 {
		doc.Kind = yaml.DocumentNode
		doc.Content = []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}
	}
	root := doc.Content[0]
	if root.Kind == yaml.SequenceNode {
		return root
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "feeds" {
			v := root.Content[i+1]
			if v.Kind != yaml.SequenceNode { // "feeds:" with no value
				*v = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", HeadComment: v.HeadComment, LineComment: v.LineComment}
			}
			return v
		}
	}
	seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	root.Content = append(root.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "feeds"}, seq)
	return seq
}
