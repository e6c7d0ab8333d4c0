package configs

import (
	_ "embed"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// builtinTopics is the default taxonomy, used when the config names no
// topics_file. It is read-only: ParseTopics copies what it needs.
//
//go:embed topics.yaml
var builtinTopics []byte

// topicNamePattern keeps a topic name one NATS subject token
// (news.topic.<name>).
var topicNamePattern = regexp.MustCompile(`^[a-z0-9_-]+$`)

// defaultTopicDefaults are the defaults of a topics file's defaults.
func defaultTopicDefaults() TopicDefaults {
	return TopicDefaults{MinScore: 2, TitleBoost: 2, ExcludeWindow: 3}
}

// LoadTopics reads and validates the topic rules file at path. Errors are an
// ErrorList naming path, line and key, as Load's are.
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

// ParseTopics reads topic rules from data strictly, applies defaults (the
// defaults section's own, min_score 2, title_boost 2, exclude_window 3, then
// copied into every topic that leaves a field zero) and validates them.
// source names the data in errors and becomes Topics.Source.
func ParseTopics(data []byte, source string) (*Topics, error) {
	doc, perr := parseYAML(data, source)
	if perr != nil {
		return nil, ErrorList{perr}
	}
	t := &Topics{Defaults: defaultTopicDefaults(), Source: source}
	d := newDecoder(source)
	if root := docRoot(doc); root != nil {
		d.decode(root, reflect.ValueOf(t).Elem(), "")
	}
	errs := d.errs
	ck := &checker{file: source, lines: d.lines, failed: d.failed, errs: &errs}
	ck.validateTopics(t)
	for i := range t.Topics {
		tp := &t.Topics[i]
		if tp.MinScore == 0 {
			tp.MinScore = t.Defaults.MinScore
		}
		if tp.TitleBoost == 0 {
			tp.TitleBoost = t.Defaults.TitleBoost
		}
		if tp.ExcludeWindow == 0 {
			tp.ExcludeWindow = t.Defaults.ExcludeWindow
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return t, nil
}

// validateTopics checks names, phrases and scores. A zero in a topic means
// "use the default", so only negative values are wrong there.
func (c *checker) validateTopics(t *Topics) {
	if t.Defaults.MinScore <= 0 {
		c.errorf("defaults.min_score", "must be positive, got %v", t.Defaults.MinScore)
	}
	if t.Defaults.TitleBoost <= 0 {
		c.errorf("defaults.title_boost", "must be positive, got %v", t.Defaults.TitleBoost)
	}
	if t.Defaults.ExcludeWindow < 0 {
		c.errorf("defaults.exclude_window", "must not be negative, got %d", t.Defaults.ExcludeWindow)
	}
	if len(t.Topics) == 0 && !c.failed["topics"] && !c.failed[""] {
		c.errorf("topics", "no topics defined")
	}
	names := map[string]string{} // name → key of its first topic
	for i, tp := range t.Topics {
		key := "topics[" + strconv.Itoa(i) + "]"
		switch {
		case tp.Name == "":
			c.errorf(key+".name", "required")
		case !topicNamePattern.MatchString(tp.Name):
			c.errorf(key+".name", "invalid topic name %q: want lowercase a-z, 0-9, _ and -", tp.Name)
		case names[tp.Name] != "":
			c.errorf(key+".name", "duplicate topic name %q (first at line %d)", tp.Name, c.lines.at(names[tp.Name]))
		default:
			names[tp.Name] = key + ".name"
		}
		if len(tp.Strong) == 0 && len(tp.Weak) == 0 && !c.failed[key+".strong"] && !c.failed[key+".weak"] {
			c.errorf(key, "topic has no phrases")
		}
		for _, list := range []struct {
			field   string
			phrases []string
		}{{"strong", tp.Strong}, {"weak", tp.Weak}, {"exclude", tp.Exclude}} {
			for j, p := range list.phrases {
				if !strings.ContainsFunc(p, isWordRune) {
					c.errorf(key+"."+list.field+"["+strconv.Itoa(j)+"]", "phrase can never match: %q", p)
				}
			}
		}
		if tp.MinScore < 0 {
			c.errorf(key+".min_score", "must not be negative, got %v", tp.MinScore)
		}
		if tp.TitleBoost < 0 {
			c.errorf(key+".title_boost", "must not be negative, got %v", tp.TitleBoost)
		}
		if tp.ExcludeWindow < 0 {
			c.errorf(key+".exclude_window", "must not be negative, got %d", tp.ExcludeWindow)
		}
	}
}

// isWordRune reports whether r can be part of a word the tagger matches.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
