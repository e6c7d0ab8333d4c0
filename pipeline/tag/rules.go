// Package tag assigns topics to articles. Rules (rules.go, phrases.go,
// score.go) are topic rules compiled into one multi-phrase matcher
// (matcher.go) over normalised tokens (normalise.go); the tag stage runs
// them on the pipeline. Rules are handed in by the caller as
// taxonomy.Topics (package configs reads them from a file), never loaded
// here; the matching code imports only taxonomy and feeds.
package tag

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/newswire/newswire/pipeline/tag/taxonomy"
)

const (
	strongWeight = 2
	weakWeight   = 1

	minPrefixRunes = 3 // "sa*" would match half the language
)

// Rules are compiled topic rules. They are immutable and safe for
// concurrent use; to change rules, compile new ones and swap the pointer.
type Rules struct {
	topics  []compiledTopic // sorted by name
	entries []entry         // every phrase and near rule of every topic
	uses    [][]int32       // pattern → entries that use it
	m       *matcher
	longest int32 // tokens of the longest phrase
	version string
	scratch sync.Pool // of *scratch: buffers reused across Match calls
}

type compiledTopic struct {
	name          string
	minScore      float64
	titleBoost    float64
	excludeWindow int32
	requireWindow int32
	// requireLangs are the languages in which the topic has require
	// phrases: there, and only there, weak hits need context.
	requireLangs langSet
	// passingWeight scales hits mentioned in passing; backgroundWindow is
	// how far after a background phrase a hit is background.
	passingWeight    float64
	backgroundWindow int32
}

type phraseKind uint8

const (
	kindStrong phraseKind = iota
	kindWeak
	kindExclude
	kindRequire
	kindNoneOf
	kindBackground
	kindOtherSense
	kindNear     // a near rule; never a pattern itself
	kindNearSide // phrase a or b of a near rule
)

func (k phraseKind) String() string {
	return [...]string{"strong", "weak", "exclude", "require", "none_of", "background", "other_senses", "near", "near side"}[k]
}

// entry is one phrase of one topic, after phrases that normalise alike
// within the topic and kind were merged (the first one written is kept,
// the languages of all of them apply), or one near rule.
type entry struct {
	topic  int32
	kind   phraseKind
	langs  langSet
	phrase string // as written; for a near rule "a NEAR/n b"
	// near is, for a near side, the entry of its rule; for a near rule,
	// its within.
	near int32
	side uint8 // near side: 0 for a, 1 for b
	key  phraseKey
}

// phraseKey identifies a normalised phrase.
type phraseKey struct {
	tokens string // normalised tokens joined by one space
	prefix bool
}

// Compile checks and compiles topic rules. Zero min_score, title_boost,
// exclude_window and require_window fall back to t.Defaults, and zero
// defaults to 2, 2, 3 and 8. A problem is reported as Errors
// naming t.Source, the line (when t was read from a file) and the key of
// the phrase at fault, every problem at once.
func Compile(t *taxonomy.Topics) (*Rules, error) {
	if t == nil {
		return nil, Errors{{Msg: "tag: no topic rules"}}
	}
	c := &compiler{t: t, r: &Rules{m: newMatcher()}, patterns: map[phraseKey]int32{}}
	c.compile()
	if len(c.errs) > 0 {
		slices.SortStableFunc(c.errs, func(a, b *Error) int { return a.Line - b.Line })
		return nil, c.errs
	}
	c.r.m.build()
	for _, n := range c.r.m.patLen {
		c.r.longest = max(c.r.longest, n)
	}
	c.r.version = c.r.computeVersion()
	return c.r, nil
}

// compiler holds the state of one Compile.
type compiler struct {
	t        *taxonomy.Topics
	r        *Rules
	patterns map[phraseKey]int32
	keys     []string // entry → its key path, for errors
	errs     Errors
}

func (c *compiler) errorf(key, format string, args ...any) {
	c.errs = append(c.errs, &Error{File: c.t.Source, Line: c.t.Line(key), Key: key, Msg: sprintf(format, args...)})
}

