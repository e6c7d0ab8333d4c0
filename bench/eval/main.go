// Command eval is the check from outside of issues 4 and 5: it serves the
// labelled items of ../shared/eval as feeds on a local HTTP server, runs the
// real `newswire run` binary on them, reads what arrives on news.tagged.>
// and news.topic.* like any NATS client, and prints how it scores.
//
//	go run ./bench/eval [-eval ../shared/eval]
//
// Phase 1 (tagging): the 509 items of tagging-dev.jsonl and
// tagging-dev-2.jsonl, served by language in feeds that carry it;
// precision, recall and F1 of news.topic.ceasefire and news.topic.sanctions
// against the labels, for all items, each half (tag.Half) and the Polish
// ones.
//
// Phase 2 (dedupe, a fresh store): the 460 pairs of dedupe-dev.jsonl and
// dedupe-dev-2.jsonl, the a items in five feeds and the b items in five
// other feeds served only once the a feeds were polled. A pair is judged
// by stories: each dropped copy is followed, through the daemon's
// "duplicate dropped" log lines (article_id → story_id), to the story it
// was merged into, transitively; the pair is "same story" when its two
// items end in one story. Plus a feed whose item gets a corrected headline
// on its second poll: it must arrive as revision 2.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/internal/harness"
	"github.com/newswire/newswire/internal/labelled"
)

func main() {
	evalDir := flag.String("eval", "", "folder with tagging-dev.jsonl and dedupe-dev.jsonl (default ../shared/eval next to the repo)")
	only := flag.String("only", "", "run one phase: tagging or dedupe (default both)")
	flag.Parse()
	if *only != "" && *only != "tagging" && *only != "dedupe" {
		fmt.Fprintf(os.Stderr, "eval: -only %q: want tagging or dedupe\n", *only)
		os.Exit(2)
	}
	if err := run(*evalDir, *only); err != nil {
		fmt.Fprintln(os.Stderr, "eval:", err)
		os.Exit(1)
	}
}

func run(evalDir, only string) error {
	root, err := harness.RepoRoot()
	if err != nil {
		return err
	}
	if evalDir == "" {
		evalDir = filepath.Join(root, "..", "shared", "eval")
	}
	tmp, err := os.MkdirTemp("", "newswire-eval-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin, err := harness.Build(root, tmp)
	if err != nil {
		return err
	}
	var tagItems []taggingItem
	for _, name := range []string{"tagging-dev.jsonl", "tagging-dev-2.jsonl"} {
		if err := readJSONL(filepath.Join(evalDir, name), &tagItems); err != nil {
			return err
		}
	}
	pairs, err := labelled.ReadPairs(filepath.Join(evalDir, "dedupe-dev.jsonl"), filepath.Join(evalDir, "dedupe-dev-2.jsonl"))
	if err != nil {
		return err
	}
	okTag, okDedupe := true, true
	if only != "dedupe" {
		if okTag, err = tagging(bin, filepath.Join(tmp, "tagging"), tagItems); err != nil {
			return err
		}
	}
	if only != "tagging" {
		if okDedupe, err = dedupe(bin, filepath.Join(tmp, "dedupe"), pairs); err != nil {
			return err
		}
	}
	if !okTag || !okDedupe {
		return fmt.Errorf("a target was missed")
	}
	return nil
}

func readJSONL[T any](path string, out *[]T) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		*out = append(*out, v)
	}
	return sc.Err()
}

// tagged reads everything NEWS_TAGGED holds once it has stopped growing for
// quiet, and returns the messages by subject.
func tagged(natsURL string, quiet, limit time.Duration) (map[string][]feeds.Article, error) {
	nc, err := nats.Connect(natsURL, nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1))
	if err != nil {
		return nil, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit+time.Minute)
	defer cancel()
	var last uint64
	stable := time.Now()
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		s, err := js.Stream(ctx, "NEWS_TAGGED")
		if err != nil {
			continue // not created yet
		}
		if n := s.CachedInfo().State.Msgs; n != last || n == 0 {
			last, stable = n, time.Now()
		} else if time.Since(stable) > quiet {
			break
		}
	}
	cons, err := js.OrderedConsumer(ctx, "NEWS_TAGGED", jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, err
	}
	out := map[string][]feeds.Article{}
	for {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return nil, err
		}
		n := 0
		for m := range batch.Messages() {
			n++
			var a feeds.Article
			if json.Unmarshal(m.Data(), &a) == nil {
				out[m.Subject()] = append(out[m.Subject()], a)
			}
		}
		if n == 0 {
			return out, nil
		}
	}
}
