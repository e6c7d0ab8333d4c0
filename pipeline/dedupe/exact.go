package dedupe

import (
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/newswire/newswire/feeds"
)

// Key is one exact identity of an article: what kind it is and its 64-bit
// hash (never 0).
type Key struct {
	Kind string // guid, url or content
	Hash uint64
}

// Keys lists the exact dedupe keys of an article, most specific first. An
// article with no summary has no content key: a bare headline ("Live
// updates") is too weak to call two items the same text.
func Keys(a *feeds.Article) []Key {
	keys := make([]Key, 0, 3)
	if a.GUID != "" {
		keys = append(keys, Key{"guid", keyHash("g", a.Feed.ID+"\x00"+a.GUID)})
	}
	if a.URL != "" {
		keys = append(keys, Key{"url", keyHash("u", feeds.URLIdentity(a.URL))})
	}
	if strings.TrimSpace(a.Title) != "" && strings.TrimSpace(a.Summary) != "" {
		keys = append(keys, Key{"content", keyHash("c", contentHash(a))})
	}
	return keys
}

func keyHash(kind, s string) uint64 {
	h := xxhash.New()
	_, _ = h.WriteString(kind)
	_, _ = h.WriteString(s)
	return max(h.Sum64(), 1)
}

// keyKinds are the letters of the kinds in the keys header.
var keyKinds = map[byte]string{'g': "guid", 'u': "url", 'c': "content"}

// formatKeys writes keys as the story header has them: "g<hex>,u<hex>,c<hex>".
func formatKeys(keys []Key) string {
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte(k.Kind[0])
		b.WriteString(strconv.FormatUint(k.Hash, 16))
	}
	return b.String()
}

// parseKeys reads what formatKeys wrote; ok is false when it is not that.
func parseKeys(s string) (keys []Key, ok bool) {
	if s == "" {
		return nil, false
	}
	for f := range strings.SplitSeq(s, ",") {
		if f == "" {
			return nil, false
		}
		kind, known := keyKinds[f[0]]
		h, err := strconv.ParseUint(f[1:], 16, 64)
		if !known || err != nil || h == 0 {
			return nil, false
		}
		keys = append(keys, Key{kind, h})
	}
	return keys, len(keys) > 0
}

// guidKey is the guid key among keys, 0 if none.
func guidKey(keys []Key) uint64 {
	for _, k := range keys {
		if k.Kind == "guid" {
			return k.Hash
		}
	}
	return 0
}

func contentHash(a *feeds.Article) string {
	if a.Dedupe != nil && a.Dedupe.ContentHash != "" {
		return a.Dedupe.ContentHash
	}
	return feeds.ContentHash(a.Title, a.Summary)
}

