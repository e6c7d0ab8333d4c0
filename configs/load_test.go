package configs

import (
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func abs(t *testing.T, path string) string {
	t.Helper()
	p, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadGood(t *testing.T) {
	got, err := Load("testdata/good.yaml", nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := &Config{
		NATS: NATS{Replicas: 1, Embedded: Embedded{Listen: "127.0.0.1:14222", StoreDir: abs(t, "testdata/store")}},
		HTTP: HTTP{Listen: ":18080", PerFeedMetrics: true},
		Poll: Poll{
			Interval:     Duration(2 * time.Minute),
			Timeout:      Duration(15 * time.Second),
			MaxBody:      512 << 10,
			AllowPrivate: true,
			UserAgent:    "test-agent/1.0",
			AllowHosts:   []string{"feeds.internal.example", "10.0.0.0/8"},
			MinInterval:  Duration(time.Minute),
			MaxInterval:  Duration(3 * time.Hour),
			Concurrency:  64,
			PerHost:      3,
			HostSpacing:  Duration(time.Second),
		},
		Dedupe:     Dedupe{TTL: Duration(48 * time.Hour), Window: Duration(72 * time.Hour), Near: true, Updates: true, MaxStories: 1_000_000},
		TopicsFile: abs(t, "testdata/topics.good.yaml"),
		Feeds: []Feed{
			{ID: "bbc-world", URL: "https://feeds.bbci.co.uk/news/world/rss.xml", Title: "BBC News – World", Interval: Duration(10 * time.Minute)},
			{ID: "aljazeera-com-xml-rss-all-xml", URL: "https://www.aljazeera.com/xml/rss/all.xml"},
		},
		Path: abs(t, "testdata/good.yaml"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestLoadAppliesDefaults(t *testing.T) {
	got, err := Load("testdata/minimal.yaml", nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Default()
	want.Path = abs(t, "testdata/minimal.yaml")
	want.NATS.Embedded.StoreDir = abs(t, "testdata/data/nats")
	want.Feeds = []Feed{{ID: "feeds-npr-org-1004-rss-xml", URL: "https://feeds.npr.org/1004/rss.xml"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestDefault(t *testing.T) {
	d := Default()
	for _, c := range []struct{ name, got, want string }{
		{"nats.embedded.listen", d.NATS.Embedded.Listen, "127.0.0.1:4222"},
		{"nats.embedded.store_dir", d.NATS.Embedded.StoreDir, "data/nats"},
		{"http.listen", d.HTTP.Listen, "127.0.0.1:8080"},
		{"poll.interval", d.Poll.Interval.String(), "5m"},
		{"poll.timeout", d.Poll.Timeout.String(), "20s"},
		{"poll.max_body", d.Poll.MaxBody.String(), "10MiB"},
		{"poll.user_agent", d.Poll.UserAgent, "newswire/0.1 (+https://github.com/newswire/newswire)"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}

// The shipped config must load from a fresh clone, and keep the shape
// DESIGN.md promises.
func TestLoadShippedConfig(t *testing.T) {
	cfg, err := Load("newswire.yaml", nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := cfg.NATS.URL, ""; got != want {
		t.Errorf("nats.url: got %q, want %q", got, want)
	}
	if got, want := cfg.NATS.Embedded.StoreDir, abs(t, "../data/nats"); got != want {
		t.Errorf("store_dir: got %q, want %q", got, want)
	}
	if got, want := cfg.TopicsFile, abs(t, "topics.yaml"); got != want {
		t.Errorf("topics_file: got %q, want %q", got, want)
	}
	if got, want := cfg.HTTP.Listen, "127.0.0.1:8080"; got != want {
		t.Errorf("http.listen: got %q, want %q", got, want)
	}
	if got := len(cfg.Feeds); got < 10 {
		t.Errorf("got %d feeds, want at least 10", got)
	}
	for _, f := range cfg.Feeds {
		if !strings.HasPrefix(f.URL, "https://") {
			t.Errorf("feed %s: got URL %q, want https", f.ID, f.URL)
		}
	}
}

func TestLoadFeedsFile(t *testing.T) {
	tests := []struct {
		file    string
		wantIDs []string
	}{
		{"testdata/feeds_file.yaml", []string{"inline", "listed", "example-org-news-cat-world"}},
		{"testdata/feeds_mapping.yaml", []string{"mapped"}},
		{"testdata/feeds_opml.yaml", []string{"inline", "example-com-a-xml", "example-com-b-xml"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			cfg, err := Load(tt.file, nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			var got []string
			for _, f := range cfg.Feeds {
				got = append(got, f.ID)
			}
			if !reflect.DeepEqual(got, tt.wantIDs) {
				t.Errorf("got ids %q, want %q", got, tt.wantIDs)
			}
			if !filepath.IsAbs(cfg.FeedsFile) {
				t.Errorf("got feeds_file %q, want an absolute path", cfg.FeedsFile)
			}
		})
	}
}

// configErrors maps each bad config fixture to the exact error Load returns.
var configErrors = map[string]string{
	"unknown_key.bad.yaml":       `testdata/unknown_key.bad.yaml:4: nats.embeded: unknown key`,
	"unknown_top_key.bad.yaml":   `testdata/unknown_top_key.bad.yaml:3: feed: unknown key`,
	"bad_duration.bad.yaml":      `testdata/bad_duration.bad.yaml:2: poll.interval: invalid duration "5 minutes": want a duration such as 90s, 15m, 1h30m, 7d, 1d12h or 2w`,
	"zero_interval.bad.yaml":     `testdata/zero_interval.bad.yaml:2: poll.interval: must be positive, got "0s"`,
	"negative_interval.bad.yaml": `testdata/negative_interval.bad.yaml:2: poll.interval: must be positive, got "-5m"`,
	"short_interval.bad.yaml":    `testdata/short_interval.bad.yaml:2: poll.interval: must be at least 1s, got "500ms"`,
	"bad_max_body.bad.yaml":      `testdata/bad_max_body.bad.yaml:2: poll.max_body: invalid size "10 MB/s"`,
	"bad_max_stories.bad.yaml": "testdata/bad_max_stories.bad.yaml:2: dedupe.max_stories: must not be negative, got -5\n" +
		"testdata/bad_max_stories.bad.yaml:3: dedupe.strictness: must be between -0.5 and 0.5, got 0.9",
	"bad_sync_interval.bad.yaml": `testdata/bad_sync_interval.bad.yaml:3: nats.embedded.sync_interval: invalid sync interval "sometimes": want a duration such as 10s or the word always`,
	"nats_auth.bad.yaml": "testdata/nats_auth.bad.yaml:3: nats.replicas: want 1, 3 or 5 (at most the cluster's size), got 7\n" +
		"testdata/nats_auth.bad.yaml:4: nats.user: user and password go together\n" +
		"testdata/nats_auth.bad.yaml:5: nats.creds: cannot read \"no-such.creds\": no such file or directory",
	"zero_max_body.bad.yaml": `testdata/zero_max_body.bad.yaml:2: poll.max_body: must be positive, got "0B"`,
	"interval_range.bad.yaml": "testdata/interval_range.bad.yaml:3: poll.max_interval: must not be less than poll.min_interval (10m), got \"5m\"\n" +
		"testdata/interval_range.bad.yaml:4: poll.per_host: must be positive, got 0",
	"dup_feed_id.bad.yaml":    `testdata/dup_feed_id.bad.yaml:4: feeds[1].id: duplicate feed id "bbc" (first at line 2)`,
	"dup_feed_url.bad.yaml":   `testdata/dup_feed_url.bad.yaml:5: feeds[1].url: duplicate feed URL "https://feeds.bbci.co.uk/news/world/rss.xml" (first at line 3)`,
	"dup_derived_id.bad.yaml": `testdata/dup_derived_id.bad.yaml:3: feeds[1].id: duplicate feed id "example-com-rss" derived from the URL (first at line 2); set an id`,
	"bad_feed_id.bad.yaml":    `testdata/bad_feed_id.bad.yaml:2: feeds[0].id: invalid feed id "BBC World": want 1-64 characters of a-z, 0-9, _ and -`,
	"non_http_url.bad.yaml": `testdata/non_http_url.bad.yaml:3: feeds[0].url: invalid feed URL "ftp://example.com/rss.xml": want an absolute http or https URL
testdata/non_http_url.bad.yaml:4: feeds[1].url: required`,
	"topics_file_missing.bad.yaml": `testdata/topics_file_missing.bad.yaml:2: topics_file: cannot read "no-such-topics.yaml": no such file or directory`,
	"bad_listen.bad.yaml": `testdata/bad_listen.bad.yaml:3: nats.embedded.listen: invalid listen address "4222": want host:port
testdata/bad_listen.bad.yaml:5: http.listen: invalid listen address "localhost:http-alt": want host:port`,
	"bad_nats_url.bad.yaml": `testdata/bad_nats_url.bad.yaml:2: nats.url: invalid NATS URL "nats://a:4222,http://b:4222": want nats://, tls://, ws:// or wss:// URLs, separated by commas`,
	"syntax.bad.yaml":       `testdata/syntax.bad.yaml:2: did not find expected key`,
	"wrong_shape.bad.yaml": `testdata/wrong_shape.bad.yaml:1: nats: want a mapping, got "nats://localhost:4222"
testdata/wrong_shape.bad.yaml:3: feeds: want a list, got a mapping`,
	"many.bad.yaml": `testdata/many.bad.yaml:3: nats.url: invalid NATS URL "http://localhost:4222": want nats://, tls://, ws:// or wss:// URLs, separated by commas
testdata/many.bad.yaml:5: poll.interval: invalid duration "5 minutes": want a duration such as 90s, 15m, 1h30m, 7d, 1d12h or 2w
testdata/many.bad.yaml:6: poll.timeout: must be positive, got "0s"
testdata/many.bad.yaml:7: poll.colour: unknown key
testdata/many.bad.yaml:11: feeds[1].id: duplicate feed id "a" (first at line 9)`,
	"feeds_file_bad.bad.yaml": `testdata/feeds.bad.list.yaml:2: feeds[0].id: duplicate feed id "dup" (first at testdata/feeds_file_bad.bad.yaml:3)
testdata/feeds.bad.list.yaml:4: feeds[1].url: duplicate feed URL "https://example.com/one.xml" (first at testdata/feeds_file_bad.bad.yaml:4)
testdata/feeds.bad.list.yaml:5: feeds[1].titel: unknown key`,
	"feeds_file_missing.bad.yaml": `testdata/feeds_file_missing.bad.yaml:1: feeds_file: cannot read "nowhere.yaml": no such file or directory`,
	"opml_bad.bad.yaml": `testdata/bad.opml:5: outline 2: invalid feed URL "gopher://example.com/feed": want an absolute http or https URL
testdata/bad.opml:6: outline 3: type "rss" outline without xmlUrl`,
}

func TestLoadBad(t *testing.T) {
	for file, want := range configErrors {
		t.Run(file, func(t *testing.T) {
			cfg, err := Load("testdata/"+file, nil)
			if err == nil {
				t.Fatalf("got no error, want %q", want)
			}
			if got := err.Error(); got != want {
				t.Errorf("got error\n%s\nwant\n%s", got, want)
			}
			if cfg != nil {
				t.Errorf("got a config with the error, want nil")
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("got %T, want a non-empty ErrorList", err)
			}
			if list[0].File == "" || list[0].Line == 0 {
				t.Errorf("got first error %+v, want a file and a line", list[0])
			}
		})
	}
}

// Every bad fixture must be asserted by a test, or it tests nothing.
func TestBadFixturesAreAsserted(t *testing.T) {
	files, err := filepath.Glob("testdata/*.bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		_, inConfig := configErrors[name]
		_, inTopics := topicErrors[name]
		if !inConfig && !inTopics {
			t.Errorf("%s has no expected error", f)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml", nil)
	if got, want := err.Error(), "testdata/does-not-exist.yaml: cannot read: no such file or directory"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("got errors.Is(err, fs.ErrNotExist) false, want true")
	}
}

func TestApplyEnv(t *testing.T) {
	tests := []struct {
		name, env, file, want string
	}{
		{"unset keeps the file's", "", "nats://file:4222", "nats://file:4222"},
		{"set overrides", "nats://env:4222", "nats://file:4222", "nats://env:4222"},
		{"set overrides embedded", "tls://a:4222,tls://b:4222", "", "tls://a:4222,tls://b:4222"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Default()
			cfg.NATS.URL = tt.file
			var asked []string
			applyEnv(cfg, func(k string) string {
				asked = append(asked, k)
				return tt.env
			})
			if got := cfg.NATS.URL; got != tt.want {
				t.Errorf("got nats.url %q, want %q", got, tt.want)
			}
			if want := []string{"NEWSWIRE_NATS_URL"}; !reflect.DeepEqual(asked, want) {
				t.Errorf("got lookups %q, want %q", asked, want)
			}
		})
	}
}

func TestLoadAppliesEnv(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvNATSURL {
				return v
			}
			return ""
		}
	}
	cfg, err := Load("testdata/minimal.yaml", env("nats://cluster:4222"))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if got, want := cfg.NATS.URL, "nats://cluster:4222"; got != want {
		t.Errorf("got nats.url %q, want %q", got, want)
	}
	_, err = Load("testdata/minimal.yaml", env("localhost:4222"))
	want := `$NEWSWIRE_NATS_URL: invalid NATS URL "localhost:4222": want nats://, tls://, ws:// or wss:// URLs, separated by commas`
	if err == nil || err.Error() != want {
		t.Errorf("got error %v, want %q", err, want)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{File: "x.yaml", Line: 7, Key: "poll.interval", Msg: `invalid duration "5 minutes"`}, `x.yaml:7: poll.interval: invalid duration "5 minutes"`},
		{Error{File: "x.yaml", Key: "topics", Msg: "no topics defined"}, "x.yaml: topics: no topics defined"},
		{Error{File: "x.yaml", Line: 3, Msg: "did not find expected key"}, "x.yaml:3: did not find expected key"},
		{Error{Key: "$NEWSWIRE_NATS_URL", Msg: "bad"}, "$NEWSWIRE_NATS_URL: bad"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	cfg := Default()
	cfg.Feeds = []Feed{{URL: "https://example.com/rss"}, {ID: "x", URL: "mailto:a@b"}}
	err := cfg.Validate()
	want := `config: feeds[1].url: invalid feed URL "mailto:a@b": want an absolute http or https URL`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	if got, want := cfg.Feeds[0].ID, "example-com-rss"; got != want {
		t.Errorf("got derived id %q, want %q", got, want)
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate(): got %v, want nil", err)
	}
}
