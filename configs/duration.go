package configs

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d as a Go duration without trailing zero units: "5m",
// "720h", "1h30m", "20s".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// DurationForms lists the forms ParseDuration accepts, for messages.
const DurationForms = "90s, 15m, 1h30m, 7d, 1d12h or 2w"

// ParseDuration reads a Go duration ("90s", "1h30m") that may start with
// weeks and days: "2w", "7d", "1d12h", "1w2d". A day is 24 hours. A bare
// number is rejected: "300" could mean seconds or minutes.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	rest, neg := s, false
	if r, ok := strings.CutPrefix(rest, "-"); ok {
		rest, neg = r, true
	} else {
		rest = strings.TrimPrefix(rest, "+")
	}
	var d time.Duration
	units := false // weeks or days read
	for _, u := range []struct {
		unit string
		size time.Duration
	}{{"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour}} {
		num, after, ok := strings.Cut(rest, u.unit)
		if !ok || num == "" || strings.ContainsFunc(num, func(r rune) bool { return (r < '0' || r > '9') && r != '.' }) {
			continue
		}
		n, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		d += time.Duration(n * float64(u.size))
		rest, units = after, true
	}
	if rest != "" || !units {
		v, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		d += v
	}
	if neg {
		d = -d
	}
	return d, nil
}

// UnmarshalYAML reads a duration as ParseDuration does: "5m", "1h30m", "7d".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a duration such as 5m, got %s", describe(n))
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("invalid duration %q: want a duration such as %s", n.Value, DurationForms)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes d the way String formats it.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }
