package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/natstest"
	"github.com/newswire/newswire/pipeline/tag"
)

const replayRulesOld = `topics:
  - name: ceasefire
    strong: [ceasefire]
  - name: sanctions
    strong: [new sanctions]
`

// The new rules add "truce agreed" to ceasefire: only the article that
// says so changes.
const replayRulesNew = `topics:
  - name: ceasefire
    strong: [ceasefire, truce agreed]
  - name: sanctions
    strong: [new sanctions]
`

func TestReplayRepublishesChangedArticlesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := natstest.Start(t)
	if _, err := pipeline.EnsureTopology(ctx, srv.JS, pipeline.Topology{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	oldPath, newPath := filepath.Join(dir, "old.yaml"), filepath.Join(dir, "new.yaml")
	for p, data := range map[string]string{oldPath: replayRulesOld, newPath: replayRulesNew} {
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	oldRules := compileFile(t, oldPath)
	articles := []feeds.Article{
		replayArticle("a1", "Ceasefire holds in the south"),
		replayArticle("a2", "Truce agreed after talks"), // changes: [] → [ceasefire]
		replayArticle("a3", "EU weighs new sanctions"),
		replayArticle("a4", "Weather: sunny"),
	}
	for _, a := range articles {
		tagged := a
		tagged.Topics = oldRules.Match(tag.Document{Title: a.Title})
		tagged.RulesVersion = oldRules.Version()
		if err := pipeline.PublishJSON(ctx, srv.JS, pipeline.TaggedSubject(a.Feed.ID), a.ID, tagged, nil); err != nil {
			t.Fatal(err)
		}
	}

	replay := func() (stdout, stderr string) {
		t.Helper()
		var out, errb strings.Builder
		e := &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
		if err := runEnv(ctx, e, []string{"replay", "--since", "1h", "--topics", newPath, "--nats", srv.URL}); err != nil {
			t.Fatalf("replay: %v\n%s", err, errb.String())
		}
		return out.String(), errb.String()
	}
	stdout, stderr := replay()
	newVersion := compileFile(t, newPath).Version()
	if want := "4 articles since"; !strings.Contains(stdout, want) || !strings.Contains(stdout, "3 unchanged, 1 changed: republished 1 (rules version "+newVersion+")") {
		t.Errorf("stdout = %q", stdout)
	}
	if !strings.Contains(stderr, "replay: 4 articles read, 1 changed") {
		t.Errorf("stderr lacks the progress line: %q", stderr)
	}
	got := storedIDs(t, srv.JS)
	want := []string{
		"a1", "a2", // the stage's copies, by hand
		"a2:ceasefire:r" + newVersion, "a2:r" + newVersion, // the replay's
		"a3", "a4",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("NEWS_TAGGED ids after replay = %q, want %q", got, want)
	}
	msgs := natstest.Collect(t, srv.JS, pipeline.StreamTagged, 1, time.Second, pipeline.TopicSubject("ceasefire"))
	a, err := pipeline.DecodeArticle(msgs[len(msgs)-1].Data())
	if err != nil {
		t.Fatal(err)
	}
	if a.RulesVersion != newVersion || len(a.Topics) != 1 || a.Topics[0].Name != "ceasefire" {
		t.Errorf("republished article: rules %q topics %+v", a.RulesVersion, a.Topics)
	}
	if h := msgs[len(msgs)-1].Headers().Get(tag.HeaderRulesVersion); h != newVersion {
		t.Errorf("header %s = %q, want %q", tag.HeaderRulesVersion, h, newVersion)
	}

	// Again: the republished copy is now what subscribers have.
	stdout, _ = replay()
	if !strings.Contains(stdout, "0 changed: republished 0") {
		t.Errorf("second replay: stdout = %q", stdout)
	}
	if got2 := storedIDs(t, srv.JS); !slices.Equal(got2, want) {
		t.Errorf("NEWS_TAGGED ids after a second replay = %q, want %q", got2, want)
	}
}

func replayArticle(id, title string) feeds.Article {
	return feeds.Article{Schema: feeds.SchemaV1, ID: id, Feed: feeds.FeedRef{ID: "f1", URL: "http://example.com/feed"},
		Title: title, FetchedAt: time.Now().UTC()}
}

func compileFile(t *testing.T, path string) *tag.Rules {
	t.Helper()
	tp, err := configs.LoadTopics(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tag.Compile(tp)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// storedIDs returns the Nats-Msg-Id of every message on NEWS_TAGGED, sorted.
func storedIDs(t *testing.T, js jetstream.JetStream) []string {
	t.Helper()
	var ids []string
	for _, m := range natstest.Collect(t, js, pipeline.StreamTagged, 0, 500*time.Millisecond) {
		ids = append(ids, m.Headers().Get("Nats-Msg-Id"))
	}
	slices.Sort(ids)
	return ids
}
