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

// Dedupe configures the dedupe stage.
type Dedupe struct {
	TTL     Duration `yaml:"ttl"`     // how long exact keys are remembered, default 720h (30 days)
	Window  Duration `yaml:"window"`  // how long near-duplicates are looked for, default 72h
	Near    bool     `yaml:"near"`    // recognise near-duplicates (MinHash), default true
	Updates bool     `yaml:"updates"` // publish changed versions of a known item as updates, default true
	// MaxStories caps the near-duplicate window's memory (about 850 B per
	// story); past it the oldest sixth of the window is forgotten early.
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

// Topics is a topic rules file (topics.yaml).
type Topics struct {
	Defaults TopicDefaults `yaml:"defaults"`
	Topics   []Topic       `yaml:"topics"`

	// Source names where the rules came from: a file path or "built-in".
	Source string `yaml:"-"`
	// lines locates every key of the file, for errors found after loading
	// (tag.Compile reports through Line).
	lines lines
}

// TopicDefaults apply to every topic that does not set its own.
type TopicDefaults struct {
	MinScore      float64 `yaml:"min_score"`      // default 2
	TitleBoost    float64 `yaml:"title_boost"`    // default 2: a title hit counts this many times
	ExcludeWindow int     `yaml:"exclude_window"` // default 3 words either side of a hit
	RequireWindow int     `yaml:"require_window"` // default 8 words either side of a weak hit
	// PassingWeight scales a hit that is only mentioned in passing: past
	// the first sentence of the summary, in the content, or just after a
	// background phrase. Default 1 (no difference).
	PassingWeight float64 `yaml:"passing_weight"`
	// BackgroundWindow is how many words after a background phrase a hit
	// is read as background. Default 4.
	BackgroundWindow int `yaml:"background_window"`
}

// Topic is one topic's rules. A phrase matches whole words, case-insensitively;
// a strong phrase scores 2, a weak one 1, a near pair 2; an exclude phrase
// within ExcludeWindow words of a hit vetoes that hit; when the topic has
// require phrases, a weak hit counts only with one of them within
// RequireWindow words; a none_of phrase anywhere vetoes the topic. The topic
// matches when its score reaches MinScore.
//
// The lists at the topic's top level apply to articles in every language;
// those under Languages only to articles in that language, or whose
// language is unknown.
type Topic struct {
	Name          string    `yaml:"name"` // [a-z0-9_-]+, one NATS subject token
	Description   string    `yaml:"description"`
	Strong        []string  `yaml:"strong"`
	Weak          []string  `yaml:"weak"`
	Exclude       []string  `yaml:"exclude"`
	Require       []string  `yaml:"require"` // context weak hits need
	NoneOf        []string  `yaml:"none_of"` // document-level veto
	Near          []Near    `yaml:"near"`
	Languages     Languages `yaml:"languages"`
	MinScore      float64   `yaml:"min_score"`      // zero: defaults.min_score
	TitleBoost    float64   `yaml:"title_boost"`    // zero: defaults.title_boost
	ExcludeWindow int       `yaml:"exclude_window"` // zero: defaults.exclude_window
	RequireWindow int       `yaml:"require_window"` // zero: defaults.require_window
	// Background phrases ("due to", "despite", "years after") mark what
	// follows them as the background of a story about something else.
	Background []string `yaml:"background"`
	// OtherSenses are the vocabulary of other senses of the topic's words
	// (business, sport, party politics, courts). When more of them occur in
	// a document than require phrases, the topic's words are read in the
	// other sense and the topic does not match.
	OtherSenses      []string `yaml:"other_senses"`
	PassingWeight    float64  `yaml:"passing_weight"`    // zero: defaults.passing_weight
	BackgroundWindow int      `yaml:"background_window"` // zero: defaults.background_window
}

// Near is strong evidence made of two phrases, in either order, at most
// Within words apart (adjacent phrases are 1 apart).
type Near struct {
	A      string `yaml:"a"`
	B      string `yaml:"b"`
	Within int    `yaml:"within"`
}

// PhraseLists are the phrase lists of one language of a topic.
type PhraseLists struct {
	Strong  []string `yaml:"strong"`
	Weak    []string `yaml:"weak"`
	Exclude []string `yaml:"exclude"`
	Require []string `yaml:"require"`
	NoneOf  []string `yaml:"none_of"`
	Near    []Near   `yaml:"near"`

	Background  []string `yaml:"background"`
	OtherSenses []string `yaml:"other_senses"`
}

// Languages holds a topic's per-language lists, for the languages the
// tagger can tell apart (TopicLanguages).
type Languages struct {
	EN PhraseLists `yaml:"en"`
	FR PhraseLists `yaml:"fr"`
	DE PhraseLists `yaml:"de"`
	ES PhraseLists `yaml:"es"`
	RU PhraseLists `yaml:"ru"`
	UK PhraseLists `yaml:"uk"`
	PL PhraseLists `yaml:"pl"`
}
