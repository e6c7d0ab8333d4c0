package tag

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

var sprintf = fmt.Sprintf

// parse normalises the phrase at key, reporting why it can never match.
func (c *compiler) parse(key, phrase string) (phraseKey, bool) {
	pk, err := parsePhrase(phrase)
	if err != "" {
		c.errorf(key, "phrase can never match: %q: %s", phrase, err)
		return phraseKey{}, false
	}
	return pk, true
}

// parsePhrase normalises a phrase as text is normalised; a trailing "*"
// makes its last token a prefix. It returns why the phrase can never
// match, or "".
func parsePhrase(phrase string) (phraseKey, string) {
	s := strings.TrimSpace(phrase)
	prefix := strings.HasSuffix(s, "*")
	if prefix {
		s = strings.TrimSpace(strings.TrimSuffix(s, "*"))
	}
	if strings.Contains(s, "*") {
		return phraseKey{}, `"*" is allowed only at the end`
	}
	tokens := Tokens(s)
	if len(tokens) == 0 {
		return phraseKey{}, "no letters or digits"
	}
	if last := tokens[len(tokens)-1]; prefix && utf8.RuneCountInString(last) < minPrefixRunes {
		return phraseKey{}, sprintf("prefix %q: want at least %d letters", last, minPrefixRunes)
	}
	return phraseKey{tokens: strings.Join(tokens, " "), prefix: prefix}, ""
}

// neverCount reports the hit phrases of the topic whose entries start at
// first that can never count: an exclude phrase inside every occurrence
// always vetoes it (exclude "truce" and strong "trade truce"), a none_of
// phrase inside it vetoes the whole topic whenever it occurs. Only lists
// that apply in every language the hit does are considered.
func (c *compiler) neverCount(first int) {
	entries := c.r.entries[first:]
	for hi := range entries {
		h := &entries[hi]
		if h.kind != kindStrong && h.kind != kindWeak && h.kind != kindNearSide {
			continue
		}
		for xi := range entries {
			x := &entries[xi]
			if (x.kind != kindExclude && x.kind != kindNoneOf) || h.langs&^x.langs != 0 || !alwaysContains(h.key, x.key) {
				continue
			}
			what := "exclude " + strconv.Quote(x.phrase) + " always vetoes it"
			if x.kind == kindNoneOf {
				what = "none_of " + strconv.Quote(x.phrase) + " vetoes the topic whenever it occurs"
			}
			c.errorf(c.keys[first+hi], "phrase can never count: %q: %s (%s)", h.phrase, what, c.keys[first+xi])
			break
		}
	}
}

// alwaysContains reports whether every text that matches phrase h also
// matches phrase x within h's tokens.
func alwaysContains(h, x phraseKey) bool {
	ht, xt := strings.Split(h.tokens, " "), strings.Split(x.tokens, " ")
	for i := 0; i+len(xt) <= len(ht); i++ {
		ok := true
		for j, w := range xt {
			tok := ht[i+j]
			hPrefix := h.prefix && i+j == len(ht)-1 // any token starting with tok
			if x.prefix && j == len(xt)-1 {
				ok = strings.HasPrefix(tok, w)
			} else {
				ok = tok == w && !hPrefix
			}
			if !ok {
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (r *Rules) computeVersion() string {
	h := sha256.New()
	w := func(parts ...string) {
		for _, p := range parts {
			h.Write([]byte(strconv.Quote(p)))
			h.Write([]byte{' '})
		}
		h.Write([]byte{'\n'})
	}
	w(normaliserVersion, languageVersion)
	for ti, tp := range r.topics {
		w("topic", tp.name,
			strconv.FormatFloat(tp.minScore, 'g', -1, 64),
			strconv.FormatFloat(tp.titleBoost, 'g', -1, 64),
			strconv.Itoa(int(tp.excludeWindow)),
			strconv.Itoa(int(tp.requireWindow)),
			strconv.FormatFloat(tp.passingWeight, 'g', -1, 64),
			strconv.Itoa(int(tp.backgroundWindow)))
		var lines []string
		for _, e := range r.entries {
			if e.topic != int32(ti) {
				continue
			}
			line := strconv.Quote(e.kind.String()) + " " + strconv.Itoa(int(e.langs)) + " " + strconv.Quote(e.phrase)
			switch e.kind {
			case kindNear:
				// Its sides follow as entries of their own.
			case kindNearSide:
				rule := r.entries[e.near]
				line += " " + strconv.Quote(rule.phrase) + " " + strconv.Itoa(int(e.side)) + " " + strconv.Quote(e.key.tokens) + " " + strconv.FormatBool(e.key.prefix)
			default:
				line += " " + strconv.Quote(e.key.tokens) + " " + strconv.FormatBool(e.key.prefix)
			}
			lines = append(lines, line)
		}
		slices.Sort(lines)
		for _, l := range lines {
			w(l)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
