package feeds

import (
	"bufio"
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/http"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
)

// acceptEncoding is what Fetch asks for. The transport's own gzip support
// is off: readBody decompresses, so that MaxBody counts decoded bytes.
const acceptEncoding = "gzip, br, deflate"

// readBody returns the decompressed body, or a too_large error as soon as
// more than maxBody decoded bytes arrive: a bomb inflating to gigabytes
// costs at most maxBody of memory plus the decoder's window (32 KiB for
// gzip and deflate, at most 16 MiB for brotli, whose large-window mode is
// left off).
//
// A body is gunzipped when it starts with the gzip magic number, whether or
// not the server said Content-Encoding: gzip: feeds published as .xml.gz
// are served both ways, and no feed document starts with byte 0x1f. A
// Content-Encoding we did not ask for is refused.
func readBody(resp *http.Response, maxBody int64) ([]byte, error) {
	tooLarge := &FetchError{Class: ClassTooLarge, StatusCode: resp.StatusCode, URL: resp.Request.URL.String(),
		Err: fmt.Errorf("body exceeds %d bytes", maxBody)}
	src := &sourceReader{r: resp.Body}
	br := getBufioReader(src)
	defer putBufioReader(br)
	var r io.Reader = br
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity", "gzip", "x-gzip":
		if resp.ContentLength > maxBody && (enc == "" || enc == "identity") {
			return nil, tooLarge // decoded, a sniffed gzip body would be larger still
		}
		if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
			zr, err := getGzipReader(br)
			defer gzipPool.Put(zr)
			if err != nil {
				return nil, bodyError(resp, src, "gzip", err)
			}
			r = zr
		}
	case "br":
		r = brotli.NewReader(br)
	case "deflate":
		// RFC 9110 deflate is zlib-wrapped, but some servers send raw
		// deflate; a zlib header is two bytes whose big-endian value is a
		// multiple of 31, with compression method 8.
		if h, _ := br.Peek(2); len(h) == 2 && h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, bodyError(resp, src, "deflate", err)
			}
			defer zr.Close()
			r = zr
		} else {
			fr := flate.NewReader(br)
			defer fr.Close()
			r = fr
		}
	default:
		return nil, &FetchError{Class: ClassNetwork, StatusCode: resp.StatusCode, URL: resp.Request.URL.String(),
			Err: fmt.Errorf("unsupported Content-Encoding %q", enc)}
	}
	sizeHint := resp.ContentLength
	if compressed := r != io.Reader(br); compressed && sizeHint > 0 {
		// Feed XML compresses about 3–8 times: start near the decoded
		// size instead of doubling up to it from the compressed one.
		sizeHint *= 6
	}
	body, err := readLimited(r, maxBody, sizeHint)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return nil, tooLarge
		}
		return nil, bodyError(resp, src, resp.Header.Get("Content-Encoding"), err)
	}
	return body, nil
}

var errTooLarge = errors.New("body too large")

// Decoders are reused: a gzip reader allocates about 40 KB of window and
// tables, and a 200 with a gzipped feed is a third of all polls. (The gzip
// reader is klauspost/compress's, already in the build through nats-server:
// it inflates a feed about a quarter faster than compress/gzip, with the
// same API and errors.)
var (
	bufioPool sync.Pool // *bufio.Reader
	gzipPool  sync.Pool // *gzip.Reader
)

func getBufioReader(r io.Reader) *bufio.Reader {
	if br, ok := bufioPool.Get().(*bufio.Reader); ok {
		br.Reset(r)
		return br
	}
	return bufio.NewReader(r)
}

func putBufioReader(br *bufio.Reader) {
	br.Reset(nil) // let the response go
	bufioPool.Put(br)
}

// getGzipReader returns a gzip reader of r, which the caller puts back in
// gzipPool (also on error) once done reading.
func getGzipReader(r io.Reader) (*gzip.Reader, error) {
	if zr, ok := gzipPool.Get().(*gzip.Reader); ok {
		return zr, zr.Reset(r)
	}
	zr := new(gzip.Reader)
	return zr, zr.Reset(r)
}

// readLimited reads r to the end into one buffer, failing with errTooLarge
// once it holds more than max bytes. A plausible size hint sizes the buffer
// up front; otherwise it grows by doubling, so the memory used is at most
// about twice what was read, never more than about 2*max. Buffers come from
// bodyBuffers; the caller hands the result back with putBodyBuffer when it
// is done with it, or lets the collector have it.
func readLimited(r io.Reader, max, sizeHint int64) ([]byte, error) {
	size := int64(32 << 10)
	if sizeHint > 0 && sizeHint <= max {
		size = sizeHint + 1 // +1 so that reading EOF needs no growth
	}
	buf := getBodyBuffer(min(size, max+1))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > max {
				putBodyBuffer(buf)
				return nil, errTooLarge
			}
			grown := getBodyBuffer(min(int64(2*cap(buf)), max+1))[:len(buf)]
			copy(grown, buf)
			putBodyBuffer(buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > max {
			putBodyBuffer(buf)
			return nil, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			putBodyBuffer(buf)
			return nil, err
		}
	}
}

// bodyBuffers recycles body buffers, one pool per power-of-two capacity
// from 32 KiB to 4 MiB (larger bodies are rare and allocated to size). A
// poller fetching a third of its feeds' documents in full (news feeds are
// 10–300 KB) would otherwise hand the collector a few hundred kilobytes
// per poll; with reuse it allocates almost nothing.
var bodyBuffers [bodyClasses]sync.Pool // *[]byte

const (
	minBodyClass = 15 // 32 KiB
	bodyClasses  = 8  // up to 4 MiB
)

// bodyClass returns the pool index for a buffer of capacity 1<<(index +
// minBodyClass) that holds n bytes, and false when n is beyond the pools.
func bodyClass(n int64) (int, bool) {
	c := max(bits.Len64(uint64(max(n, 1)-1)), minBodyClass) - minBodyClass
	return c, c < bodyClasses
}

func getBodyBuffer(n int64) []byte {
	c, ok := bodyClass(n)
	if !ok {
		return make([]byte, 0, n)
	}
	if b, _ := bodyBuffers[c].Get().(*[]byte); b != nil {
		return (*b)[:0]
	}
	return make([]byte, 0, 1<<(c+minBodyClass))
}

// putBodyBuffer makes b available to later fetches. b must not be used
// after.
func putBodyBuffer(b []byte) {
	c, ok := bodyClass(int64(cap(b)))
	if !ok || cap(b) != 1<<(c+minBodyClass) {
		return // not one of ours
	}
	b = b[:0]
	bodyBuffers[c].Put(&b)
}

// sourceReader remembers the last error reading the response body itself
// returned, to tell a broken connection (classified as a transport error)
// from a corrupt compressed stream (ClassParse) when a decoder fails.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// bodyError passes an error reading the connection through, for
// classifyTransportError, and classes any other as a corrupt body.
func bodyError(resp *http.Response, src *sourceReader, encoding string, err error) error {
	if src.err != nil {
		return src.err
	}
	if encoding == "" {
		encoding = "gzip" // sniffed
	}
	return &FetchError{Class: ClassParse, StatusCode: resp.StatusCode,
		URL: resp.Request.URL.String(), Err: fmt.Errorf("corrupt %s body: %w", encoding, err)}
}
