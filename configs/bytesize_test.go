package configs

import "testing"

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in      string
		want    ByteSize
		wantErr bool
	}{
		{"0", 0, false},
		{"1048576", 1 << 20, false},
		{"10MiB", 10 << 20, false},
		{"512 KiB", 512 << 10, false},
		{"512 kib", 512 << 10, false},
		{"1MB", 1000000, false},
		{"1mb", 1000000, false},
		{"2 GB", 2000000000, false},
		{"1GiB", 1 << 30, false},
		{"100B", 100, false},
		{"1.5MiB", 3 << 19, false},
		{"0.5KB", 500, false},
		{" 7 ", 7, false},
		{"", 0, true},
		{"MiB", 0, true},
		{"-1", 0, true},
		{"10 MB/s", 0, true},
		{"10TB", 0, true},
		{"1.5", 0, true},
		{"1.5B", 0, true},
		{"1.2.3MB", 0, true},
		{"99999999999999999999", 0, true},
		{"9999999999GiB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseByteSize(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseByteSize(%q): got error %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseByteSize(%q): got %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestByteSizeString(t *testing.T) {
	tests := []struct {
		in   ByteSize
		want string
	}{
		{0, "0B"},
		{512, "512B"},
		{1000, "1KB"},
		{1024, "1KiB"},
		{10 << 20, "10MiB"},
		{1500000, "1500KB"},
		{3 << 19, "1536KiB"},
		{5e9, "5GB"},
		{1 << 30, "1GiB"},
		{1025, "1025B"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("ByteSize(%d).String(): got %q, want %q", int64(tt.in), got, tt.want)
		}
		back, err := ParseByteSize(tt.in.String())
		if err != nil || back != tt.in {
			t.Errorf("ParseByteSize(%q): got %d, %v; want %d", tt.in.String(), back, err, tt.in)
		}
	}
}
