package feeds

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MaxRedirects is how many redirects one Fetch follows before failing with
// ClassRedirect.
const MaxRedirects = 5

// FetcherOptions configures a Fetcher. Timeout, MaxBody and UserAgent are
// required: their defaults are the configuration's (configs.Default).
type FetcherOptions struct {
	// Timeout bounds one whole Fetch: connect, redirects, headers and body.
	Timeout time.Duration
	// MaxBody is the largest body, counted after decompression, that Fetch
	// accepts; a larger one fails with ClassTooLarge.
	MaxBody int64
	// UserAgent is sent on every request; it should name newswire and say
	// where to complain.
	UserAgent string
	// AllowPrivate lets the Fetcher connect to loopback, private, link-local
	// and other non-public addresses. Off, they are refused with ClassBlocked.
	AllowPrivate bool
	// AllowHosts are exceptions to the private-address refusal: host names
	// ("feeds.intranet", matched case-insensitively against the URL's
	// host, whatever it resolves to), IP addresses ("10.0.0.7") and CIDR
	// prefixes ("10.0.0.0/8"), matched against the address resolved.
	// Entries that are none of these never match.
	AllowHosts []string
	// IdleTimeout is how long a connection is kept for the next fetch from
	// its host, default 5 s. A poller that fetches one host's feeds one
	// host spacing apart keeps connections a little over two spacings.
	IdleTimeout time.Duration
	// Transport replaces the Fetcher's own transport, for tests. The
	// private-address guard lives in the own transport's dialer, so with a
	// custom Transport AllowPrivate has no effect.
	Transport http.RoundTripper
}

// FetchRequest is one conditional GET. ETag and LastModified are the values
// the previous successful fetch returned; empty ones are not sent.
type FetchRequest struct {
	URL          string
	ETag         string
	LastModified string
}

// FetchResult is a successful fetch: a 2xx with its decoded body, or a 304.
type FetchResult struct {
	StatusCode int
	// NotModified is true on a 304; Body is then nil.
	NotModified bool
	// Body is the decompressed body, at most MaxBody bytes.
	Body []byte
	// ETag and LastModified are the validators to send next time. On a 304
	// that does not repeat them they are those of the request, so a caller
	// can always store what it finds here.
	ETag         string
	LastModified string
	ContentType  string
	// FinalURL is the URL that answered, after redirects.
	FinalURL string
	// PermanentURL is FinalURL when every redirect followed was permanent
	// (301 or 308), empty otherwise: a candidate for adopting as the feed's
	// new URL once it has been seen several times in a row.
	PermanentURL string
	// CacheMaxAge is the response's Cache-Control max-age (s-maxage
	// ignored), zero when absent; Expires its Expires header, zero when
	// absent or invalid.
	CacheMaxAge time.Duration
	Expires     time.Time
	Duration    time.Duration
}

// Release hands Body's memory back for later fetches to reuse. Callers
// that fetch often (the poller) call it once nothing refers to Body any
// more; Body is nil afterwards. Not calling it is fine: the memory is then
// collected as usual.
func (r *FetchResult) Release() {
	if r.Body != nil {
		putBodyBuffer(r.Body)
		r.Body = nil
	}
}

// Fetcher downloads feeds over HTTP(S). It is safe for concurrent use and
// keeps idle connections between fetches; create one per process.
//
// It does not use a proxy from the environment: the private-address guard
// checks the address actually dialled, which with a proxy would be the
// proxy's.
type Fetcher struct {
	client    *http.Client
	timeout   time.Duration
	maxBody   int64
	userAgent string
}

