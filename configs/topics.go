package configs

import (
	_ "embed"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/newswire/newswire/pipeline/tag/taxonomy"
)

// builtinTopics is the default taxonomy, used when the config names no
// topics_file. It is read-only: ParseTopics copies what it needs.
//
//go:embed topics.yaml
var builtinTopics []byte

// topicNamePattern keeps a topic name one NATS subject token
// (news.topic.<name>).
var topicNamePattern = regexp.MustCompile(`^[a-z0-9_-]+$`)

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
// defaults section's own, min_score 2, title_boost 2, exclude_window 3,
// require_window 8, passing_weight 1, background_window 4, then
// copied into every topic that leaves a field zero) and validates them.
// source names the data in errors and becomes Topics.Source.
func ParseTopics(data []byte, source string) (*Topics, error) {
	doc, perr := parseYAML(data, source)
	if perr != nil {
		return nil, ErrorList{perr}
	}
	t := &Topics{Defaults: taxonomy.DefaultTopicDefaults(), Source: source}
	d := newDecoder(source)
	if root := docRoot(doc); root != nil {
		d.decode(root, reflect.ValueOf(t).Elem(), "")
	}
	errs := d.errs
	t.Lines = d.lines
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
		if tp.RequireWindow == 0 {
			tp.RequireWindow = t.Defaults.RequireWindow
		}
		if tp.PassingWeight == 0 {
			tp.PassingWeight = t.Defaults.PassingWeight
		}
		if tp.BackgroundWindow == 0 {
			tp.BackgroundWindow = t.Defaults.BackgroundWindow
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return t, nil
}

// validateTopics checks names, phrases and scores. A zero in a topic means
// "use the default", so only negative values are wrong there. Checks that
// need the tagger's normalisation (a prefix too short, a phrase an exclude
// always vetoes) are tag.Compile's, which reports them at the same lines.
func (c *checker) validateTopics(t *Topics) {
	if t.Defaults.MinScore <= 0 {
		c.errorf("defaults.min_score", "must be positive, got %v", t.Defaults.MinScore)
	}
	if t.Defaults.TitleBoost <= 0 {
		c.errorf("defaults.title_boost", "must be positive, got %v", t.Defaults.TitleBoost)
	}
	for _, w := range []struct {
		key string
		n   int
	}{{"exclude_window", t.Defaults.ExcludeWindow}, {"require_window", t.Defaults.RequireWindow}, {"background_window", t.Defaults.BackgroundWindow}} {
		if w.n < 0 {
			c.errorf("defaults."+w.key, "must not be negative, got %d", w.n)
		}
	}
	if w := t.Defaults.PassingWeight; !(w > 0 && w <= 1) {
		c.errorf("defaults.passing_weight", "must be more than 0 and at most 1, got %v", w)
	}
	if len(t.Topics) == 0 && !c.failed["topics"] && !c.failed[""] {
		c.errorf("topics", "no topics defined")
	}
	names := map[string]string{} // name → key of its first topic
	for i := range t.Topics {
		tp := &t.Topics[i]
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
		evidence, undecoded := 0, false
		for _, set := range tp.PhraseSets(key) {
			evidence += len(set.Strong) + len(set.Weak) + len(set.Near)
			undecoded = undecoded || c.failed[set.Key+".strong"] || c.failed[set.Key+".weak"] || c.failed[set.Key+".near"]
			c.phraseSet(set)
		}
		if evidence == 0 && !undecoded {
			c.errorf(key, "topic has no phrases")
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
		if tp.RequireWindow < 0 {
			c.errorf(key+".require_window", "must not be negative, got %d", tp.RequireWindow)
		}
		if tp.BackgroundWindow < 0 {
			c.errorf(key+".background_window", "must not be negative, got %d", tp.BackgroundWindow)
		}
		if w := tp.PassingWeight; w < 0 || w > 1 {
			c.errorf(key+".passing_weight", "must be more than 0 and at most 1, got %v", w)
		}
	}
}

// phraseSet checks the phrases of one block of a topic.
func (c *checker) phraseSet(set PhraseSet) {
	for _, list := range set.Lists() {
		for j, p := range list.Phrases {
			c.phrase(set.Key+"."+list.Key+"["+strconv.Itoa(j)+"]", p)
		}
	}
	for j, n := range set.Near {
		key := set.Key + ".near[" + strconv.Itoa(j) + "]"
		for _, side := range []struct{ key, phrase string }{{"a", n.A}, {"b", n.B}} {
			if side.phrase == "" {
				c.errorf(key+"."+side.key, "required")
			} else {
				c.phrase(key+"."+side.key, side.phrase)
			}
		}
		if n.Within <= 0 {
			c.errorf(key+".within", "must be positive, got %d", n.Within)
		}
	}
}

func (c *checker) phrase(key, p string) {
	if !strings.ContainsFunc(p, isWordRune) {
		c.errorf(key, "phrase can never match: %q", p)
	}
}

// isWordRune reports whether r can be part of a word the tagger matches.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
