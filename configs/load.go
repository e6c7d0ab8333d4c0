package configs

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// EnvNATSURL names the environment variable that, when set and not empty,
// overrides nats.url (see applyEnv).
const EnvNATSURL = "NEWSWIRE_NATS_URL"

// DefaultUserAgent is the User-Agent the poller sends unless poll.user_agent
// says otherwise.
const DefaultUserAgent = "newswire/0.1 (+https://github.com/newswire/newswire)"

// Default returns the configuration used for every key a file leaves out.
// Its StoreDir is relative; Load resolves it against the config file's
// folder.
func Default() *Config {
	return &Config{
		NATS: NATS{Replicas: 1, Embedded: Embedded{Listen: "127.0.0.1:4222", StoreDir: "data/nats"}},
		HTTP: HTTP{Listen: "127.0.0.1:8080", PerFeedMetrics: true},
		Poll: Poll{
			Interval:    Duration(5 * time.Minute),
			Timeout:     Duration(20 * time.Second),
			MaxBody:     10 << 20,
			UserAgent:   DefaultUserAgent,
			MinInterval: Duration(2 * time.Minute),
			MaxInterval: Duration(2 * time.Hour),
			Concurrency: 64,
			PerHost:     2,
			HostSpacing: Duration(time.Second),
		},
		Dedupe: Dedupe{Window: Duration(72 * time.Hour), Near: true, Updates: true, MaxStories: 1_000_000},
	}
}

// Load reads the config file at path strictly, applies defaults, resolves
// relative paths (store_dir, topics_file, feeds_file) against the file's
// folder, appends the feeds of feeds_file after the inline ones, derives
// missing feed ids, applies the environment (applyEnv with getenv; nil:
// none — the program reads its environment in one place and hands it in)
// and validates the result. The topic rules themselves are not read: see
// LoadTopics.
//
// On failure it returns a nil Config and an ErrorList holding every problem
// found, each as "FILE:LINE: KEY: message".
func Load(path string, getenv func(string) string) (*Config, error) {
	l := loader{getenv: getenv}
	res, err := l.load(path)
	if err != nil {
		return nil, err
	}
	return res.cfg, nil
}

// applyEnv applies environment overrides to cfg: $NEWSWIRE_NATS_URL, when
// not empty, replaces nats.url. Load calls it with its getenv after
// validating the file and then validates the overriding value.
func applyEnv(cfg *Config, getenv func(string) string) {
	if u := strings.TrimSpace(getenv(EnvNATSURL)); u != "" {
		cfg.NATS.URL = u
	}
}

// loader loads a config and the files it names. AddFeed and RemoveFeed use
// files to validate an edit before writing it.
type loader struct {
	getenv func(string) string // nil: no environment
	files  map[string][]byte   // absolute path → contents to use instead of the disk's
}

// loaded is a config together with where each of its feeds was written.
type loaded struct {
	cfg  *Config
	srcs []feedSource // parallel to cfg.Feeds
}

func (l *loader) readFile(abs string) ([]byte, error) {
	if data, ok := l.files[abs]; ok {
		return data, nil
	}
	return os.ReadFile(abs)
}

func (l *loader) load(path string) (*loaded, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, ErrorList{{File: path, Msg: err.Error(), Err: err}}
	}
	data, err := l.readFile(abs)
	if err != nil {
		return nil, ErrorList{{File: path, Msg: "cannot read: " + readError(err), Err: err}}
	}
	doc, perr := parseYAML(data, path)
	if perr != nil {
		return nil, ErrorList{perr}
	}

	cfg := Default()
	d := newDecoder(path)
	if root := docRoot(doc); root != nil {
		d.decode(root, reflect.ValueOf(cfg).Elem(), "")
	}
	errs := d.errs
	fillEmpty(cfg)

	cfg.Path = abs
	dir := filepath.Dir(abs)
	cfg.NATS.Embedded.StoreDir = resolve(dir, cfg.NATS.Embedded.StoreDir)
	ck := &checker{file: path, lines: d.lines, failed: d.failed, errs: &errs}
	ck.validateConfig(cfg)

	if raw := cfg.TopicsFile; raw != "" {
		cfg.TopicsFile = resolve(dir, raw)
		ck.checkFile("topics_file", raw, cfg.TopicsFile)
	}
	for _, f := range []struct {
		key string
		p   *string
	}{
		{"nats.creds", &cfg.NATS.Creds}, {"nats.nkey", &cfg.NATS.NKey},
		{"nats.tls.ca", &cfg.NATS.TLS.CA}, {"nats.tls.cert", &cfg.NATS.TLS.Cert}, {"nats.tls.key", &cfg.NATS.TLS.Key},
	} {
		if raw := *f.p; raw != "" {
			*f.p = resolve(dir, raw)
			ck.checkFile(f.key, raw, *f.p)
		}
	}

	res := &loaded{cfg: cfg, srcs: make([]feedSource, len(cfg.Feeds))}
	for i := range cfg.Feeds {
		key := "feeds[" + strconv.Itoa(i) + "]"
		res.srcs[i] = feedSource{file: path, key: key, index: i, lines: d.lines, failed: d.failed, line: d.lines[key]}
	}
	if raw := cfg.FeedsFile; raw != "" {
		cfg.FeedsFile = resolve(dir, raw)
		data, err := l.readFile(cfg.FeedsFile)
		if err != nil {
			ck.errorf("feeds_file", "cannot read %q: %s", raw, readError(err))
		} else {
			feeds, srcs, ferrs := parseFeedsFile(data, displayPath(path, raw))
			errs = append(errs, ferrs...)
			cfg.Feeds = append(cfg.Feeds, feeds...)
			res.srcs = append(res.srcs, srcs...)
		}
	}
	validateFeeds(cfg.Feeds, res.srcs, &errs)

	fileURL := cfg.NATS.URL
	if l.getenv != nil {
		applyEnv(cfg, l.getenv)
	}
	if cfg.NATS.URL != fileURL {
		if msg := checkNATSURL(cfg.NATS.URL); msg != "" {
			errs.add("", 0, "$"+EnvNATSURL, "%s", msg)
		}
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return res, nil
}

// fillEmpty restores the defaults of string keys written as "": an empty
// listen address or user agent means "the usual", not "none".
func fillEmpty(cfg *Config) {
	def := Default()
	for _, p := range []struct{ got, def *string }{
		{&cfg.NATS.Embedded.Listen, &def.NATS.Embedded.Listen},
		{&cfg.NATS.Embedded.StoreDir, &def.NATS.Embedded.StoreDir},
		{&cfg.HTTP.Listen, &def.HTTP.Listen},
		{&cfg.Poll.UserAgent, &def.Poll.UserAgent},
	} {
		if strings.TrimSpace(*p.got) == "" {
			*p.got = *p.def
		}
	}
}

// resolve makes p absolute, relative to dir.
func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

// displayPath names a file referenced from the config at configPath the way
// a user would: relative to where they are when configPath was relative.
func displayPath(configPath, raw string) string {
	if filepath.IsAbs(raw) {
		return raw
	}
	return filepath.Join(filepath.Dir(configPath), raw)
}

// isOPML reports whether a feeds_file is OPML rather than YAML, by its name.
func isOPML(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".opml" || ext == ".xml"
}
