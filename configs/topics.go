package configs

import (
	_ "embed"
	"os"
	"reflect"
)

// builtinTopics is the default taxonomy, used when the config names no
// topics_file. It is read-only: ParseTopics copies what it needs.
//
//go:embed topics.yaml
var builtinTopics []byte

// LoadTopics reads the topic rules file at path as ParseTopics does.
// Errors are an ErrorList naming path, line and key, as Load's are.
func LoadTopics(path string) (*Topics, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, ErrorList{{File: path, Msg: "cannot read: " + readError(err), Err: err}}
	}
	return ParseTopics(data, path)
}

// DefaultTopics parses the taxonomy built into the binary (configs/topics.yaml
// at build time); its Source is "built-in".
func DefaultTopics() (*Topics, error) {
	return ParseTopics(builtinTopics, "built-in")
}

// ParseTopics reads topic rules from data strictly (YAML syntax, types,
// unknown and duplicate keys) and records the line of every key; source
// names the data in errors and becomes Topics.Source. What the rules mean
// (names, phrases, thresholds, defaults) is tag.Compile's to check and
// apply: validation lives there, once. With decoding problems it returns
// them as an ErrorList together with what could be decoded, so that a
// caller can compile that too and report every problem of the file at
// once; it returns nil Topics only for data that is not a YAML document.
func ParseTopics(data []byte, source string) (*Topics, error) {
	doc, perr := parseYAML(data, source)
	if perr != nil {
		return nil, ErrorList{perr}
	}
	t := &Topics{Source: source}
	d := newDecoder(source)
	if root := docRoot(doc); root != nil {
		d.decode(root, reflect.ValueOf(t).Elem(), "")
	}
	t.Lines = d.lines
	errs := d.errs
	return t, errs.err()
}
