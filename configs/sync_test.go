package configs

import (
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestSyncIntervalYAML(t *testing.T) {
	good := []struct {
		in   string
		want SyncInterval
		str  string
	}{
		{"always", SyncInterval{Always: true}, "always"},
		{"Always", SyncInterval{Always: true}, "always"},
		{"10s", SyncInterval{Every: 10 * time.Second}, "10s"},
		{"2m", SyncInterval{Every: 2 * time.Minute}, "2m"},
		{"250ms", SyncInterval{Every: 250 * time.Millisecond}, "250ms"},
	}
	for _, tt := range good {
		var got struct {
			S SyncInterval `yaml:"s"`
		}
		if err := yaml.Unmarshal([]byte("s: "+tt.in+"\n"), &got); err != nil {
			t.Errorf("%q: got error %v, want %+v", tt.in, err, tt.want)
			continue
		}
		if got.S != tt.want {
			t.Errorf("%q: got %+v, want %+v", tt.in, got.S, tt.want)
		}
		if s := got.S.String(); s != tt.str {
			t.Errorf("%q: String() got %q, want %q", tt.in, s, tt.str)
		}
	}
	bad := map[string]string{
		"sometimes": `invalid sync interval "sometimes": want a duration such as 10s or the word always`,
		"10":        `invalid sync interval "10": want a duration such as 10s or the word always`,
		"0s":        `must be positive or always, got "0s"`,
		"-1s":       `must be positive or always, got "-1s"`,
		"[1s]":      `want a duration such as 10s or the word always, got a list`,
	}
	for in, want := range bad {
		var got struct {
			S SyncInterval `yaml:"s"`
		}
		err := yaml.Unmarshal([]byte("s: "+in+"\n"), &got)
		if err == nil {
			t.Errorf("%q: got %+v, want error %q", in, got.S, want)
			continue
		}
		if err.Error() != want {
			t.Errorf("%q: got error %q, want %q", in, err, want)
		}
	}
	if s := (SyncInterval{}).String(); s != "" {
		t.Errorf("zero value: String() got %q, want \"\" (the server's default)", s)
	}
}

func TestSyncIntervalRoundTrip(t *testing.T) {
	for _, in := range []SyncInterval{{Always: true}, {Every: 90 * time.Second}} {
		out, err := yaml.Marshal(struct {
			S SyncInterval `yaml:"s"`
		}{in})
		if err != nil {
			t.Fatal(err)
		}
		var back struct {
			S SyncInterval `yaml:"s"`
		}
		if err := yaml.Unmarshal(out, &back); err != nil || back.S != in {
			t.Errorf("round trip of %+v through %q: got %+v, %v", in, out, back.S, err)
		}
	}
}

// The key is read from a config file with the file's line in errors; a
// file without it keeps the server's default.
func TestLoadSyncInterval(t *testing.T) {
	cfg, err := Load("testdata/sync_always.yaml", nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := cfg.NATS.Embedded.SyncInterval, (SyncInterval{Always: true}); got != want {
		t.Errorf("sync_always.yaml: got %+v, want %+v", got, want)
	}
	cfg, err = Load("testdata/minimal.yaml", nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := cfg.NATS.Embedded.SyncInterval; got != (SyncInterval{}) {
		t.Errorf("minimal.yaml: got %+v, want the zero value (server default)", got)
	}
}
