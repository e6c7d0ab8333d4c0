package feeds

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrorClass says what kind of failure a fetch or parse met, in words that
// are stable enough to be used as a metric label and stored as feed state.
type ErrorClass string

// The error classes. A scheduler typically retries network, timeout, dns,
// http_5xx and http_429 sooner than the others, and honours RetryAfter.
const (
	ClassNetwork  ErrorClass = "network"   // connection refused or reset, protocol errors
	ClassTimeout  ErrorClass = "timeout"   // the Fetcher's timeout or the caller's deadline
	ClassCanceled ErrorClass = "canceled"  // the caller's context was cancelled (shutdown): not the feed's fault
	ClassDNS      ErrorClass = "dns"       // the host name did not resolve
	ClassTLS      ErrorClass = "tls"       // handshake or certificate failure
	ClassHTTP4xx  ErrorClass = "http_4xx"  // a 4xx status other than 429
	ClassHTTP5xx  ErrorClass = "http_5xx"  // a 5xx status (RetryAfter set on 503 when given)
	ClassHTTP429  ErrorClass = "http_429"  // Too Many Requests (RetryAfter set when given)
	ClassRedirect ErrorClass = "redirect"  // more than MaxRedirects, or a redirect that cannot be followed
	ClassTooLarge ErrorClass = "too_large" // the decoded body exceeded MaxBody
	ClassBlocked  ErrorClass = "blocked"   // the address is private, loopback, link-local, … and AllowPrivate is off
	ClassBadURL   ErrorClass = "bad_url"   // unparsable URL or a scheme other than http and https
	ClassParse    ErrorClass = "parse"     // the body looked like a feed but gofeed could not read it
	ClassNotFeed  ErrorClass = "not_feed"  // the body is not RSS, Atom or JSON Feed
	ClassUnknown  ErrorClass = "unknown"   // an error that is not a *FetchError and not a context error
)

// FetchError is the error Fetch, Parse and ParseBody return. Callers that
// need to react to the failure (back off, honour Retry-After, stop polling a
// gone feed) read its fields; others can just print it.
type FetchError struct {
	Class ErrorClass
	// StatusCode is the HTTP status of the final response, 0 when there was none.
	StatusCode int
	// RetryAfter is the server's Retry-After on a 429 or 503, 0 when absent or
	// already past. It is not capped: how much of it to honour is the
	// scheduler's decision.
	RetryAfter time.Duration
	// URL is the URL being fetched when the error happened (after redirects);
	// empty for parse errors.
	URL string
	Err error
}

// Error returns "feeds: <class>: <url>: <cause>", leaving out empty parts.
func (e *FetchError) Error() string {
	var b strings.Builder
	b.WriteString("feeds: ")
	b.WriteString(string(e.Class))
	if e.URL != "" {
		b.WriteString(": ")
		b.WriteString(e.URL)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	} else if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": status %d", e.StatusCode)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

// Unwrap returns the underlying cause, so errors.Is(err,
// context.DeadlineExceeded) and similar keep working.
func (e *FetchError) Unwrap() error { return e.Err }

// ClassOf returns the class of err: the Class of the first *FetchError in its
// chain, ClassTimeout or ClassCanceled for bare context errors, ClassUnknown
// for anything else, and "" for nil.
func ClassOf(err error) ErrorClass {
	if err == nil {
		return ""
	}
	if fe, ok := errors.AsType[*FetchError](err); ok {
		return fe.Class
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return ClassTimeout
	case errors.Is(err, context.Canceled):
		return ClassCanceled
	}
	return ClassUnknown
}

// parseRetryAfter reads a Retry-After header: either delta-seconds or an HTTP
// date. Unparsable values and dates in the past give 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		// Beyond ~292 years a Duration overflows; nobody means that.
		const maxSecs = int64(1<<63-1) / int64(time.Second)
		return time.Duration(min(secs, maxSecs)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}
