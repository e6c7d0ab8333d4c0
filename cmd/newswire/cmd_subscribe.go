package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/internal/daemon"
	"github.com/newswire/newswire/pipeline"
)

var topicName = regexp.MustCompile(`^[a-z0-9_-]+$`)

func cmdSubscribe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "subscribe", "[--config FILE | --nats URL] TOPIC... [--any-topic] [--since 1h] [--json] [--all] [--limit N] [--wait D]")
	configPath := fs.String("config", defaultConfigPath(e), "config file (for its NATS address)")
	natsURL := fs.String("nats", "", "NATS URL; overrides the config")
	wait := durationVar(fs, "wait", 0, "how long to wait for the broker to answer (default: fail at once)")
	since := durationVar(fs, "since", 0, "also print articles from this long ago (e.g. 1h)")
	asJSON := fs.Bool("json", false, "print one article JSON per line")
	all := fs.Bool("all", false, "every tagged article, whatever its topics")
	limit := fs.Int("limit", 0, "exit after this many articles (0: run until interrupted)")
	anyTopic := fs.Bool("any-topic", false, "allow topics the rules do not define (another daemon's rules)")
	topics, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(topics) == 0 && !*all {
		fs.Usage()
		return usagef("name at least one topic, or --all")
	}
	subjects := []string{"news.tagged.>"}
	if !*all {
		subjects = subjects[:0]
		for _, t := range topics {
			if !topicName.MatchString(t) {
				return usagef("invalid topic %q: topics are lowercase [a-z0-9_-]+", t)
			}
			subjects = append(subjects, pipeline.TopicSubject(t))
		}
		if !*anyTopic {
			if err := checkTopics(topics, *configPath, flagSet(fs, "config")); err != nil {
				return err
			}
		}
	}
	nc, js, err := dialClient(ctx, e, *configPath, *natsURL, "newswire subscribe", *wait)
	if err != nil {
		return err
	}
	defer nc.Close()
	cc := jetstream.OrderedConsumerConfig{FilterSubjects: subjects, DeliverPolicy: jetstream.DeliverNewPolicy}
	if *since > 0 {
		start := time.Now().Add(-*since)
		cc.DeliverPolicy = jetstream.DeliverByStartTimePolicy
		cc.OptStartTime = &start
	}
	cons, err := js.OrderedConsumer(ctx, pipeline.StreamTagged, cc)
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w (is newswire running?)", pipeline.StreamTagged, err)
	}
	msgs, err := cons.Messages()
	if err != nil {
		return err
	}
	defer msgs.Stop()
	go func() { <-ctx.Done(); msgs.Stop() }()

	seen := newRecentSet(100_000)
	printed := 0
	for {
		msg, err := msgs.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				// Interrupted (Ctrl-C): a clean end, with a count on
				// stderr so that stdout stays the articles alone.
				fmt.Fprintf(e.stderr, "received %d %s\n", printed, plural(printed, "article", "articles"))
				return nil
			}
			return err
		}
		var a feeds.Article
		if err := json.Unmarshal(msg.Data(), &a); err != nil {
			fmt.Fprintf(e.stderr, "skipping unreadable message on %s: %v\n", msg.Subject(), err)
			continue
		}
		// An article matching two requested topics arrives once per topic.
		if !seen.add(a.ID) {
			continue
		}
		if *asJSON {
			fmt.Fprintf(e.stdout, "%s\n", msg.Data())
		} else {
			printArticle(e.stdout, &a)
		}
		printed++
		if *limit > 0 && printed >= *limit {
			return nil
		}
	}
}

// checkTopics refuses topics the rules do not define, as a typo would
// otherwise wait forever for nothing. The rules are the config's (its
// topics_file, else the built-in taxonomy); with no config at the default
// path (subscribe --nats from elsewhere), the built-in taxonomy's.
func checkTopics(topics []string, configPath string, configGiven bool) error {
	rules, err := topicRules(configPath, "")
	if err != nil && !configGiven {
		if _, statErr := os.Stat(configPath); errors.Is(statErr, fs.ErrNotExist) {
			rules, err = compileTopics(configs.DefaultTopics())
		}
	}
	if err != nil {
		return err
	}
	known := rules.Topics()
	for _, t := range topics {
		if !slices.Contains(known, t) {
			msg := fmt.Sprintf("unknown topic %q; known topics: %s", t, strings.Join(known, ", "))
			if s := suggest(t, known); s != "" {
				msg += fmt.Sprintf("\nDid you mean %q?", s)
			}
			return usagef("%s\n(--any-topic subscribes to it anyway)", msg)
		}
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// dialClient connects a client command (subscribe, status, replay) to the
// broker: --nats, else $NEWSWIRE_NATS_URL, else the config's nats section
// (with its credentials) or its embedded listen address. With no broker
// there it fails at once, or after wait (--wait), saying so.
func dialClient(ctx context.Context, e *env, configPath, flagURL, name string, wait time.Duration) (*nats.Conn, jetstream.JetStream, error) {
	url, opts, err := brokerURL(e, configPath, flagURL)
	if err != nil {
		return nil, nil, err
	}
	nc, err := pipeline.Connect(ctx, url, name, wait, zerolog.Nop(), opts...)
	if errors.Is(err, pipeline.ErrNoBroker) {
		return nil, nil, fmt.Errorf("%w — is `newswire run` running? (--wait 30s waits for it)", err)
	}
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}

// brokerURL picks the broker and its connection options, as dialClient says.
func brokerURL(e *env, configPath, flagURL string) (string, []nats.Option, error) {
	if flagURL != "" {
		return flagURL, nil, nil
	}
	if u := e.getenv(configs.EnvNATSURL); u != "" {
		return u, nil, nil
	}
	cfg, err := configs.Load(configPath, e.getenv)
	if err != nil {
		return "", nil, usageError{err}
	}
	url, opts, err := daemon.NATSOptions(cfg.NATS, e.getenv)
	if err != nil {
		return "", nil, usageError{err}
	}
	if url == "" {
		url = "nats://" + cfg.NATS.Embedded.Listen
	}
	return url, opts, nil
}

func printArticle(w io.Writer, a *feeds.Article) {
	when := a.PublishedAt
	if when.IsZero() {
		when = a.FetchedAt
	}
	names := make([]string, len(a.Topics))
	for i, t := range a.Topics {
		names[i] = t.Name
	}
	topics := strings.Join(names, ",")
	if topics == "" {
		topics = "-"
	}
	fmt.Fprintf(w, "%s  %-20s  %-16s  %s  %s\n", when.UTC().Format("2006-01-02 15:04Z"), topics, a.Feed.ID, a.Title, a.URL)
}

// recentSet remembers the last n ids added, so a long-running subscriber
// does not grow without bound.
type recentSet struct {
	ids  map[string]struct{}
	ring []string
	next int
}

func newRecentSet(n int) *recentSet {
	return &recentSet{ids: make(map[string]struct{}, n), ring: make([]string, n)}
}

// add records id and reports whether it was new.
func (s *recentSet) add(id string) bool {
	if _, ok := s.ids[id]; ok {
		return false
	}
	if old := s.ring[s.next]; old != "" {
		delete(s.ids, old)
	}
	s.ring[s.next] = id
	s.next = (s.next + 1) % len(s.ring)
	s.ids[id] = struct{}{}
	return true
}