// NewFetcher returns a Fetcher configured by opts.
func NewFetcher(opts FetcherOptions) (*Fetcher, error) {
	switch {
	case opts.Timeout <= 0:
		return nil, fmt.Errorf("feeds: fetcher timeout must be positive, got %s", opts.Timeout)
	case opts.MaxBody <= 0:
		return nil, fmt.Errorf("feeds: fetcher max body must be positive, got %d", opts.MaxBody)
	case strings.TrimSpace(opts.UserAgent) == "":
		return nil, errors.New("feeds: fetcher user agent is required")
	}
	f := &Fetcher{timeout: opts.Timeout, maxBody: opts.MaxBody, userAgent: opts.UserAgent}
	rt := opts.Transport
	if rt == nil {
		rt = newTransport(f.timeout, cmp.Or(opts.IdleTimeout, 5*time.Second), opts.AllowPrivate, opts.AllowHosts)
	}
	f.client = &http.Client{Transport: rt, CheckRedirect: checkRedirect}
	return f, nil
}

func newTransport(timeout, idle time.Duration, allowPrivate bool, allowHosts []string) *http.Transport {
	return &http.Transport{
		Proxy:             nil, // see Fetcher
		DialContext:       newDialContext(timeout, allowPrivate, allowHosts),
		ForceAttemptHTTP2: true,
		// The poller polls one host's feeds one after another, a host
		// spacing (1 s) apart: a connection kept a few seconds serves them
		// all with one TCP and TLS handshake. Kept longer, connections to
		// hosts not polled again for minutes would only hold memory.
		MaxIdleConns:          1000,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       idle,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		// We ask for compression ourselves and decode it in readBody, so
		// that MaxBody limits the decoded size (a bomb stops at MaxBody).
		DisableCompression: true,
	}
}

// checkRedirect allows at most MaxRedirects redirects, to http and https
// only, and fails at once on a loop (a URL already visited in this fetch).
//
// Credentials do not follow a redirect to another host. net/http already
// drops Authorization and Cookie headers unless the new host is the same
// or a subdomain, and resolves a Location that names a host without the
// original URL's user:password; checkRedirect makes the rule strict (any
// other host or port, subdomains included) for headers, so that nothing a
// caller adds later leaks either. The Fetcher keeps no cookie jar.
func checkRedirect(req *http.Request, via []*http.Request) error {
	for _, prev := range via {
		if prev.URL.String() == req.URL.String() {
			return &FetchError{Class: ClassRedirect, URL: req.URL.String(),
				Err: fmt.Errorf("redirect loop after %d redirects", len(via))}
		}
	}
	if len(via) > MaxRedirects {
		return &FetchError{Class: ClassRedirect, URL: req.URL.String(),
			Err: fmt.Errorf("stopped after %d redirects", MaxRedirects)}
	}
	if s := req.URL.Scheme; s != "http" && s != "https" {
		return &FetchError{Class: ClassBadURL, URL: req.URL.String(),
			Err: fmt.Errorf("redirect to unsupported scheme %q", s)}
	}
	if !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
		for _, h := range []string{"Authorization", "Proxy-Authorization", "Cookie", "Cookie2"} {
			req.Header.Del(h)
		}
	}
	return nil
}

// permanentURL returns the URL that answered resp when every redirect
// followed to reach it was permanent (301 or 308), and "" when any was
// temporary or there was none. It walks back through Request.Response,
// the redirect that created each request.
func permanentURL(resp *http.Response) string {
	hops := 0
	for r := resp.Request; r.Response != nil; r = r.Response.Request {
		switch r.Response.StatusCode {
		case http.StatusMovedPermanently, http.StatusPermanentRedirect:
			hops++
		default:
			return ""
		}
	}
	if hops == 0 {
		return ""
	}
	return resp.Request.URL.String()
}