func (c *compiler) compile() {
	t := c.t
	d := taxonomy.DefaultTopicDefaults() // where neither a topic nor the file's defaults set a value
	def := topicValues(c, "defaults", t.Defaults, compiledTopic{minScore: d.MinScore, titleBoost: d.TitleBoost,
		excludeWindow: int32(d.ExcludeWindow), requireWindow: int32(d.RequireWindow),
		passingWeight: d.PassingWeight, backgroundWindow: int32(d.BackgroundWindow)})
	order := make([]int, len(t.Topics))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(t.Topics[a].Name, t.Topics[b].Name) })
	if len(t.Topics) == 0 {
		c.errorf("topics", "no topics defined")
	}
	first := map[string]string{}
	for _, i := range order {
		tp := &t.Topics[i]
		key := "topics[" + strconv.Itoa(i) + "]"
		if err := checkName(tp.Name); err != "" {
			c.errorf(key+".name", "%s", err)
		} else if prev, dup := first[tp.Name]; dup {
			at := prev
			if line := t.Line(prev + ".name"); line > 0 {
				at = "line " + strconv.Itoa(line)
			}
			c.errorf(key+".name", "duplicate topic name %q (first at %s)", tp.Name, at)
		}
		first[tp.Name] = key
		ct := topicValues(c, key, taxonomy.TopicDefaults{MinScore: tp.MinScore, TitleBoost: tp.TitleBoost,
			ExcludeWindow: tp.ExcludeWindow, RequireWindow: tp.RequireWindow,
			PassingWeight: tp.PassingWeight, BackgroundWindow: tp.BackgroundWindow}, def)
		ct.name = tp.Name
		c.r.topics = append(c.r.topics, ct)
		c.topic(int32(len(c.r.topics)-1), tp, key)
	}
}

// topicValues applies fallbacks to the zero values of v, a topic's or the
// defaults' numbers, and rejects invalid ones.
func topicValues(c *compiler, key string, v taxonomy.TopicDefaults, def compiledTopic) compiledTopic {
	ct := def
	if v.MinScore != 0 {
		ct.minScore = v.MinScore
	}
	if v.TitleBoost != 0 {
		ct.titleBoost = v.TitleBoost
	}
	if v.ExcludeWindow != 0 {
		ct.excludeWindow = int32(v.ExcludeWindow)
	}
	if v.RequireWindow != 0 {
		ct.requireWindow = int32(v.RequireWindow)
	}
	if v.PassingWeight != 0 {
		ct.passingWeight = v.PassingWeight
	}
	if v.BackgroundWindow != 0 {
		ct.backgroundWindow = int32(v.BackgroundWindow)
	}
	// Only what this level set is checked: an inherited bad default was
	// reported at the defaults.
	if v.MinScore != 0 && !(ct.minScore > 0) {
		c.errorf(key+".min_score", "must be positive, got %v", ct.minScore)
	}
	if v.TitleBoost != 0 && !(ct.titleBoost > 0) {
		c.errorf(key+".title_boost", "must be positive, got %v", ct.titleBoost)
	}
	if v.PassingWeight != 0 && !(ct.passingWeight > 0 && ct.passingWeight <= 1) {
		c.errorf(key+".passing_weight", "must be more than 0 and at most 1, got %v", ct.passingWeight)
	}
	for _, w := range []struct {
		name string
		n    int
	}{{"exclude_window", v.ExcludeWindow}, {"require_window", v.RequireWindow}, {"background_window", v.BackgroundWindow}} {
		if w.n < 0 {
			c.errorf(key+"."+w.name, "must not be negative, got %d", w.n)
		}
	}
	return ct
}

func checkName(name string) string {
	if name == "" {
		return "required"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return sprintf("invalid topic name %q: want lowercase a-z, 0-9, _ and -", name)
		}
	}
	return ""
}

