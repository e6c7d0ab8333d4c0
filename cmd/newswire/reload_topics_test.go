package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/pipeline/tag"
)

// rulesVersionOf compiles a topics file the way the daemon does.
func rulesVersionOf(t *testing.T, path string) string {
	t.Helper()
	tp, err := configs.LoadTopics(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := tag.Compile(tp)
	if err != nil {
		t.Fatal(err)
	}
	return r.Version()
}

// TestRunReloadsTopicRules changes the topic rules of a running daemon:
// articles tagged afterwards use the new rules and say so in their
// rules_version, and a broken rules file keeps the old rules.
func TestRunReloadsTopicRules(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	srv := newFeedServer(t)
	dir := t.TempDir()
	rulesV1 := "topics:\n  - name: ceasefire\n    strong: [ceasefire]\n"
	rulesV2 := rulesV1 + "  - name: libraries\n    strong: [library, libraries]\n"
	writeFile(t, dir, "topics.yaml", rulesV1)
	v1 := rulesVersionOf(t, filepath.Join(dir, "topics.yaml"))
	head := `nats:
  embedded:
    listen: 127.0.0.1:0
    store_dir: store
http:
  listen: 127.0.0.1:0
poll:
  allow_private: true
  host_spacing: 0s
topics_file: topics.yaml
feeds:
`
	world := fmt.Sprintf("  - id: world\n    url: %s/world.xml\n    interval: 1s\n", srv.URL)
	mirror := fmt.Sprintf("  - id: mirror\n    url: %s/mirror.xml\n    interval: 1s\n", srv.URL)
	path := writeFile(t, dir, "newswire.yaml", head+world)
	rd := startRun(t, path)
	url := rd.d.NATSURL()
	waitFor(t, "the world feed tagged", 20*time.Second, func() bool { return len(readAll(t, url, "news.tagged.world")["news.tagged.world"]) == 5 })

	// New rules and a new feed in one edit: the new feed's articles are
	// tagged with the new rules.
	replaceFile(t, filepath.Join(dir, "topics.yaml"), rulesV2)
	replaceFile(t, path, head+world+mirror)
	v2 := rulesVersionOf(t, filepath.Join(dir, "topics.yaml"))
	if v1 == v2 {
		t.Fatal("the two rule files have one version")
	}
	waitFor(t, "the library story on news.topic.libraries", 20*time.Second, func() bool {
		return len(readAll(t, url, "news.topic.libraries")["news.topic.libraries"]) == 1
	})
	for subj, as := range readAll(t, url, "news.tagged.>") {
		for _, a := range as {
			want := v1
			if subj == "news.tagged.mirror" {
				want = v2
			}
			if a.RulesVersion != want {
				t.Errorf("%s %q: rules_version %q, want %q", subj, a.Title, a.RulesVersion, want)
			}
		}
	}

	// A broken rules file is refused and the old rules stay.
	replaceFile(t, filepath.Join(dir, "topics.yaml"), rulesV2+"  - name: Bad Name\n    strong: [x]\n")
	waitFor(t, "the failed reload logged", 10*time.Second, func() bool {
		return strings.Contains(rd.logs.String(), "reload failed") && strings.Contains(rd.logs.String(), "topics[2].name")
	})
}
