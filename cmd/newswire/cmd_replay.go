package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/feeds"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/pipeline/tag"
)

func cmdReplay(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "replay", "--since 24h [--topics FILE] [--config FILE | --nats URL] [--dry-run]")
	since := durationVar(fs, "since", 24*time.Hour, "re-tag the stories stored on NEWS_TAGGED since this long ago")
	topicsPath := fs.String("topics", "", "topic rules file (default: the config's topics_file, else the built-in taxonomy)")
	configPath := fs.String("config", defaultConfigPath(e), "config file (for its topics_file and NATS address)")
	natsURL := fs.String("nats", "", "NATS server URL (default: the config's nats.url, else its embedded server's address)")
	wait := durationVar(fs, "wait", 0, "how long to wait for the broker to answer (default: fail at once)")
	dryRun := fs.Bool("dry-run", false, "compare and count, publish nothing")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	if *since <= 0 {
		return usagef("--since must be positive, got %s", *since)
	}
	rules, err := topicRules(*configPath, *topicsPath)
	if err != nil {
		return err
	}
	nc, js, err := dialClient(ctx, e, *configPath, *natsURL, "newswire replay", *wait)
	if err != nil {
		return err
	}
	defer nc.Close()
	r := &replayer{js: js, rules: rules, dryRun: *dryRun, progress: e.stderr}
	st, err := r.run(ctx, time.Now().Add(-*since))
	if err != nil {
		return err
	}
	verb := "republished"
	if *dryRun {
		verb = "would republish"
	}
	fmt.Fprintf(e.stdout, "replay: %d articles since %s, %d unchanged, %d changed: %s %d (rules version %s)\n",
		st.read, time.Now().Add(-*since).UTC().Format(time.RFC3339), st.unchanged, st.changed, verb, st.changed, rules.Version())
	return nil
}

// replayer re-tags stored articles and republishes those whose topics
// changed.
type replayer struct {
	js       jetstream.JetStream
	rules    *tag.Rules
	dryRun   bool
	progress io.Writer
}

type replayStats struct{ read, unchanged, changed int }

// run re-tags the stories on news.tagged.> since from. A story may be
// there more than once (an earlier replay republished it): the latest
// message of each is what subscribers have, so a first pass finds it and
// a second re-tags it and compares.
func (r *replayer) run(ctx context.Context, from time.Time) (replayStats, error) {
	var st replayStats
	latest := map[string]uint64{} // article id (and revision) → sequence of its latest message
	err := readSince(ctx, r.js, pipeline.StreamTagged, "news.tagged.>", from, func(m jetstream.Msg) error {
		a, err := pipeline.DecodeArticle(m.Data())
		if err != nil {
			return nil // not a story
		}
		meta, err := m.Metadata()
		if err != nil {
			return err
		}
		latest[pipeline.VersionMsgID(a.ID, a.Revision)] = meta.Sequence.Stream
		return nil
	})
	if err != nil {
		return st, err
	}
	version := r.rules.Version()
	last := time.Now()
	err = readSince(ctx, r.js, pipeline.StreamTagged, "news.tagged.>", from, func(m jetstream.Msg) error {
		a, err := pipeline.DecodeArticle(m.Data())
		if err != nil {
			return nil
		}
		if meta, err := m.Metadata(); err != nil || latest[pipeline.VersionMsgID(a.ID, a.Revision)] != meta.Sequence.Stream {
			return err // an older copy, or one stored after the first pass
		}
		st.read++
		if time.Since(last) > 200*time.Millisecond {
			fmt.Fprintf(r.progress, "\rreplay: %d articles read, %d changed", st.read, st.changed)
			last = time.Now()
		}
		before := topicNames(a.Topics)
		a.Topics = r.rules.Match(tag.Document{Title: a.Title, Summary: a.Summary, Language: a.Language})
		a.RulesVersion = version
		if topicNames(a.Topics) == before {
			st.unchanged++
			return nil
		}
		st.changed++
		if r.dryRun {
			return nil
		}
		return r.publish(ctx, a)
	})
	fmt.Fprintf(r.progress, "\rreplay: %d articles read, %d changed\n", st.read, st.changed)
	return st, err
}

// publish sends a re-tagged article as the tag stage would, with message
// ids of its own: the stage's ids (<id>, <id>:<topic>) are in the
// duplicate window or were, and a replay under the same rules version
// must publish nothing new.
func (r *replayer) publish(ctx context.Context, a *feeds.Article) error {
	header := nats.Header{}
	header.Set(pipeline.HeaderReplay, "true")
	msgs, err := tag.Messages(a, ":r"+a.RulesVersion, header)
	if err != nil {
		return err
	}
	return pipeline.PublishAll(ctx, r.js, msgs)
}

func topicNames(ts []feeds.TopicMatch) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	slices.Sort(names)
	return strings.Join(names, ",")
}

// readSince calls fn with every message of stream on subject stored at or
// after from, in order, and returns when it has seen the last one that
// was there when it started.
func readSince(ctx context.Context, js jetstream.JetStream, stream, subject string, from time.Time, fn func(jetstream.Msg) error) error {
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subject},
		DeliverPolicy:  jetstream.DeliverByStartTimePolicy,
		OptStartTime:   &from,
	})
	if err != nil {
		return fmt.Errorf("replay: read %s: %w", stream, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return fmt.Errorf("replay: read %s: %w", stream, err)
	}
	pending := info.NumPending
	for pending > 0 {
		// Ask for no more than is pending: a Fetch for more waits out its
		// whole MaxWait for messages that will not come.
		batch, err := cons.Fetch(int(min(pending, 256)), jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return fmt.Errorf("replay: read %s: %w", stream, err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			if err := fn(m); err != nil {
				return err
			}
			meta, err := m.Metadata()
			if err != nil {
				return fmt.Errorf("replay: read %s: %w", stream, err)
			}
			pending = meta.NumPending
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) {
			return fmt.Errorf("replay: read %s: %w", stream, err)
		}
		if n == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			return fmt.Errorf("replay: read %s: %d messages pending but none delivered", stream, pending)
		}
	}
	return nil
}
