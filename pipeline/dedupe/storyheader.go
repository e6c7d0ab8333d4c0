package dedupe

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/newswire/newswire/pipeline/dedupe/near"
)

// What the story stage's memory keeps of a story travels with the story's
// message on news.tagged.<feed>, in two headers, so that a replica rebuilds
// its memory from NEWS_TAGGED reading headers only:
//
//	Newswire-Story:     id=<article id> rev=<revision> raw=<NEWS_RAW sequence> content=<16 hex> keys=g<hex>,u<hex>,c<hex> by=<token>
//	Newswire-Signature: <near.Signature.Encode()>   (with near-duplicates on)
//
// raw is the sequence of the input that published the story: a redelivery
// of that input is the same story, not a copy of it. content is the first
// 8 bytes of the article's content hash; keys are its exact keys (Keys);
// by names the run of the process that published it (Window.token), whose
// follower skips it: that process remembered it when it sent it.
const (
	HeaderStory     = "Newswire-Story"
	HeaderSignature = "Newswire-Signature"
)

// storyHeader is what the headers say.
type storyHeader struct {
	id      string
	rev     int
	rawSeq  uint64
	content uint64
	keys    []Key
	by      string          // the publishing process's token; "" from StoryMessages
	sig     *near.Signature // nil: none read
}

// set writes st into h.
func (st storyHeader) set(h nats.Header) {
	v := fmt.Sprintf("id=%s rev=%d raw=%d content=%016x keys=%s", st.id, max(st.rev, 1), st.rawSeq, st.content, formatKeys(st.keys))
	if st.by != "" {
		v += " by=" + st.by // last: publishedBy reads it without parsing the rest
	}
	h.Set(HeaderStory, v)
	if st.sig != nil {
		h.Set(HeaderSignature, st.sig.Encode())
	}
}

// publishedBy reports whether the story message with headers h was
// published by the process run named token.
func publishedBy(h nats.Header, token string) bool {
	return strings.HasSuffix(h.Get(HeaderStory), " by="+token)
}

// errNoStoryHeader: the message has no Newswire-Story header (published by
// a version before it).
var errNoStoryHeader = errors.New("no " + HeaderStory + " header")

// parseStory reads the headers of a story's message; withSig also reads
// its signature.
func parseStory(h nats.Header, withSig bool) (storyHeader, error) {
	var st storyHeader
	v := h.Get(HeaderStory)
	if v == "" {
		return st, errNoStoryHeader
	}
	for f := range strings.FieldsSeq(v) {
		name, val, _ := strings.Cut(f, "=")
		var err error
		switch name {
		case "id":
			st.id = strings.Clone(val) // not a piece of the whole header, kept as long as the story
		case "rev":
			st.rev, err = strconv.Atoi(val)
		case "raw":
			st.rawSeq, err = strconv.ParseUint(val, 10, 64)
		case "content":
			st.content, err = strconv.ParseUint(val, 16, 64)
		case "by":
			st.by = val
		case "keys":
			if val != "" {
				var ok bool
				if st.keys, ok = parseKeys(val); !ok {
					err = errors.New("bad keys")
				}
			}
		}
		if err != nil {
			return st, fmt.Errorf("%s header %q: %s: %w", HeaderStory, v, name, err)
		}
	}
	if st.id == "" {
		return st, fmt.Errorf("%s header %q: no id", HeaderStory, v)
	}
	if enc := h.Get(HeaderSignature); withSig && enc != "" && st.rev <= 1 {
		sig, err := near.Decode(enc)
		if err != nil {
			return st, fmt.Errorf("%s header: %w", HeaderSignature, err)
		}
		st.sig = &sig
	}
	return st, nil
}
