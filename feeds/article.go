package feeds

import "time"

// SchemaV1 names the version of the article message. A consumer that sees
// another value must not assume the fields below.
const SchemaV1 = "newswire.article.v1"

// FeedRef identifies the feed an article was read from.
type FeedRef struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	URL   string `json:"url"`
}

// TopicMatch is one topic an article was tagged with, with the evidence.
type TopicMatch struct {
	Name    string   `json:"name"`
	Score   float64  `json:"score"`
	Matched []string `json:"matched"`

	// Fields[i] lists the fields (title, summary, content) Matched[i] counted in.
	Fields [][]string `json:"fields,omitempty"`
}

// DedupeInfo carries the fingerprints the dedupe stage judged the article by.
type DedupeInfo struct {
	ContentHash string `json:"content_hash,omitempty"`
	SimHash     string `json:"simhash,omitempty"`
	// MinHash was the near-duplicate signature of title and summary
	// (pipeline/dedupe/near); it now travels in the Newswire-Signature
	// header and stays empty. Stories stored by earlier versions carry it.
	MinHash string `json:"minhash,omitempty"`
}

// Article is the message every stage reads and writes (schema
// newswire.article.v1, see schema/article.v1.json). Times are UTC.
//
// Topics is nil on the raw stream and non-nil (possibly empty) once the
// story stage has tagged the article, so "topics": [] on the wire means
// "tagged, matched nothing".
type Article struct {
	Schema      string       `json:"schema"`
	ID          string       `json:"id"`
	Feed        FeedRef      `json:"feed"`
	GUID        string       `json:"guid,omitempty"`
	URL         string       `json:"url,omitempty"`
	Title       string       `json:"title"`
	Summary     string       `json:"summary,omitempty"`
	ContentHTML string       `json:"content_html,omitempty"`
	Authors     []string     `json:"authors,omitempty"`
	Categories  []string     `json:"categories,omitempty"`
	Language    string       `json:"language,omitempty"`
	Image       string       `json:"image,omitempty"`
	PublishedAt time.Time    `json:"published_at,omitzero"`
	UpdatedAt   time.Time    `json:"updated_at,omitzero"`
	FetchedAt   time.Time    `json:"fetched_at"`
	Topics      []TopicMatch `json:"topics,omitzero"`
	Dedupe      *DedupeInfo  `json:"dedupe,omitempty"`

	// Revision counts the versions of a story published: absent (1) for the
	// first, 2 and up for updates, which carry UpdateOf = the id of the
	// story they update (the same id: an update is the same feed item with
	// materially changed content).
	Revision int    `json:"revision,omitempty"`
	UpdateOf string `json:"update_of,omitempty"`

	RulesVersion string `json:"rules_version,omitempty"` // tag.Rules.Version that set Topics
}
