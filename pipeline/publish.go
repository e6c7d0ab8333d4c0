package pipeline

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/cespare/xxhash/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/feeds"
)

// PublishJSON publishes v as JSON on subject with Nats-Msg-Id msgID and
// waits for the broker's acknowledgement, as PublishAll does. A duplicate
// (the id was stored within the duplicate window) counts as success: the
// output exists.
func PublishJSON(ctx context.Context, js jetstream.JetStream, subject, msgID string, v any, header nats.Header) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("pipeline: encode %s: %w", subject, err)
	}
	return PublishAll(ctx, js, []*nats.Msg{JSONMsg(subject, msgID, data, header)})
}

// PublishAll publishes msgs, each carrying its Nats-Msg-Id header, without
// waiting between them, then waits for every ack: n outputs cost about one
// round trip. Messages whose publish failed for a retryable reason (a
// broker restart, a leader change) are sent again, with the same ids so a
// retry of a publish whose ack was lost is dropped by the stream, under
// Retry's rules. It is the stages' one way to publish; the poller's
// RawPublisher makes one attempt of the same batch.
func PublishAll(ctx context.Context, js jetstream.JetStream, msgs []*nats.Msg) error {
	pending := msgs
	return Retry(ctx, func(ctx context.Context) error {
		var err error
		pending, err = publishBatch(ctx, js, pending)
		return err
	})
}

// publishBatch sends msgs without waiting between them, then waits for
// every ack. It returns the messages not stored and the first error.
func publishBatch(ctx context.Context, js jetstream.JetStream, msgs []*nats.Msg) ([]*nats.Msg, error) {
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	var failed []*nats.Msg
	var firstErr error
	for _, m := range msgs {
		f, err := js.PublishMsgAsync(m)
		if err != nil {
			failed, firstErr = append(failed, m), cmp.Or(firstErr, err)
			continue
		}
		futures = append(futures, f)
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			failed, firstErr = append(failed, f.Msg()), cmp.Or(firstErr, err)
		case <-ctx.Done():
			failed, firstErr = append(failed, f.Msg()), cmp.Or(firstErr, ctx.Err())
		}
	}
	if firstErr != nil {
		return failed, fmt.Errorf("pipeline: publish %s: %w", failed[0].Subject, firstErr)
	}
	return nil, nil
}

// JSONMsg is a message on subject with the JSON body data and msgID as its
// Nats-Msg-Id, for PublishAll.
func JSONMsg(subject, msgID string, data []byte, header nats.Header) *nats.Msg {
	msg := nats.NewMsg(subject)
	msg.Data = data
	for k, vals := range header {
		msg.Header[k] = vals
	}
	msg.Header.Set("Content-Type", "application/json")
	msg.Header.Set(jetstream.MsgIDHeader, msgID)
	return msg
}

// EncodeArticle is the JSON body of an article message.
func EncodeArticle(a *feeds.Article) ([]byte, error) {
	data, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("pipeline: encode article %s: %w", a.ID, err)
	}
	return data, nil
}

// DecodeArticle reads an article message. A body that is not an article of
// schema v1 is a PermanentError: retrying cannot fix it.
func DecodeArticle(data []byte) (*feeds.Article, error) {
	var a feeds.Article
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, Permanent(fmt.Errorf("invalid article JSON: %w", err))
	}
	if a.Schema != feeds.SchemaV1 {
		return nil, Permanent(fmt.Errorf("unknown schema %q", a.Schema))
	}
	if a.ID == "" || a.Feed.ID == "" {
		return nil, Permanent(fmt.Errorf("article without id or feed id"))
	}
	// The feed id becomes a subject token (news.tagged.<feed>): ">" or
	// "a.b" would publish where subscribers do not expect it.
	if !validSubjectToken(a.Feed.ID) {
		return nil, Permanent(fmt.Errorf("feed id %q is not a subject token: want 1 to %d of a-z, 0-9, _ and -", a.Feed.ID, maxTokenLen))
	}
	// What a stage reads is bounded: no field larger than the poller makes.
	if len(a.Title) > maxTitleBytes || len(a.Summary) > maxSummaryBytes {
		return nil, Permanent(fmt.Errorf("title of %d bytes or summary of %d bytes: over the caps of %d and %d runes (%d and %d bytes)",
			len(a.Title), len(a.Summary), feeds.TitleMaxRunes, feeds.SummaryMaxRunes, maxTitleBytes, maxSummaryBytes))
	}
	return &a, nil
}

// Caps on what a stage reads of an article: the poller's caps in runes,
// at 4 bytes a rune and the ellipsis of a cut text.
const (
	maxTitleBytes   = 4*feeds.TitleMaxRunes + 4
	maxSummaryBytes = 4*feeds.SummaryMaxRunes + 4
	maxTokenLen     = 64
)

// validSubjectToken reports whether s can stand as one token of a subject
// newswire publishes on (a feed id in news.tagged.<feed>): 1 to 64 of a-z,
// 0-9, _ and -, as configs accepts for feed ids.
func validSubjectToken(s string) bool {
	if len(s) == 0 || len(s) > maxTokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// RawMsgID is the Nats-Msg-Id of an article on news.raw.<feed>: its id and
// a hash of its title and summary, so that the same version published twice
// is dropped by the stream while an edited version (a corrected headline)
// gets through to the dedupe stage, which decides whether it is an update.
// Any change of bytes makes a new id; what counts as the same text is the
// dedupe stage's business (feeds.ContentHash), so this hash need only be
// fast (xxHash: the poller computes one per new article).
func RawMsgID(a *feeds.Article) string {
	h := xxhash.New()
	_, _ = h.WriteString(a.Title)
	_, _ = h.WriteString("\x00")
	_, _ = h.WriteString(a.Summary)
	return a.ID + "." + strconv.FormatUint(h.Sum64(), 16)
}

// RawPublisher publishes a feed's new articles on news.raw.<feed>. The
// poller uses it through its own interface.
type RawPublisher struct {
	js     jetstream.JetStream
	health *Health
}

// ReportTo makes the publisher report the broker's health to h (as
// component "poll") and returns it.
func (p *RawPublisher) ReportTo(h *Health) *RawPublisher {
	p.health = h
	return p
}

// NewRawPublisher returns a RawPublisher on js.
func NewRawPublisher(js jetstream.JetStream) *RawPublisher { return &RawPublisher{js: js} }

// Publish stores every article on its feed's raw subject and returns when
// the broker has acknowledged all of them, or the first error. Articles are
// sent asynchronously and awaited together, so a feed of 100 items costs
// about one round trip, not 100.
func (p *RawPublisher) Publish(ctx context.Context, articles []feeds.Article) error {
	err := p.publish(ctx, articles)
	if err != nil {
		p.health.Fail("poll", err)
	} else {
		p.health.OK("poll")
	}
	return err
}

func (p *RawPublisher) publish(ctx context.Context, articles []feeds.Article) error {
	msgs := make([]*nats.Msg, len(articles))
	for i := range articles {
		a := &articles[i]
		data, err := EncodeArticle(a)
		if err != nil {
			return err
		}
		msgs[i] = JSONMsg(RawSubject(a.Feed.ID), RawMsgID(a), data, nil)
	}
	// One attempt: a feed whose articles the broker refused is polled
	// again soon (its state did not advance), so nothing waits here.
	_, err := publishBatch(ctx, p.js, msgs)
	return err
}