// Fetch performs one conditional GET of req.URL. It returns a *FetchResult
// for a 2xx or a 304 and a *FetchError for everything else, including non-2xx
// statuses. Cancelling ctx aborts the fetch (ClassCanceled); the Fetcher's
// Timeout applies on top of any deadline ctx carries.
func (f *Fetcher) Fetch(ctx context.Context, req FetchRequest) (*FetchResult, error) {
	start := time.Now()
	u, err := url.Parse(strings.TrimSpace(req.URL))
	if err != nil {
		return nil, &FetchError{Class: ClassBadURL, URL: req.URL, Err: err}
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &FetchError{Class: ClassBadURL, URL: req.URL,
			Err: errors.New("not an absolute http or https URL")}
	}

	fetchCtx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(fetchCtx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, &FetchError{Class: ClassBadURL, URL: req.URL, Err: err}
	}
	hreq.Header.Set("User-Agent", f.userAgent)
	hreq.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, "+
		"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
	hreq.Header.Set("Accept-Encoding", acceptEncoding)
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hreq.Header.Set("If-Modified-Since", req.LastModified)
	}

	resp, err := f.client.Do(hreq)
	if err != nil {
		return nil, classifyTransportError(ctx, u.String(), err)
	}
	defer resp.Body.Close()

	res := &FetchResult{
		StatusCode:   resp.StatusCode,
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		ContentType:  resp.Header.Get("Content-Type"),
		FinalURL:     resp.Request.URL.String(),
		PermanentURL: permanentURL(resp),
		CacheMaxAge:  cacheMaxAge(resp.Header),
		Expires:      expires(resp.Header),
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		res.NotModified = true
		if res.ETag == "" {
			res.ETag = req.ETag
		}
		if res.LastModified == "" {
			res.LastModified = req.LastModified
		}
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		body, err := readBody(resp, f.maxBody)
		if err != nil {
			if _, ok := errors.AsType[*FetchError](err); !ok {
				err = classifyTransportError(ctx, res.FinalURL, err)
			}
			return nil, err
		}
		res.Body = body
	default:
		// Read a little so the connection can be reused, then give up on it.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		return nil, statusError(resp, res.FinalURL, time.Now())
	}
	res.Duration = time.Since(start)
	return res, nil
}

func statusError(resp *http.Response, finalURL string, now time.Time) *FetchError {
	code := resp.StatusCode
	fe := &FetchError{StatusCode: code, URL: finalURL, Err: fmt.Errorf("HTTP %s", resp.Status)}
	switch {
	case code == http.StatusTooManyRequests:
		fe.Class = ClassHTTP429
		fe.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
	case code >= 500:
		fe.Class = ClassHTTP5xx
		if code == http.StatusServiceUnavailable {
			fe.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
		}
	case code >= 400:
		fe.Class = ClassHTTP4xx
	default: // a 3xx the client did not follow, e.g. without Location
		fe.Class = ClassRedirect
	}
	return fe
}

// classifyTransportError turns an error from the HTTP client or from reading
// the body into a *FetchError. ctx is the caller's context (not the one
// carrying our timeout), used to tell a shutdown from a timeout.
func classifyTransportError(ctx context.Context, rawURL string, err error) error {
	if fe, ok := errors.AsType[*FetchError](err); ok {
		return fe // from checkRedirect
	}
	class := ClassNetwork
	var dnsErr *net.DNSError
	switch {
	case isBlocked(err):
		class = ClassBlocked
	case errors.Is(ctx.Err(), context.Canceled):
		class = ClassCanceled
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		class = ClassTimeout
	case errors.As(err, &dnsErr):
		class = ClassDNS
	case isTLS(err):
		class = ClassTLS
	}
	// url.Error repeats the method and URL we already carry; a refused
	// address says all there is without "dial tcp …".
	if be, ok := errors.AsType[*blockedAddrError](err); ok {
		err = be
	} else if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	return &FetchError{Class: class, URL: rawURL, Err: err}
}

func isBlocked(err error) bool {
	_, ok := errors.AsType[*blockedAddrError](err)
	return ok
}

func isTimeout(err error) bool {
	ne, ok := errors.AsType[net.Error](err)
	return ok && ne.Timeout()
}

func isTLS(err error) bool {
	if _, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		return true
	}
	if _, ok := errors.AsType[tls.RecordHeaderError](err); ok {
		return true
	}
	if _, ok := errors.AsType[tls.AlertError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.UnknownAuthorityError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.HostnameError](err); ok {
		return true
	}
	if _, ok := errors.AsType[x509.CertificateInvalidError](err); ok {
		return true
	}
	// Many handshake failures are plain errors.New("tls: ...") values.
	return strings.Contains(err.Error(), "tls: ")
}