// shortContent is the first 8 bytes of a content hash (feeds.ContentHash):
// what memory keeps to tell a changed text from the same one.
func shortContent(hash string) uint64 {
	var b [8]byte
	if len(hash) < 16 {
		return xxhash.Sum64String(hash)
	}
	if _, err := hex.Decode(b[:], []byte(hash[:16])); err != nil {
		return xxhash.Sum64String(hash)
	}
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// exactStory is what memory keeps of a story for its exact keys: 56
// bytes and its id's.
type exactStory struct {
	id      string // article id; "" once forgotten
	at      int64  // unix nanoseconds: when it was published
	rawSeq  uint64 // NEWS_RAW sequence of the input that published it (0: unknown)
	guid    uint64 // its guid key (0: none): items of one feed with different GUIDs are different items
	content uint64 // shortContent of its latest text
	feed    uint32 // index in exactMemory.feedNames
	rev     uint16 // latest revision published (0 and 1: the first)
	// tentative: this process is publishing it and the stream has not
	// said yet whether it came first. A story read from the stream takes
	// the keys of a tentative one: the stream stored it first.
	tentative bool
}

// owner is what a judgement reports of the story a copy belongs to.
type owner struct {
	ID, Feed string
	Revision int
	slot     uint32
}

// exactMemory remembers the exact keys of the window's stories: a table
// from key hash to story slot, and the stories in the order they were
// remembered. Each story is also filed under its article id (idKey), for
// the near-duplicate index's answers. Not safe for concurrent use:
// Window.mu guards it.
type exactMemory struct {
	byKey     keyTable
	stories   []exactStory // slot s is stories[s-first]
	first     uint32
	feedIndex map[string]uint32 // interned feed ids
	feedNames []string
	copies    map[uint32]*AlsoIn // by slot: the stories copies were seen of
	dropped   int                // stories forgotten early (a cap)
}

func newExactMemory() *exactMemory {
	return &exactMemory{feedIndex: map[string]uint32{}, copies: map[uint32]*AlsoIn{}}
}

// mine describes the article being judged.
type mine struct {
	feed    string
	rawSeq  uint64
	guid    uint64
	content uint64
}

// verdict is what memory says of an article.
type verdict int

const (
	verdictNew    verdict = iota // no key known (or only its own)
	verdictCopy                  // a key held by another story
	verdictUpdate                // the same feed item with another text
)

// judge returns what keys say of m and, for a copy or an update, the key's
// kind and its story; seen reports a key held by this same input (judged
// before: a redelivery).
func (x *exactMemory) judge(keys []Key, m mine, updates bool) (_ verdict, kind string, _ owner, seen bool) {
	for _, k := range keys {
		slot, ok := x.byKey.get(k.Hash)
		if !ok {
			continue
		}
		st := x.at(slot)
		stFeed := x.feedNames[st.feed]
		switch {
		case st.rawSeq != 0 && st.rawSeq == m.rawSeq:
			seen = true // this same input, judged before (a redelivery)
			continue
		case k.Kind == "url" && stFeed == m.feed && st.guid != 0 && m.guid != 0 && st.guid != m.guid:
			continue // another item of the same feed at the same page
		}
		o := x.owner(slot)
		sameItem := k.Kind == "guid" || k.Kind == "url" && stFeed == m.feed && st.guid == 0 && m.guid == 0
		if sameItem && updates && st.content != m.content {
			return verdictUpdate, k.Kind, o, seen
		}
		return verdictCopy, k.Kind, o, seen
	}
	return verdictNew, "", owner{}, seen
}

func (x *exactMemory) owner(slot uint32) owner {
	st := x.at(slot)
	return owner{ID: st.id, Feed: x.feedNames[st.feed], Revision: int(st.rev), slot: slot}
}

// ownerOf returns the story of article id (ID alone if memory has
// forgotten it).
func (x *exactMemory) ownerOf(id string) owner {
	slot, ok := x.byKey.get(idKey(id))
	if !ok {
		return owner{ID: id, slot: noSlot}
	}
	return x.owner(slot)
}

// noSlot is a slot no story has.
const noSlot = ^uint32(0)

// idKey files a story under its article id, for ownerOf.
func idKey(id string) uint64 { return keyHash("i", id) }

func (x *exactMemory) at(slot uint32) *exactStory { return &x.stories[slot-x.first] }

func (x *exactMemory) holds(slot uint32) bool {
	return slot >= x.first && slot-x.first < uint32(len(x.stories))
}

// add remembers a story under those of its keys no other story holds (or
// only a tentative one, unless this one is tentative too) and returns its
// slot.
func (x *exactMemory) add(id, feed string, at int64, m mine, keys []Key, tentative bool) uint32 {
	slot := x.first + uint32(len(x.stories))
	for _, k := range keys {
		holder, held := x.byKey.get(k.Hash)
		if held && (tentative || !x.at(holder).tentative) {
			continue
		}
		x.byKey.set(k.Hash, slot)
	}
	x.byKey.set(idKey(id), slot)
	x.stories = append(x.stories, exactStory{id: id, feed: x.intern(feed), at: at, rawSeq: m.rawSeq, guid: m.guid, content: m.content, tentative: tentative})
	return slot
}

// confirm ends slot's tentative state: the stream stored it.
func (x *exactMemory) confirm(slot uint32) {
	if x.holds(slot) {
		x.at(slot).tentative = false
	}
}

// forget drops the keys slot holds (a publish that lost to another
// replica's).
func (x *exactMemory) forget(slot uint32, keys []Key) {
	if !x.holds(slot) {
		return
	}
	st := x.at(slot)
	for _, k := range keys {
		x.byKey.deleteIf(k.Hash, slot)
	}
	x.byKey.deleteIf(idKey(st.id), slot)
	delete(x.copies, slot)
	*st = exactStory{}
}

// update records a new revision of the story the first of keys held
// belongs to.
func (x *exactMemory) update(keys []Key, content uint64, rev int) {
	for _, k := range keys {
		if slot, ok := x.byKey.get(k.Hash); ok {
			st := x.at(slot)
			st.content, st.rev = content, uint16(max(int(st.rev), rev))
			return
		}
	}
}

// alsoIn returns the copies seen of article id's story.
func (x *exactMemory) alsoIn(id string) AlsoIn {
	o := x.ownerOf(id)
	c := x.copies[o.slot]
	if o.slot == noSlot || c == nil {
		return AlsoIn{}
	}
	return AlsoIn{Feeds: slices.Clone(c.Feeds), Copies: c.Copies}
}

// copied records a copy of slot's story from feed.
func (x *exactMemory) copied(slot uint32, feed string) {
	if !x.holds(slot) {
		return
	}
	st := x.at(slot)
	if st.id == "" || x.feedNames[st.feed] == feed {
		return
	}
	c := x.copies[slot]
	if c == nil {
		c = &AlsoIn{}
		x.copies[slot] = c
	}
	c.Copies++
	if len(c.Feeds) < maxAlsoIn && !slices.Contains(c.Feeds, feed) {
		c.Feeds = append(c.Feeds, x.feedNames[x.intern(feed)])
	}
}

// maxAlsoIn bounds the feeds listed with one story.
const maxAlsoIn = 32

// expire forgets the stories published before cut (unix nanoseconds) and,
// past maxStories (0: no cap), the oldest beyond it. Stories are kept in
// the order they were remembered, which is their order in time up to the
// few in flight at once.
func (x *exactMemory) expire(cut int64, maxStories int) {
	n := 0
	for n < len(x.stories) && x.stories[n].at < cut {
		n++
	}
	if over := len(x.stories) - n - maxStories; maxStories > 0 && over > 0 {
		n += over
		x.dropped += over
	}
	if n == 0 {
		return
	}
	x.first += uint32(n)
	x.byKey.dropBelow(x.first)
	for slot := range x.copies {
		if slot < x.first {
			delete(x.copies, slot)
		}
	}
	// A copy, not a reslice: the forgotten stories' memory is released.
	x.stories = append(make([]exactStory, 0, len(x.stories)-n+len(x.stories)/4), x.stories[n:]...)
}

// len is the number of stories remembered.
func (x *exactMemory) len() int { return len(x.stories) }

func (x *exactMemory) intern(feed string) uint32 {
	if i, ok := x.feedIndex[feed]; ok {
		return i
	}
	i := uint32(len(x.feedNames))
	x.feedIndex[feed] = i
	x.feedNames = append(x.feedNames, feed)
	return i
}
