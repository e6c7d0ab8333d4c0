package main

import (
	"context"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/worker"
)

func cmdStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "status", "[--config FILE | --nats URL]")
	configPath := fs.String("config", defaultConfigPath(e), "config file (for its NATS address)")
	natsURL := fs.String("nats", "", "NATS URL; overrides the config")
	if rest, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("unexpected arguments %q", rest)
	}
	nc, js, err := dialClient(e, *configPath, *natsURL, "newswire status")
	if err != nil {
		return err
	}
	defer nc.Close()
	kv, err := js.KeyValue(ctx, pipeline.BucketFeeds)
	if err != nil {
		return fmt.Errorf("feed state bucket %s: %w (has newswire run here yet?)", pipeline.BucketFeeds, err)
	}
	states, err := worker.LoadStates(ctx, kv)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(states))
	for id := range states {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FEED\tLAST POLL\tRESULT\tNEXT DUE\tPOLLS\t304s\tPUBLISHED\tERRORS\tLAST ERROR")
	for _, id := range ids {
		st := states[id]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", id, ago(st.LastPoll), st.LastResult,
			until(st.NextDue), st.Polls, st.NotModified, st.Published, st.Errors, st.LastError)
	}
	return tw.Flush()
}

func ago(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return time.Since(t).Round(time.Second).String() + " ago"
}

func until(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := time.Until(t).Round(time.Second)
	if d <= 0 {
		return "now"
	}
	return "in " + d.String()
}
