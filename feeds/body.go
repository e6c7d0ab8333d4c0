package feeds

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/andybalholm/brotli"
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
	br := bufio.NewReader(src)
	var r io.Reader = br
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity", "gzip", "x-gzip":
		if resp.ContentLength > maxBody && (enc == "" || enc == "identity") {
			return nil, tooLarge // decoded, a sniffed gzip body would be larger still
		}
		if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
			zr, err := gzip.NewReader(br)
			if err != nil {
				return nil, bodyError(resp, src, "gzip", err)
			}
			defer zr.Close()
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
	body, err := readLimited(r, maxBody, resp.ContentLength)
	if err != nil {
		if errors.Is(err, errTooLarge) {
			return nil, tooLarge
		}
		return nil, bodyError(resp, src, resp.Header.Get("Content-Encoding"), err)
	}
	return body, nil
}

var errTooLarge = errors.New("body too large")

// readLimited reads r to the end into one buffer, failing with errTooLarge
// once it holds more than max bytes. A plausible Content-Length sizes the
// buffer up front; otherwise it grows by doubling, so the memory used is
// at most about twice what was read, never more than about 2*max.
func readLimited(r io.Reader, max, contentLength int64) ([]byte, error) {
	size := int64(32 << 10)
	if contentLength > 0 && contentLength <= max {
		size = contentLength + 1 // +1 so that reading EOF needs no growth
	}
	buf := make([]byte, 0, min(size, max+1))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > max {
				return nil, errTooLarge
			}
			grown := make([]byte, len(buf), min(int64(2*cap(buf)), max+1))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > max {
			return nil, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
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
