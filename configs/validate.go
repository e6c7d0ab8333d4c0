package configs

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// checker reports validation errors for one file, locating each key by the
// lines the decoder recorded and skipping keys the decoder already rejected.
type checker struct {
	file   string
	lines  lines
	failed map[string]bool
	errs   *ErrorList
}

func (c *checker) errorf(key, format string, args ...any) {
	if c.failed[key] {
		return
	}
	c.errs.add(c.file, c.lines.at(key), key, format, args...)
}

// validateConfig checks everything in cfg except the feeds, which
// validateFeeds checks across files, and the env override.
func (c *checker) validateConfig(cfg *Config) {
	if cfg.NATS.URL != "" {
		if msg := checkNATSURL(cfg.NATS.URL); msg != "" {
			c.errorf("nats.url", "%s", msg)
		}
	}
	c.listen("nats.embedded.listen", cfg.NATS.Embedded.Listen)
	if r := cfg.NATS.Replicas; r < 1 || r > 5 {
		c.errorf("nats.replicas", "want 1, 3 or 5 (at most the cluster's size), got %d", r)
	}
	if cfg.NATS.Replicas > 1 && cfg.NATS.URL == "" && cfg.NATS.Context == "" {
		c.errorf("nats.replicas", "%d replicas need a cluster: set nats.url (the embedded server is one node)", cfg.NATS.Replicas)
	}
	if (cfg.NATS.User == "") != (cfg.NATS.Password == "") {
		c.errorf("nats.user", "user and password go together")
	}
	if (cfg.NATS.TLS.Cert == "") != (cfg.NATS.TLS.Key == "") {
		c.errorf("nats.tls.cert", "cert and key go together")
	}
	if cfg.NATS.Context != "" && strings.ContainsAny(cfg.NATS.Context, "/\\") {
		c.errorf("nats.context", "a context name, not a path: %q", cfg.NATS.Context)
	}
	c.listen("http.listen", cfg.HTTP.Listen)
	c.duration("poll.interval", cfg.Poll.Interval, time.Second)
	c.duration("poll.timeout", cfg.Poll.Timeout, 0)
	c.duration("dedupe.window", cfg.Dedupe.Window, time.Minute)
	if st := cfg.Dedupe.Strictness; st < -0.5 || st > 0.5 {
		c.errorf("dedupe.strictness", "must be between -0.5 and 0.5, got %g", st)
	}
	if cfg.Dedupe.MaxStories < 0 {
		c.errorf("dedupe.max_stories", "must not be negative, got %d", cfg.Dedupe.MaxStories)
	}
	c.duration("poll.min_interval", cfg.Poll.MinInterval, time.Second)
	c.duration("poll.max_interval", cfg.Poll.MaxInterval, time.Second)
	if cfg.Poll.MinInterval > 0 && cfg.Poll.MaxInterval > 0 && cfg.Poll.MaxInterval < cfg.Poll.MinInterval {
		c.errorf("poll.max_interval", "must not be less than poll.min_interval (%s), got %q", cfg.Poll.MinInterval, cfg.Poll.MaxInterval)
	}
	if cfg.Poll.HostSpacing < 0 {
		c.errorf("poll.host_spacing", "must not be negative, got %q", cfg.Poll.HostSpacing)
	}
	if cfg.Poll.Concurrency <= 0 {
		c.errorf("poll.concurrency", "must be positive, got %d", cfg.Poll.Concurrency)
	}
	if cfg.Poll.PerHost <= 0 {
		c.errorf("poll.per_host", "must be positive, got %d", cfg.Poll.PerHost)
	}
	for i, h := range cfg.Poll.AllowHosts {
		if strings.TrimSpace(h) == "" || strings.ContainsAny(h, " \t/") && !isCIDR(h) {
			c.errorf(fmt.Sprintf("poll.allow_hosts[%d]", i), "want a host name, an IP or a CIDR prefix, got %q", h)
		}
	}
	if cfg.Poll.MaxBody <= 0 {
		c.errorf("poll.max_body", "must be positive, got %q", cfg.Poll.MaxBody)
	}
	if strings.TrimSpace(cfg.Poll.UserAgent) == "" {
		c.errorf("poll.user_agent", "must not be empty")
	}
}

func isCIDR(s string) bool {
	_, _, err := net.ParseCIDR(s)
	return err == nil
}

// duration checks that d is positive and at least min.
func (c *checker) duration(key string, d Duration, min time.Duration) {
	switch {
	case d <= 0:
		c.errorf(key, "must be positive, got %q", d)
	case d.D() < min:
		c.errorf(key, "must be at least %s, got %q", Duration(min), d)
	}
}

// listen checks a host:port listen address; the host may be empty (all
// interfaces) and the port 0 (any free port, for tests).
func (c *checker) listen(key, addr string) {
	_, port, err := net.SplitHostPort(addr)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		c.errorf(key, "invalid listen address %q: want host:port", addr)
	}
}

// checkFile checks that path (resolved from raw, as written) can be opened
// for reading and is not a directory.
func (c *checker) checkFile(key, raw, path string) {
	f, err := os.Open(path)
	if err == nil {
		var st os.FileInfo
		st, err = f.Stat()
		f.Close()
		if err == nil && st.IsDir() {
			c.errorf(key, "cannot read %q: is a directory", raw)
			return
		}
	}
	if err != nil {
		c.errorf(key, "cannot read %q: %s", raw, readError(err))
	}
}

// natsSchemes are the URL schemes nats.go connects with.
var natsSchemes = map[string]bool{"nats": true, "tls": true, "ws": true, "wss": true}

// checkNATSURL returns why s is not a NATS server URL or a comma-separated
// list of them, or "".
func checkNATSURL(s string) string {
	for part := range strings.SplitSeq(s, ",") {
		u, err := url.Parse(strings.TrimSpace(part))
		if err != nil || !natsSchemes[u.Scheme] || u.Host == "" {
			return "invalid NATS URL " + quote(s) + ": want nats://, tls://, ws:// or wss:// URLs, separated by commas"
		}
	}
	return ""
}

func quote(s string) string { return strconv.Quote(s) }

// Validate checks a Config that was built in code rather than loaded (Load
// validates already): errors carry no line numbers. It derives missing feed
// ids, like Load.
func (c *Config) Validate() error {
	var errs ErrorList
	file := c.Path
	if file == "" {
		file = "config"
	}
	ck := &checker{file: file, lines: lines{}, errs: &errs}
	ck.validateConfig(c)
	if c.TopicsFile != "" {
		ck.checkFile("topics_file", c.TopicsFile, c.TopicsFile)
	}
	srcs := make([]feedSource, len(c.Feeds))
	for i := range srcs {
		srcs[i] = feedSource{file: file, key: "feeds[" + strconv.Itoa(i) + "]"}
	}
	validateFeeds(c.Feeds, srcs, &errs)
	return errs.err()
}
