package configs

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// copyFixtures copies testdata files into a temp dir and returns its path.
func copyFixtures(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func feedIDs(t *testing.T, path string) []string {
	t.Helper()
	cfg, err := Load(path, nil)
	if err != nil {
		t.Fatalf("Load after edit: %v", err)
	}
	var ids []string
	for _, f := range cfg.Feeds {
		ids = append(ids, f.ID)
	}
	return ids
}

func readString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestAddRemoveFeed(t *testing.T) {
	dir := copyFixtures(t, "good.yaml", "topics.good.yaml")
	path := filepath.Join(dir, "good.yaml")

	if err := AddFeed(path, Feed{URL: "https://feeds.npr.org/1004/rss.xml", Title: "NPR", Interval: Duration(15 * 60e9)}); err != nil {
		t.Fatalf("AddFeed: %v", err)
	}
	if got, want := feedIDs(t, path), []string{"bbc-world", "aljazeera-com-xml-rss-all-xml", "feeds-npr-org-1004-rss-xml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after add: got ids %q, want %q", got, want)
	}
	text := readString(t, path)
	for _, want := range []string{
		"# A config that sets every key.",
		"# embedded",
		"# relative to this file",
		"# a feed with everything set",
		"  - id: feeds-npr-org-1004-rss-xml\n    url: https://feeds.npr.org/1004/rss.xml\n    title: NPR\n    interval: 15m\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("after add: file lacks %q:\n%s", want, text)
		}
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o640 {
		t.Errorf("after add: got mode %v, %v; want 0640 kept", st.Mode().Perm(), err)
	}

	if err := RemoveFeed(path, "bbc-world"); err != nil {
		t.Fatalf("RemoveFeed: %v", err)
	}
	if got, want := feedIDs(t, path), []string{"aljazeera-com-xml-rss-all-xml", "feeds-npr-org-1004-rss-xml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after remove: got ids %q, want %q", got, want)
	}
	text = readString(t, path)
	if strings.Contains(text, "bbc") {
		t.Errorf("after remove: file still mentions bbc:\n%s", text)
	}
	if !strings.Contains(text, "# the id of this one is derived from its URL") {
		t.Errorf("after remove: lost the next feed's comment:\n%s", text)
	}
	// Removing a feed whose id was derived finds it by position.
	if err := RemoveFeed(path, "aljazeera-com-xml-rss-all-xml"); err != nil {
		t.Fatalf("RemoveFeed derived: %v", err)
	}
	if got, want := feedIDs(t, path), []string{"feeds-npr-org-1004-rss-xml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after second remove: got ids %q, want %q", got, want)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("got %d files in the folder, want 2 (no temp files left)", len(entries))
	}
}

func TestAddFeedErrors(t *testing.T) {
	dir := copyFixtures(t, "good.yaml", "topics.good.yaml", "many.bad.yaml")
	path := filepath.Join(dir, "good.yaml")
	before := readString(t, path)
	tests := []struct {
		name string
		feed Feed
		want string
	}{
		{"duplicate id", Feed{ID: "bbc-world", URL: "https://example.com/x.xml"},
			`feed id "bbc-world" already exists (` + path + `:24)`},
		{"duplicate derived id", Feed{URL: "http://www.aljazeera.com/xml/rss/all.xml"},
			`feed id "aljazeera-com-xml-rss-all-xml" already exists (` + path + `:29)`},
		{"duplicate url", Feed{ID: "bbc2", URL: "https://feeds.bbci.co.uk/news/world/rss.xml"},
			`feed URL "https://feeds.bbci.co.uk/news/world/rss.xml" already exists as "bbc-world" (` + path + `:24)`},
		{"bad url", Feed{URL: "feeds.bbci.co.uk/news"},
			`invalid feed URL "feeds.bbci.co.uk/news": want an absolute http or https URL`},
		{"bad id", Feed{ID: "Bad", URL: "https://example.com/x.xml"},
			`invalid feed id "Bad": want 1-64 characters of a-z, 0-9, _ and -`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := AddFeed(path, tt.feed)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got error %v, want %q", err, tt.want)
			}
		})
	}
	if after := readString(t, path); after != before {
		t.Errorf("a failed add changed the file:\n%s", after)
	}
	// A config that does not load is not edited; its errors are returned.
	err := AddFeed(filepath.Join(dir, "many.bad.yaml"), Feed{URL: "https://example.com/x.xml"})
	if err == nil || !strings.Contains(err.Error(), "many.bad.yaml:7: poll.colour: unknown key") {
		t.Errorf("got error %v, want the config's own errors", err)
	}
}

