package feeds

import (
	"bytes"
	"compress/flate"
	stdgzip "compress/gzip"
	"compress/zlib"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
)

func brotlied(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := brotli.NewWriterLevel(&buf, brotli.BestCompression)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zlibbed(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func deflated(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFetchCompression(t *testing.T) {
	const maxBody = 64 << 10
	big := bytes.Repeat([]byte("x"), maxBody+1)
	tests := []struct {
		name      string
		encoding  string
		body      []byte
		wantClass ErrorClass
	}{
		{"brotli", "br", brotlied(t, []byte(tinyFeed)), ""},
		{"brotli upper case", "BR", brotlied(t, []byte(tinyFeed)), ""},
		{"deflate (zlib)", "deflate", zlibbed(t, []byte(tinyFeed)), ""},
		{"deflate (raw)", "deflate", deflated(t, []byte(tinyFeed)), ""},
		{"identity", "identity", []byte(tinyFeed), ""},
		{"brotli one byte over MaxBody", "br", brotlied(t, big), ClassTooLarge},
		{"deflate one byte over MaxBody", "deflate", zlibbed(t, big), ClassTooLarge},
		{"corrupt brotli", "br", []byte("this is not brotli at all"), ClassParse},
		{"truncated brotli", "br", brotlied(t, []byte(tinyFeed))[:10], ClassParse},
		{"corrupt deflate", "deflate", []byte{0x78, 0x9c, 0xff, 0xff, 0xff}, ClassParse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", tt.encoding)
				w.Write(tt.body)
			}))
			defer srv.Close()
			res, err := testFetcher(FetcherOptions{MaxBody: maxBody}).Fetch(context.Background(), FetchRequest{URL: srv.URL})
			if got := ClassOf(err); got != tt.wantClass {
				t.Fatalf("ClassOf(%v) = %q, want %q", err, got, tt.wantClass)
			}
			if err == nil && string(res.Body) != tinyFeed {
				t.Errorf("Body = %q, want %q", res.Body, tinyFeed)
			}
		})
	}
}

func TestReadLimitedSizes(t *testing.T) {
	tests := []struct {
		name          string
		n, max        int64
		contentLength int64
		wantErr       bool
	}{
		{"empty", 0, 10, -1, false},
		{"small", 5, 10, -1, false},
		{"exact", 10, 10, 10, false},
		{"over", 11, 10, -1, true},
		{"lying content length", 100 << 10, 1 << 20, 10, false},
		{"content length over max", 11, 10, 11, true},
		{"large", 1 << 20, 1 << 20, -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := bytes.Repeat([]byte("a"), int(tt.n))
			got, err := readLimited(bytes.NewReader(in), tt.max, tt.contentLength)
			if (err != nil) != tt.wantErr {
				t.Fatalf("readLimited err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && !bytes.Equal(got, in) {
				t.Errorf("readLimited returned %d bytes, want %d", len(got), len(in))
			}
		})
	}
}

// TestBodyBuffersReuse checks that released bodies are reused at the right
// size and that a reused buffer never shows the previous body's bytes.
func TestBodyBuffersReuse(t *testing.T) {
	for _, tt := range []struct {
		n       int64
		wantCap int
	}{{1, 32 << 10}, {32 << 10, 32 << 10}, {32<<10 + 1, 64 << 10}, {4 << 20, 4 << 20}, {4<<20 + 1, 4<<20 + 1}} {
		if got := cap(getBodyBuffer(tt.n)); got != tt.wantCap {
			t.Errorf("getBodyBuffer(%d) has capacity %d, want %d", tt.n, got, tt.wantCap)
		}
	}
	putBodyBuffer(make([]byte, 100, 1000)) // not a pool size: ignored

	first, err := readLimited(bytes.NewReader(bytes.Repeat([]byte("x"), 40<<10)), 1<<20, -1)
	if err != nil {
		t.Fatal(err)
	}
	res := &FetchResult{Body: first}
	res.Release()
	if res.Body != nil {
		t.Error("Release left Body set")
	}
	want := bytes.Repeat([]byte("y"), 3<<10)
	for range 10 { // a pool may drop what it holds; the content must be right either way
		got, err := readLimited(bytes.NewReader(want), 1<<20, -1)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("after a release, readLimited = %d bytes (%v), want the %d new bytes only", len(got), err, len(want))
		}
		putBodyBuffer(got)
	}
}

// BenchmarkGunzip inflates a gzipped news feed with the reader readBody
// uses (klauspost/compress) beside compress/gzip, its baseline, and checks
// that both give the document back.
func BenchmarkGunzip(b *testing.B) {
	doc, err := os.ReadFile(filepath.Join(corpusDir(b), "guardian_us_rss20.xml"))
	if err != nil {
		b.Skipf("corpus: %v", err)
	}
	var z bytes.Buffer
	w, _ := stdgzip.NewWriterLevel(&z, stdgzip.BestSpeed)
	_, _ = w.Write(doc)
	_ = w.Close()
	type resetter interface {
		io.Reader
		Reset(io.Reader) error
	}
	for _, side := range []struct {
		name string
		r    resetter
	}{{"klauspost", new(gzip.Reader)}, {"compress-gzip-baseline", new(stdgzip.Reader)}} {
		b.Run(side.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			var out bytes.Buffer
			for b.Loop() {
				out.Reset()
				if err := side.r.Reset(bytes.NewReader(z.Bytes())); err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(&out, side.r); err != nil || !bytes.Equal(out.Bytes(), doc) {
					b.Fatalf("inflated %d bytes (%v), want the %d of the document", out.Len(), err, len(doc))
				}
			}
		})
	}
}
