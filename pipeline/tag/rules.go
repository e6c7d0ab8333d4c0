// Package tag assigns topics to articles. Rules (rules.go, score.go) are
// topic rules compiled into one multi-phrase matcher (matcher.go) over
// normalised tokens (normalise.go); the tag stage runs them on the
// pipeline. Rules are handed in by the caller as configs.Topics, never
// loaded here; the matching code imports only configs and feeds.
package tag

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/newswire/newswire/configs"
)

// Values used where neither a topic nor the file's defaults set one; the
// same as the configs loader applies, so Compile does not depend on it.
const (
	defaultMinScore      = 2
	defaultTitleBoost    = 2
	defaultExcludeWindow = 3

	strongWeight = 2
	weakWeight   = 1

	minPrefixRunes = 3 // "sa*" would match half the language
)

// Rules are compiled topic rules. They are immutable and safe for
// concurrent use; to change rules, compile new ones and swap the pointer.
type Rules struct {
	topics  []compiledTopic // sorted by name
	entries []entry         // every phrase of every topic
	uses    [][]int32       // pattern → entries that use it
	m       *matcher
	version string
}

type compiledTopic struct {
	name          string
	minScore      float64
	titleBoost    float64
	excludeWindow int32
}

type phraseKind uint8

const (
	kindStrong phraseKind = iota
	kindWeak
	kindExclude
)

func (k phraseKind) String() string {
	return [...]string{"strong", "weak", "exclude"}[k]
}

// entry is one phrase of one topic, after phrases that normalise alike
// within the topic were merged (the first one written is kept).
type entry struct {
	topic  int32
	kind   phraseKind
	phrase string // as written in the rules
}

// phraseKey identifies a normalised phrase.
type phraseKey struct {
	tokens string // normalised tokens joined by one space
	prefix bool
}

// Compile checks and compiles topic rules. Zero min_score, title_boost and
// exclude_window fall back to t.Defaults, and zero defaults to 2, 2 and 3.
// Errors name the topic and the phrase at fault.
func Compile(t *configs.Topics) (*Rules, error) {
	if t == nil {
		return nil, errors.New("tag: no topic rules")
	}
	def, err := topicValues(t.Defaults.MinScore, t.Defaults.TitleBoost, t.Defaults.ExcludeWindow,
		defaultMinScore, defaultTitleBoost, defaultExcludeWindow)
	if err != nil {
		return nil, fmt.Errorf("tag: defaults: %w", err)
	}
	order := make([]int, len(t.Topics))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(t.Topics[a].Name, t.Topics[b].Name) })

	r := &Rules{m: newMatcher()}
	patterns := map[phraseKey]int32{}
	for _, i := range order {
		tp := &t.Topics[i]
		if err := checkName(tp.Name); err != nil {
			return nil, fmt.Errorf("tag: topic %d: %w", i+1, err)
		}
		if n := len(r.topics); n > 0 && r.topics[n-1].name == tp.Name {
			return nil, fmt.Errorf("tag: topic %q is defined twice", tp.Name)
		}
		ct, err := topicValues(tp.MinScore, tp.TitleBoost, tp.ExcludeWindow,
			def.minScore, def.titleBoost, int(def.excludeWindow))
		if err != nil {
			return nil, fmt.Errorf("tag: topic %q: %w", tp.Name, err)
		}
		ct.name = tp.Name
		topic := int32(len(r.topics))
		r.topics = append(r.topics, ct)

		seen := map[phraseKey]entry{}
		hits := 0
		for kind, list := range [][]string{tp.Strong, tp.Weak, tp.Exclude} {
			for _, phrase := range list {
				key, err := parsePhrase(phrase)
				if err != nil {
					return nil, fmt.Errorf("tag: topic %q: %s phrase %q: %w", tp.Name, phraseKind(kind), phrase, err)
				}
				if prev, ok := seen[key]; ok {
					if prev.kind != phraseKind(kind) {
						return nil, fmt.Errorf("tag: topic %q: %s phrase %q is also %s phrase %q",
							tp.Name, phraseKind(kind), phrase, prev.kind, prev.phrase)
					}
					continue // "cease-fire" after "cease fire": the same phrase
				}
				e := entry{topic: topic, kind: phraseKind(kind), phrase: phrase}
				seen[key] = e
				if e.kind != kindExclude {
					hits++
				}
				p, ok := patterns[key]
				if !ok {
					p = r.m.add(strings.Split(key.tokens, " "), key.prefix)
					patterns[key] = p
					r.uses = append(r.uses, nil)
				}
				r.uses[p] = append(r.uses[p], int32(len(r.entries)))
				r.entries = append(r.entries, e)
			}
		}
		if hits == 0 {
			return nil, fmt.Errorf("tag: topic %q has no strong or weak phrases", tp.Name)
		}
	}
	r.m.build()
	r.version = r.computeVersion()
	return r, nil
}

