package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/newswire/newswire/configs"
)

// feedsVerbs are feeds' subcommands, in the order usage lists them.
var feedsVerbs = []string{"list", "add", "remove", "poll", "import", "export"}

func cmdFeeds(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "feeds", "[--config FILE] list | add URL [--id ID] [--title T] [--interval D] | remove ID | poll ID | import FILE.opml | export")
	configPath := fs.String("config", defaultConfigPath(e), "config file to read and edit")
	id := fs.String("id", "", "with add: the feed id ([a-z0-9_-]+); default derived from the URL")
	title := fs.String("title", "", "with add: a display name")
	interval := durationVar(fs, "interval", 0, "with add: this feed's poll interval; default poll.interval")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		fs.Usage()
		return usagef("want list, add, remove, poll, import or export")
	}
	verb, rest := rest[0], rest[1:]
	wantArgs := map[string]int{"list": 0, "export": 0, "add": 1, "remove": 1, "poll": 1, "import": 1}
	n, ok := wantArgs[verb]
	if !ok {
		return unknownCommand("feeds command", verb, feedsVerbs, "newswire feeds --help")
	}
	if len(rest) != n {
		return usagef("feeds %s takes %d argument(s), got %d", verb, n, len(rest))
	}

	switch verb {
	case "add":
		f := configs.Feed{ID: *id, URL: rest[0], Title: *title, Interval: configs.Duration(*interval)}
		if f.ID == "" {
			f.ID = configs.FeedIDFromURL(f.URL)
		}
		if err := configs.AddFeed(*configPath, f); err != nil {
			return usageError{err}
		}
		fmt.Fprintf(e.stdout, "added feed %s %s\n", f.ID, strings.TrimSpace(f.URL))
		return nil
	case "remove":
		if err := configs.RemoveFeed(*configPath, rest[0]); err != nil {
			return usageError{err}
		}
		fmt.Fprintf(e.stdout, "removed feed %s\n", rest[0])
		return nil
	case "import":
		return importOPML(e, *configPath, rest[0])
	case "poll":
		return pollFeed(ctx, e, *configPath, rest[0])
	}

	cfg, err := configs.Load(*configPath, nil) // the feeds lists only: no environment
	if err != nil {
		return usageError{err}
	}
	if verb == "export" {
		return configs.WriteOPML(e.stdout, "newswire feeds", cfg.Feeds)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tINTERVAL\tURL")
	for _, f := range cfg.Feeds {
		iv := "default"
		if f.Interval > 0 {
			iv = f.Interval.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.ID, iv, f.URL)
	}
	return tw.Flush()
}

// importOPML adds every feed of an OPML file that the config does not have
// yet, in one edit of the config. Feeds already present (same URL) and
// feeds that cannot be added are skipped and reported; a feed whose derived
// id is taken gets a suffix.
func importOPML(e *env, configPath, opmlPath string) error {
	fh, err := os.Open(opmlPath)
	if err != nil {
		return usagef("import: %v", err)
	}
	defer fh.Close()
	list, bad, err := configs.ReadOPMLFeeds(fh, opmlPath)
	if err != nil {
		return usageError{err}
	}
	const maxListed = 20
	for i, s := range bad {
		if i == maxListed {
			fmt.Fprintf(e.stderr, "… and %d more outlines skipped\n", len(bad)-maxListed)
			break
		}
		fmt.Fprintf(e.stderr, "skipped outline %d (%s): %s\n", s.N, cmp.Or(s.Text, "untitled"), s.Reason)
	}
	if len(list) == 0 {
		// Nothing usable: a failure, not an import of nothing.
		return fmt.Errorf("import: no feed to import in %s (%d outlines skipped)", opmlPath, len(bad))
	}
	// Let AddFeeds derive the ids, so that the ones it has to suffix (taken
	// in the config or by an earlier outline) are reported.
	for i := range list {
		list[i].ID = ""
	}
	prog := newProgress(e.stderr, "imported %d/%d feeds")
	res, err := configs.AddFeeds(configPath, list, prog.update)
	prog.clear()
	if err != nil {
		return usageError{fmt.Errorf("import: %w", err)}
	}
	for i, s := range res.Skipped {
		if i == maxListed {
			fmt.Fprintf(e.stderr, "… and %d more skipped\n", len(res.Skipped)-maxListed)
			break
		}
		fmt.Fprintf(e.stderr, "skipped %s: %s\n", s.Feed.URL, s.Reason)
	}
	for i, r := range res.Renamed {
		if i == maxListed {
			fmt.Fprintf(e.stderr, "… and %d more given a suffixed id\n", len(res.Renamed)-maxListed)
			break
		}
		fmt.Fprintf(e.stderr, "added %s as %s: id %s is taken\n", r.Feed.URL, r.Feed.ID, r.Taken)
	}
	fmt.Fprintf(e.stderr, "imported %d of %d feeds (%d skipped)\n", len(res.Added), len(list)+len(bad), len(res.Skipped)+len(bad))
	return nil
}