// topic compiles the phrases of one topic, every language block of it.
func (c *compiler) topic(ti int32, tp *taxonomy.Topic, key string) {
	firstEntry, errsBefore := len(c.r.entries), len(c.errs)
	seen := map[phraseKey]int32{} // strong, weak, exclude and none_of phrases → entry
	// Lists that describe the context rather than the topic have their
	// own index: a require phrase may also be a strong one.
	context := map[phraseKind]map[phraseKey]int32{kindRequire: {}, kindBackground: {}, kindOtherSense: {}}
	evidence := 0
	for _, set := range tp.PhraseSets(key) {
		langs := langOf(set.Lang)
		for kind, list := range set.Lists() {
			for j, phrase := range list.Phrases {
				k := phraseKind(kind)
				pkey := set.Key + "." + list.Key + "[" + strconv.Itoa(j) + "]"
				pk, ok := c.parse(pkey, phrase)
				if !ok {
					continue
				}
				index := seen
				if ctx, ok := context[k]; ok {
					index = ctx
				}
				if k == kindRequire {
					c.r.topics[ti].requireLangs |= langs
				}
				if prev, dup := index[pk]; dup {
					pe := &c.r.entries[prev]
					if pe.kind != k {
						c.errorf(pkey, "%s phrase %q is also %s phrase %q (%s)", k, phrase, pe.kind, pe.phrase, c.keys[prev])
					}
					pe.langs |= langs // "cease-fire" after "cease fire": the same phrase
					continue
				}
				index[pk] = c.add(entry{topic: ti, kind: k, langs: langs, phrase: phrase, key: pk}, pkey)
				if k == kindStrong || k == kindWeak {
					evidence++
				}
			}
		}
		for j, n := range set.Near {
			nkey := set.Key + ".near[" + strconv.Itoa(j) + "]"
			ka, okA := c.nearSide(nkey+".a", n.A)
			kb, okB := c.nearSide(nkey+".b", n.B)
			if n.Within <= 0 {
				c.errorf(nkey+".within", "must be positive, got %d", n.Within)
			}
			switch {
			case !okA || !okB || n.Within <= 0:
				continue
			case ka == kb:
				c.errorf(nkey, "a and b are the same phrase %q", n.A)
				continue
			}
			rule := c.add(entry{topic: ti, kind: kindNear, langs: langs, near: int32(n.Within),
				phrase: n.A + " NEAR/" + strconv.Itoa(n.Within) + " " + n.B}, nkey)
			c.add(entry{topic: ti, kind: kindNearSide, langs: langs, phrase: n.A, key: ka, near: rule, side: 0}, nkey+".a")
			c.add(entry{topic: ti, kind: kindNearSide, langs: langs, phrase: n.B, key: kb, near: rule, side: 1}, nkey+".b")
			evidence++
		}
	}
	if evidence == 0 && len(c.errs) == errsBefore {
		c.errorf(key, "topic has no phrases")
	}
	c.neverCount(firstEntry)
}

// nearSide parses one phrase of a near rule, which must be written.
func (c *compiler) nearSide(key, phrase string) (phraseKey, bool) {
	if phrase == "" {
		c.errorf(key, "required")
		return phraseKey{}, false
	}
	return c.parse(key, phrase)
}

// add appends an entry, registering its phrase with the matcher unless it
// is a near rule, and returns its index.
func (c *compiler) add(e entry, key string) int32 {
	id := int32(len(c.r.entries))
	c.r.entries = append(c.r.entries, e)
	c.keys = append(c.keys, key)
	if e.kind == kindNear {
		return id
	}
	p, ok := c.patterns[e.key]
	if !ok {
		p = c.r.m.add(strings.Split(e.key.tokens, " "), e.key.prefix)
		c.patterns[e.key] = p
		c.r.uses = append(c.r.uses, nil)
	}
	c.r.uses[p] = append(c.r.uses[p], id)
	return id
}

// Version returns a short hex digest of the rules as they match: topic
// names, thresholds, phrases, near rules and languages, not descriptions
// or the order things were written in. Articles carry it so that a
// tagging can be traced to its rules and replays know what changed.
func (r *Rules) Version() string { return r.version }

// Topics returns the names of the compiled topics, sorted.
func (r *Rules) Topics() []string {
	names := make([]string, len(r.topics))
	for i, tp := range r.topics {
		names[i] = tp.name
	}
	return names
}