func TestRemoveFeedErrors(t *testing.T) {
	dir := copyFixtures(t, "feeds_opml.yaml", "feeds.opml")
	path := filepath.Join(dir, "feeds_opml.yaml")
	tests := []struct {
		id, want string
	}{
		{"nope", `no feed with id "nope" in ` + path},
		{"example-com-a-xml", `cannot remove feed "example-com-a-xml": it comes from the OPML file ` +
			filepath.Join(dir, "feeds.opml") + `, which newswire does not write: edit the OPML file or import it`},
	}
	for _, tt := range tests {
		err := RemoveFeed(path, tt.id)
		if err == nil || err.Error() != tt.want {
			t.Errorf("RemoveFeed(%q): got error %v, want %q", tt.id, err, tt.want)
		}
	}
	// With an OPML feeds_file, new feeds go inline and inline ones can go.
	if err := AddFeed(path, Feed{ID: "added", URL: "https://example.com/added.xml"}); err != nil {
		t.Fatalf("AddFeed: %v", err)
	}
	if err := RemoveFeed(path, "inline"); err != nil {
		t.Fatalf("RemoveFeed: %v", err)
	}
	if got, want := feedIDs(t, path), []string{"added", "example-com-a-xml", "example-com-b-xml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got ids %q, want %q", got, want)
	}
}

func TestEditYAMLFeedsFile(t *testing.T) {
	for _, tt := range []struct{ config, list string }{
		{"feeds_file.yaml", "feeds.list.yaml"},
		{"feeds_mapping.yaml", "feeds.mapping.yaml"},
	} {
		t.Run(tt.list, func(t *testing.T) {
			dir := copyFixtures(t, tt.config, tt.list)
			path := filepath.Join(dir, tt.config)
			configBefore := readString(t, path)
			before := feedIDs(t, path)

			if err := AddFeed(path, Feed{ID: "added", URL: "https://example.com/added.xml"}); err != nil {
				t.Fatalf("AddFeed: %v", err)
			}
			if readString(t, path) != configBefore {
				t.Errorf("AddFeed edited the config, want only %s edited", tt.list)
			}
			list := readString(t, filepath.Join(dir, tt.list))
			if !strings.Contains(list, "id: added") || !strings.Contains(list, "# A ") {
				t.Errorf("got feeds file\n%s\nwant the new feed and the old comment", list)
			}
			if got, want := feedIDs(t, path), append(before, "added"); !reflect.DeepEqual(got, want) {
				t.Errorf("after add: got ids %q, want %q", got, want)
			}
			if err := RemoveFeed(path, "added"); err != nil {
				t.Fatalf("RemoveFeed: %v", err)
			}
			if got := feedIDs(t, path); !reflect.DeepEqual(got, before) {
				t.Errorf("after remove: got ids %q, want %q", got, before)
			}
		})
	}
}

func TestAddFeedToBareConfig(t *testing.T) {
	for name, content := range map[string]string{
		"empty":      "",
		"no feeds":   "# just a comment\npoll:\n  interval: 1m\n",
		"flow list":  "feeds: []\n",
		"null feeds": "feeds:\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "newswire.yaml")
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := AddFeed(path, Feed{URL: "https://example.com/rss"}); err != nil {
				t.Fatalf("AddFeed: %v", err)
			}
			text := readString(t, path)
			if !strings.Contains(text, "feeds:\n  - id: example-com-rss\n    url: https://example.com/rss\n") {
				t.Errorf("got\n%s\nwant a block feeds list with the feed", text)
			}
			if got, want := feedIDs(t, path), []string{"example-com-rss"}; !reflect.DeepEqual(got, want) {
				t.Errorf("got ids %q, want %q", got, want)
			}
		})
	}
}
