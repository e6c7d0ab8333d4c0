package configs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/newswire/newswire/pipeline/tag/taxonomy"
)

// The decoder walks a yaml.Node tree into a Go value itself instead of using
// yaml.v3's Decode, so that it controls the messages, reports every problem
// rather than the first, and knows the dotted key path and line of each value
// for the validation that follows.

// lines maps a key path ("poll.interval", "feeds[1].id") to the line where it
// was written: the key's line for a mapping entry, the item's for a list item.
type lines map[string]int

// at returns the line of path, or of its nearest written parent: a key that
// was left out is reported at the line of the mapping that lacks it.
func (l lines) at(path string) int { return taxonomy.LineOf(l, path) }

// decoder decodes one file strictly into Go values.
type decoder struct {
	file   string
	errs   ErrorList
	lines  lines
	failed map[string]bool // key paths whose value was rejected; validation skips them
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, lines: lines{}, failed: map[string]bool{}}
}

func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.failed[path] = true
	d.errs.add(d.file, n.Line, path, format, args...)
}

// parseYAML parses data into a document node; it returns nil for a file with
// no document (empty or only comments).
func parseYAML(data []byte, file string) (*yaml.Node, *Error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, syntaxError(file, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, &Error{File: file, Line: extra.Line, Msg: "more than one YAML document"}
	case !errors.Is(err, io.EOF):
		return nil, syntaxError(file, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return &doc, nil
}

// docRoot returns the top-level node of a document, or nil.
func docRoot(doc *yaml.Node) *yaml.Node {
	if doc == nil || len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// decode sets v from n. A null value leaves v as it was, so that decoding
// over a defaulted value keeps the default for keys written without a value.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	if u, ok := v.Addr().Interface().(yaml.Unmarshaler); ok {
		if err := u.UnmarshalYAML(n); err != nil {
			d.fail(n, path, "%s", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		d.decodeSlice(n, v, path)
	case reflect.String:
		if d.scalar(n, path) {
			v.SetString(n.Value)
		}
	case reflect.Bool:
		var b bool
		if d.scalar(n, path) {
			if err := n.Decode(&b); err != nil {
				d.fail(n, path, "invalid boolean %q (want true or false)", n.Value)
				return
			}
			v.SetBool(b)
		}
	case reflect.Int, reflect.Int64:
		if d.scalar(n, path) {
			i, err := strconv.ParseInt(n.Value, 0, 64)
			if err != nil || v.OverflowInt(i) {
				d.fail(n, path, "invalid integer %q", n.Value)
				return
			}
			v.SetInt(i)
		}
	case reflect.Float64:
		var f float64
		if d.scalar(n, path) {
			if err := n.Decode(&f); err != nil {
				d.fail(n, path, "invalid number %q", n.Value)
				return
			}
			v.SetFloat(f)
		}
	default:
		// A programming error: a config type grew a field kind this walker
		// does not know. Report it rather than silently ignoring the value.
		d.fail(n, path, "cannot decode into %s", v.Type())
	}
}

// scalar reports whether n is a single value, recording an error if not.
func (d *decoder) scalar(n *yaml.Node, path string) bool {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want a single value, got %s", describe(n))
		return false
	}
	return true
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping, got %s", describe(n))
		return
	}
	fields := yamlFields(v.Type())
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "want a key name, got %s", describe(k))
			continue
		}
		key := joinKey(path, k.Value)
		if k.Value == "<<" {
			d.fail(k, key, "merge keys are not supported")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.fail(k, key, "duplicate key (first at line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		idx, ok := fields[k.Value]
		if !ok {
			d.fail(k, key, "unknown key")
			continue
		}
		d.lines[key] = k.Line
		d.decode(val, v.Field(idx), key)
	}
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "want a list, got %s", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		key := fmt.Sprintf("%s[%d]", path, i)
		d.lines[key] = item.Line
		d.decode(item, s.Index(i), key)
	}
	v.Set(s)
}

// yamlFields maps the yaml names of t's fields to their indexes.
func yamlFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		m[name] = i
	}
	return m
}

func joinKey(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// describe names a node's kind for a type mismatch message.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	}
	return "nothing"
}
