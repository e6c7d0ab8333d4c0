package pipeline

import (
	"strconv"
	"time"
)

// Stream, subject, consumer and bucket names: the one place they are spelled.
const (
	StreamRaw    = "NEWS_RAW"
	StreamTagged = "NEWS_TAGGED"
	StreamDead   = "NEWS_DEAD"

	// ConsumerDedupe is the story stage's durable consumer on NEWS_RAW
	// (its name from when dedupe and tag were two stages: kept, so an
	// upgraded store resumes where it was).
	ConsumerDedupe = "dedupe"

	BucketFeeds  = "newswire_feeds"  // per-feed poll state, key = feed id
	BucketMemory = "newswire_memory" // object store: snapshots of the story stage's memory

	// HeaderTopics lists an article's topics, comma-separated, on tagged messages.
	HeaderTopics = "Newswire-Topics"
	// HeaderReplay marks messages republished by `newswire replay`.
	HeaderReplay = "Newswire-Replay"
	// HeaderDeadReason says why a message was dead-lettered.
	HeaderDeadReason = "Newswire-Dead-Reason"
	// HeaderDeadStage names the stage that gave up on a message.
	HeaderDeadStage = "Newswire-Dead-Stage"
	// HeaderDeadSubject is the subject the dead message was read from.
	HeaderDeadSubject = "Newswire-Dead-Subject"
	// HeaderDeadStream and HeaderDeadSequence locate the input in its stream.
	HeaderDeadStream   = "Newswire-Dead-Stream"
	HeaderDeadSequence = "Newswire-Dead-Sequence"
	// HeaderDeadBody is set when the body was too large to dead-letter and
	// was left out (the input stays in its stream for the stream's max age).
	HeaderDeadBody = "Newswire-Dead-Body"

	// DuplicateWindow is how long every stream remembers Nats-Msg-Id values.
	// It must exceed the longest time an input can wait between a crash and
	// its redelivery (AckWait × a few), so a republished output is dropped.
	DuplicateWindow = 10 * time.Minute
	// RawDuplicateWindow is NEWS_RAW's: see EnsureTopology. The server
	// keeps every id of the window in memory: a first start of 10,000
	// feeds publishes ~1,000 articles a second for five minutes.
	RawDuplicateWindow = time.Minute
)

// RawSubject is where the poller publishes the articles of a feed.
func RawSubject(feedID string) string { return "news.raw." + feedID }

// TaggedSubject carries every tagged article of a feed, topics or not.
func TaggedSubject(feedID string) string { return "news.tagged." + feedID }

// TopicSubject carries one copy of each article that matched topic.
func TopicSubject(topic string) string { return "news.topic." + topic }

// DeadSubject receives the messages a stage gave up on.
func DeadSubject(stage string) string { return "news.dead." + stage }

// TopicMsgID is the Nats-Msg-Id of an article's copy on a topic subject.
func TopicMsgID(articleID, topic string) string { return articleID + ":" + topic }

// VersionMsgID is the Nats-Msg-Id of revision rev of a story's message
// whose first version had id: the id itself for the first version, and
// "<id>:r<rev>" for updates, so that an update is not taken for a
// redelivery of the first version.
func VersionMsgID(id string, rev int) string {
	if rev <= 1 {
		return id
	}
	return id + ":r" + strconv.Itoa(rev)
}
