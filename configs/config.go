package configs

import "time"

// Config is the whole daemon configuration as read from newswire.yaml, with
// defaults applied and relative paths resolved against the file's folder.
// Only cmd/newswire sees all of it; it hands each component its part.
type Config struct {
	NATS       NATS   `yaml:"nats"`
	HTTP       HTTP   `yaml:"http"`
	Poll       Poll   `yaml:"poll"`
	Dedupe     Dedupe `yaml:"dedupe"`
	TopicsFile string `yaml:"topics_file"` // absolute after Load; empty: built-in taxonomy
	FeedsFile  string `yaml:"feeds_file"`  // absolute after Load; YAML list or .opml
	Feeds      []Feed `yaml:"feeds"`       // inline feeds followed by those of FeedsFile

	// Path is the file the config was loaded from (absolute), empty for Default().
	Path string `yaml:"-"`
}

// NATS says which broker to use.
type NATS struct {
	URL      string   `yaml:"url"`      // empty: start the embedded server
	Replicas int      `yaml:"replicas"` // stream and bucket replicas on a cluster: 1 (default), 3 or 5
	Embedded Embedded `yaml:"embedded"`

	// Credentials for an external server, as NATS users configure them.
	// File paths are relative to the config file.
	Context  string  `yaml:"context"`  // a `nats context` name: its url and credentials fill what is unset here
	Creds    string  `yaml:"creds"`    // a credentials (.creds) file: JWT and NKey seed
	NKey     string  `yaml:"nkey"`     // an NKey seed file
	User     string  `yaml:"user"`     // user name, with password
	Password string  `yaml:"password"` //
	Token    string  `yaml:"token"`    // an authentication token
	TLS      NATSTLS `yaml:"tls"`
}

// NATSTLS configures TLS to an external server. File paths are relative to
// the config file.
type NATSTLS struct {
	CA   string `yaml:"ca"`   // CA certificate file to verify the server
	Cert string `yaml:"cert"` // client certificate file (with key)
	Key  string `yaml:"key"`  // client key file
}

// Embedded configures the in-process nats-server.
type Embedded struct {
	Listen   string `yaml:"listen"`    // host:port, default 127.0.0.1:4222
	StoreDir string `yaml:"store_dir"` // JetStream store; relative to the config file

	// SyncInterval is how often the store is fsynced: a power loss can lose
	// what was stored since. Zero: nats-server's default, 2 minutes.
	SyncInterval SyncInterval `yaml:"sync_interval"`
}

// HTTP configures the metrics and health listener.
type HTTP struct {
	Listen string `yaml:"listen"` // default 127.0.0.1:8080
	// PerFeedMetrics exports the per-feed series (newswire_feed_*,
	// newswire_dedupe_articles_total{feed}); default true. With very long
	// feed lists (five series a feed) turn it off: the aggregates stay.
	PerFeedMetrics bool `yaml:"per_feed_metrics"`
}

// Poll configures the poller.
type Poll struct {
	Interval     Duration `yaml:"interval"`      // default 5m
	Timeout      Duration `yaml:"timeout"`       // default 20s
	MaxBody      ByteSize `yaml:"max_body"`      // default 10MiB, counted after decompression
	AllowPrivate bool     `yaml:"allow_private"` // fetch from loopback/private addresses
	UserAgent    string   `yaml:"user_agent"`    // default "newswire/<version> (+https://github.com/newswire/newswire)"

	// AllowHosts lists hosts (names, IPs or CIDR prefixes) that may be
	// fetched even though they resolve to private addresses.
	AllowHosts  []string `yaml:"allow_hosts"`
	MinInterval Duration `yaml:"min_interval"` // adaptive interval floor, default 2m
	MaxInterval Duration `yaml:"max_interval"` // adaptive interval ceiling (and backoff cap), default 2h
	Concurrency int      `yaml:"concurrency"`  // fetches in progress at once, default 64
	PerHost     int      `yaml:"per_host"`     // fetches in progress per host, default 2
	HostSpacing Duration `yaml:"host_spacing"` // minimum time between fetch starts on one host, default 1s
}

// Dedupe configures the story stage's judgement of copies.
type Dedupe struct {
	// TTL is retired: exact keys are remembered as long as near-duplicates
	// (Window). A file that still sets it loads, and the daemon says so.
	TTL     Duration `yaml:"ttl"`
	Window  Duration `yaml:"window"`  // how long stories are remembered (exact keys and near-duplicates), default 72h
	Near    bool     `yaml:"near"`    // recognise near-duplicates (MinHash), default true
	Updates bool     `yaml:"updates"` // publish changed versions of a known item as updates, default true
	// MaxStories caps the stories remembered (see docs/dedupe.md for the
	// memory per story); past it the oldest are forgotten early.
	// Default 1,000,000; 0 in the file means no cap but the window.
	MaxStories int `yaml:"max_stories"`
	// Strictness moves the near-duplicate rule between precision and
	// recall: every similarity threshold is raised by it (lowered when
	// negative); default 0, the measured defaults. See docs/dedupe.md.
	Strictness float64 `yaml:"strictness"`
}

// Feed is one configured feed.
type Feed struct {
	ID       string   `yaml:"id"`       // [a-z0-9_-]+; derived from the URL when omitted
	URL      string   `yaml:"url"`      // http or https
	Title    string   `yaml:"title"`    // optional display name
	Interval Duration `yaml:"interval"` // zero: poll.interval
}

// Duration is a time.Duration written as a Go duration string ("5m", "1h30m").
type Duration time.Duration

// ByteSize is a size in bytes written as an integer or with a unit
// ("10MiB", "512KiB", "1MB").
type ByteSize int64
