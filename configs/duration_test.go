package configs

import (
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestDurationString(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{5 * time.Minute, "5m"},
		{20 * time.Second, "20s"},
		{720 * time.Hour, "720h"},
		{90 * time.Minute, "1h30m"},
		{time.Hour + 5*time.Second, "1h0m5s"},
		{500 * time.Millisecond, "500ms"},
		{-5 * time.Minute, "-5m"},
	}
	for _, tt := range tests {
		d := Duration(tt.in)
		if got := d.String(); got != tt.want {
			t.Errorf("Duration(%v).String(): got %q, want %q", tt.in, got, tt.want)
		}
		if got := d.D(); got != tt.in {
			t.Errorf("Duration(%v).D(): got %v, want %v", tt.in, got, tt.in)
		}
	}
}

// Both types go through plain yaml.v3 too, for the CLI's rewrites.
func TestYAMLRoundTrip(t *testing.T) {
	type doc struct {
		Every Duration `yaml:"every"`
		Max   ByteSize `yaml:"max"`
	}
	in := doc{Every: Duration(90 * time.Minute), Max: 10 << 20}
	out, err := yaml.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), "every: 1h30m\nmax: 10MiB\n"; got != want {
		t.Errorf("Marshal: got %q, want %q", got, want)
	}
	var back doc
	if err := yaml.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if back != in {
		t.Errorf("round trip: got %+v, want %+v", back, in)
	}
	var n doc
	if err := yaml.Unmarshal([]byte("max: 2048\n"), &n); err != nil || n.Max != 2048 {
		t.Errorf("integer size: got %d, %v; want 2048", n.Max, err)
	}
	err = yaml.Unmarshal([]byte("every: 5 minutes\n"), &n)
	if err == nil {
		t.Errorf("bad duration: got no error")
	}
}

func TestParseDuration(t *testing.T) {
	const day = 24 * time.Hour
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"90s", 90 * time.Second},
		{"1h30m", 90 * time.Minute},
		{"7d", 7 * day},
		{"1d12h", 36 * time.Hour},
		{"2w", 14 * day},
		{"1w2d3h", 9*day + 3*time.Hour},
		{"1.5d", 36 * time.Hour},
		{"0d", 0},
		{" 3d ", 3 * day},
		{"-1d", -day},
		{"0", 0},
	} {
		got, err := ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"", "d", "7", "7x", "1h2d", "2d1w", "1.2.3d", "5 minutes", "w"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, got)
		}
	}
}

func TestDurationYAMLDays(t *testing.T) {
	var v struct {
		Window Duration `yaml:"window"`
	}
	if err := yaml.Unmarshal([]byte("window: 3d\n"), &v); err != nil || v.Window.D() != 72*time.Hour {
		t.Errorf("window: 3d read as %v, %v; want 72h", v.Window, err)
	}
}