// topicValues applies fallbacks to zero values and rejects invalid ones.
func topicValues(minScore, boost float64, window int, defMin, defBoost float64, defWindow int) (compiledTopic, error) {
	if minScore == 0 {
		minScore = defMin
	}
	if boost == 0 {
		boost = defBoost
	}
	if window == 0 {
		window = defWindow
	}
	switch {
	case !(minScore > 0):
		return compiledTopic{}, fmt.Errorf("min_score %v: must be positive", minScore)
	case !(boost > 0):
		return compiledTopic{}, fmt.Errorf("title_boost %v: must be positive", boost)
	case window < 0:
		return compiledTopic{}, fmt.Errorf("exclude_window %d: must not be negative", window)
	}
	return compiledTopic{minScore: minScore, titleBoost: boost, excludeWindow: int32(window)}, nil
}

func checkName(name string) error {
	if name == "" {
		return errors.New("name is empty")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("name %q: want lower-case letters, digits, _ and - only", name)
		}
	}
	return nil
}

// parsePhrase normalises a phrase as text is normalised; a trailing "*"
// makes its last token a prefix.
func parsePhrase(phrase string) (phraseKey, error) {
	s := strings.TrimSpace(phrase)
	prefix := strings.HasSuffix(s, "*")
	if prefix {
		s = strings.TrimSpace(strings.TrimSuffix(s, "*"))
	}
	if strings.Contains(s, "*") {
		return phraseKey{}, errors.New(`"*" is allowed only at the end`)
	}
	tokens := Tokens(s)
	if len(tokens) == 0 {
		return phraseKey{}, errors.New("no letters or digits")
	}
	if last := tokens[len(tokens)-1]; prefix && utf8.RuneCountInString(last) < minPrefixRunes {
		return phraseKey{}, fmt.Errorf("prefix %q: want at least %d letters", last, minPrefixRunes)
	}
	return phraseKey{tokens: strings.Join(tokens, " "), prefix: prefix}, nil
}

// Version returns a short hex digest of the rules as they match: topic
// names, thresholds and phrases, not descriptions or the order topics were
// written in. Articles carry it so that a tagging can be traced to its
// rules and replays know what changed.
func (r *Rules) Version() string { return r.version }

func (r *Rules) computeVersion() string {
	h := sha256.New()
	w := func(parts ...string) {
		for _, p := range parts {
			h.Write([]byte(strconv.Quote(p)))
			h.Write([]byte{' '})
		}
		h.Write([]byte{'\n'})
	}
	w(normaliserVersion)
	for ti, tp := range r.topics {
		w("topic", tp.name,
			strconv.FormatFloat(tp.minScore, 'g', -1, 64),
			strconv.FormatFloat(tp.titleBoost, 'g', -1, 64),
			strconv.Itoa(int(tp.excludeWindow)))
		var lines []string
		for _, e := range r.entries {
			if e.topic == int32(ti) {
				key, _ := parsePhrase(e.phrase) // parsed once already
				lines = append(lines, strconv.Quote(e.kind.String())+" "+strconv.Quote(key.tokens)+" "+
					strconv.FormatBool(key.prefix)+" "+strconv.Quote(e.phrase))
			}
		}
		slices.Sort(lines)
		for _, l := range lines {
			w(l)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Topics returns the names of the compiled topics, sorted.
func (r *Rules) Topics() []string {
	names := make([]string, len(r.topics))
	for i, tp := range r.topics {
		names[i] = tp.name
	}
	return names
}
