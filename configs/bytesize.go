package configs

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// byteUnits are the units ParseByteSize accepts, keyed in lower case.
var byteUnits = map[string]int64{
	"b":   1,
	"kb":  1000,
	"mb":  1000 * 1000,
	"gb":  1000 * 1000 * 1000,
	"kib": 1 << 10,
	"mib": 1 << 20,
	"gib": 1 << 30,
}

// unitsByPreference is the order String tries units in, largest first.
var unitsByPreference = []struct {
	name string
	size int64
}{
	{"GiB", 1 << 30}, {"GB", 1e9}, {"MiB", 1 << 20}, {"MB", 1e6}, {"KiB", 1 << 10}, {"KB", 1e3},
}

// ParseByteSize parses a size written as a whole number of bytes ("1048576")
// or a number and a unit: B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB
// (powers of 1024), in any case, with or without a space ("10MiB",
// "512 kib", "1.5GB"). Negative sizes are rejected.
func ParseByteSize(s string) (ByteSize, error) {
	bad := fmt.Errorf("invalid size %q", s)
	t := strings.TrimSpace(s)
	end := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if end < 0 {
		end = len(t)
	}
	num, unit := t[:end], strings.ToLower(strings.TrimSpace(t[end:]))
	if num == "" {
		return 0, bad
	}
	mult := int64(1)
	if unit != "" {
		m, ok := byteUnits[unit]
		if !ok {
			return 0, bad
		}
		mult = m
	}
	whole, frac, hasFrac := strings.Cut(num, ".")
	if hasFrac && (mult == 1 || whole == "" && frac == "") {
		return 0, bad // fractions of a byte are meaningless
	}
	n, err := parseDecimal(whole, frac, mult)
	if err != nil {
		return 0, bad
	}
	return ByteSize(n), nil
}

// parseDecimal computes (whole.frac) * mult exactly, truncating below one
// byte, and fails on overflow.
func parseDecimal(whole, frac string, mult int64) (int64, error) {
	const maxInt = int64(^uint64(0) >> 1)
	overflow := errors.New("overflow")
	var n int64
	for _, c := range whole {
		d := int64(c - '0')
		if n > (maxInt-d)/10 {
			return 0, overflow
		}
		n = n*10 + d
	}
	if n > maxInt/mult {
		return 0, overflow
	}
	n *= mult
	// Nine fractional digits keep digits*mult within int64 for every unit
	// and are finer than a byte for all of them but GiB.
	if len(frac) > 9 {
		frac = frac[:9]
	}
	var digits, pow int64 = 0, 1
	for _, c := range frac {
		if c == '.' {
			return 0, errors.New("two decimal points")
		}
		digits = digits*10 + int64(c-'0')
		pow *= 10
	}
	n += digits * mult / pow
	if n < 0 {
		return 0, overflow
	}
	return n, nil
}

// String formats s with the unit that gives the smallest whole number
// ("10MiB", "1MB", "512B").
func (s ByteSize) String() string {
	best := fmt.Sprintf("%dB", int64(s))
	if s <= 0 {
		return best
	}
	bestN := int64(s)
	for _, u := range unitsByPreference {
		if int64(s)%u.size == 0 && int64(s)/u.size < bestN {
			bestN = int64(s) / u.size
			best = fmt.Sprintf("%d%s", bestN, u.name)
		}
	}
	return best
}

// UnmarshalYAML reads a size as ParseByteSize does.
func (s *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("want a size such as 10MiB, got %s", describe(n))
	}
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalYAML writes s the way String formats it.
func (s ByteSize) MarshalYAML() (any, error) { return s.String(), nil }
