package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Broker error kinds, as Classify names them (and the metrics label them).
const (
	KindStorageFull = "storage_full" // the server or account is out of JetStream storage
	KindUnavailable = "unavailable"  // no connection, no responders, no stream leader
	KindTimeout     = "timeout"      // no answer within the attempt's deadline
	KindTooLarge    = "too_large"    // the message exceeds the server's limits: never retried
	KindOther       = "other"
)

// Classify names the kind of a broker error: what went wrong on the broker's
// side rather than with the article. "" means err is not a broker error.
func Classify(err error) string {
	if err == nil {
		return ""
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode {
		case errCodeInsufficientResources, errCodeStorageResourcesExceeded, errCodeAccountResourcesExceeded, errCodeMemoryResourcesExceeded:
			return KindStorageFull
		case jetstream.JSErrCodeStreamMessageExceedsMaximum:
			return KindTooLarge
		case jetstream.JSErrCodeStreamNotFound, jetstream.JSErrCodeJetStreamNotEnabled, jetstream.JSErrCodeJetStreamNotEnabledForAccount,
			errCodeStreamOffline, errCodeClusterNotAvailable, errCodeClusterNoPeers:
			return KindUnavailable
		}
		if strings.Contains(apiErr.Description, "resources") || strings.Contains(apiErr.Description, "storage") {
			return KindStorageFull
		}
		return KindOther
	}
	switch {
	case errors.Is(err, nats.ErrMaxPayload):
		return KindTooLarge
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrTimeout), errors.Is(err, jetstream.ErrAsyncPublishTimeout):
		return KindTimeout
	case errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrConnectionClosed),
		errors.Is(err, nats.ErrDisconnected), errors.Is(err, nats.ErrConnectionReconnecting), errors.Is(err, nats.ErrConnectionDraining),
		errors.Is(err, jetstream.ErrJetStreamNotEnabled), errors.Is(err, jetstream.ErrStreamNotFound):
		return KindUnavailable
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "insufficient resources"), strings.Contains(msg, "resources exceeded"), strings.Contains(msg, "no space left"):
		return KindStorageFull
	case strings.Contains(msg, "maximum payload"), strings.Contains(msg, "message size exceeds"):
		return KindTooLarge
	}
	return ""
}

// JetStream API error codes Classify recognises that nats.go does not name.
const (
	errCodeInsufficientResources    = 10023
	errCodeStorageResourcesExceeded = 10047
	errCodeMemoryResourcesExceeded  = 10028
	errCodeAccountResourcesExceeded = 10002
	errCodeStreamOffline            = 10118
	errCodeClusterNotAvailable      = 10008
	errCodeClusterNoPeers           = 10005
)

// ErrRetry, returned by a function given to Retry, asks for another attempt.
var ErrRetry = errors.New("pipeline: try again")

// retryable reports whether another attempt of the same request may succeed
// within Retry: the broker was away or slow, not the request wrong. A full
// store is not retried here: storage comes back when an operator frees it,
// not in milliseconds, so the message goes back to the Runner, which
// retries it with a growing delay and reports the condition.
func retryable(err error) bool {
	switch Classify(err) {
	case KindUnavailable, KindTimeout:
		return true
	}
	return errors.Is(err, ErrRetry)
}

// AttemptTimeout bounds one request to the broker inside Retry; a broker
// restart or a leader election then costs a retry, not the whole message's
// deadline.
const AttemptTimeout = 5 * time.Second

// Retry calls fn with a per-attempt deadline of AttemptTimeout until it
// succeeds, fails with an error that is not retryable, or ctx ends. Requests
// passed to Retry must be idempotent: publishes carry a Nats-Msg-Id, KV
// creates recognise their own earlier claim.
func Retry(ctx context.Context, fn func(ctx context.Context) error) error {
	return retry(ctx, AttemptTimeout, retryable, fn)
}

// retry calls fn with a deadline of attempt per call until it succeeds,
// again(err) is false, or ctx ends, waiting 50 ms, then twice as long each
// time up to 2 s, between attempts.
func retry(ctx context.Context, attempt time.Duration, again func(error) bool, fn func(ctx context.Context) error) error {
	delay := 50 * time.Millisecond
	for {
		actx, cancel := context.WithTimeout(ctx, attempt)
		err := fn(actx)
		cancel()
		if err == nil || !again(err) || ctx.Err() != nil {
			if err != nil && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
				return fmt.Errorf("%w (gave up: %v)", err, ctx.Err())
			}
			return err
		}
		sleep(ctx, delay)
		delay = min(delay*2, 2*time.Second)
	}
}
