package configs

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// SyncInterval is how often the embedded server's JetStream store is
// flushed to disk with fsync: every Every, or after every write when Always.
// The zero value leaves nats-server's default (every 2 minutes).
//
// Written in YAML as a Go duration ("10s", "2m") or the word "always".
type SyncInterval struct {
	Every  time.Duration // zero: the server's default
	Always bool          // fsync after every write
}

// String formats s as it is written: "always", a duration, or "" for the
// server's default.
func (s SyncInterval) String() string {
	switch {
	case s.Always:
		return "always"
	case s.Every == 0:
		return ""
	}
	return Duration(s.Every).String()
}

// UnmarshalYAML reads "always" (any case) or a positive Go duration.
func (s *SyncInterval) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a duration such as 10s or the word always, got %s", describe(n))
	}
	v := strings.TrimSpace(n.Value)
	if strings.EqualFold(v, "always") {
		*s = SyncInterval{Always: true}
		return nil
	}
	d, err := ParseDuration(v)
	if err != nil {
		return fmt.Errorf("invalid sync interval %q: want a duration such as 10s or the word always", n.Value)
	}
	if d <= 0 {
		return fmt.Errorf("must be positive or always, got %q", n.Value)
	}
	*s = SyncInterval{Every: d}
	return nil
}

// MarshalYAML writes s the way String formats it.
func (s SyncInterval) MarshalYAML() (any, error) { return s.String(), nil }
