package pipeline

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/rs/zerolog"
)

// Handler processes one input message. It publishes its outputs itself (with
// Publish, which waits for the broker's ack) and returns nil only when all of
// them are stored. It must be safe to call concurrently and idempotent for a
// redelivered message.
type Handler func(ctx context.Context, msg jetstream.Msg) error

// PermanentError marks an input that can never be processed (bad JSON, a
// wrong schema): it is dead-lettered at once instead of being retried.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a PermanentError.
func Permanent(err error) error { return &PermanentError{Err: err} }

// RunnerOptions configures a Runner. Zero values take the defaults noted.
type RunnerOptions struct {
	Stage       string        // stage name, used in logs, metrics and news.dead.<stage>
	Stream      string        // input stream
	Consumer    string        // durable consumer on Stream, shared by all replicas
	Concurrency int           // messages handled at once, default 64
	Batch       int           // messages per pull, default 64
	MaxDeliver  int           // deliveries of a failing article before dead-lettering, default 5
	RetryDelay  time.Duration // base delay of a retry, doubled per delivery, default 1s
	// Order, when set, is filed with every message received, so that the
	// handler can settle conflicts in the order the stream stored them
	// (see StoreOrder).
	Order *StoreOrder
	// Timeout is the per-message processing deadline, default 30s. A
	// handler that returns after it (and not because the broker is
	// blocked) has failed: retried, then dead-lettered after MaxDeliver
	// deliveries. One still running past it marks the stage stuck.
	Timeout time.Duration
}

func (o RunnerOptions) withDefaults() RunnerOptions {
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	if o.Batch <= 0 {
		o.Batch = 64
	}
	if o.MaxDeliver <= 0 {
		o.MaxDeliver = 5
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	return o
}

// Runner pulls from a durable consumer and applies newswire's ack rule to a
// Handler: success → ack; permanent error (or a message too large for the
// broker) → dead-letter, then terminate; a broker error (out of storage,
// unavailable, timeout: see Classify) → nak with a growing delay, for as long
// as it takes, reported to Health; any other error or a panic → nak with a
// growing delay, and dead-letter once MaxDeliver deliveries are used up. A
// message is terminated only after its dead letter is stored, so nothing is
// dropped silently; the consumer's own MaxDeliver is unlimited, so the
// Runner, not the server, decides when to give up.
type Runner struct {
	js       jetstream.JetStream
	opts     RunnerOptions
	handle   Handler
	metrics  *Metrics
	log      zerolog.Logger
	inflight *inflight
}

// NewRunner returns a Runner; Run starts it.
func NewRunner(js jetstream.JetStream, opts RunnerOptions, h Handler, m *Metrics, log zerolog.Logger) *Runner {
	opts = opts.withDefaults()
	return &Runner{js: js, opts: opts, handle: h, metrics: m, log: log.With().Str("component", opts.Stage).Logger(), inflight: newInflight()}
}

// Run pulls and handles messages until ctx is cancelled, then stops pulling,
// lets the messages in hand finish (they are not cut off by ctx) and returns
// nil. It returns an error only when the consumer does not exist (a broker
// that is away is waited for).
func (r *Runner) Run(ctx context.Context) error {
	var cons jetstream.Consumer
	err := Retry(ctx, func(ctx context.Context) error {
		var err error
		cons, err = r.js.Consumer(ctx, r.opts.Stream, r.opts.Consumer)
		return err
	})
	if ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pipeline: %s: consumer %s/%s: %w", r.opts.Stage, r.opts.Stream, r.opts.Consumer, err)
	}
	sem := make(chan struct{}, r.opts.Concurrency)
	// The watch is stopped after wg.Wait below (defers run last first),
	// so it sees the last messages finish; Run returns once it has ended.
	watchCtx, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	watched := make(chan struct{})
	defer func() { stopWatch(); <-watched }()
	go func() { defer close(watched); r.watch(watchCtx, watchInterval) }()
	r.metrics.StartStage(r.opts.Stage)
	lagCtx, stopLag := context.WithCancel(ctx)
	defer stopLag()
	go r.watchLag(lagCtx, cons, lagInterval)
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		batch, err := cons.Fetch(r.opts.Batch, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			r.log.Warn().Err(err).Msg("pull failed; retrying")
			sleep(ctx, time.Second)
			continue
		}
		for msg := range batch.Messages() {
			sem <- struct{}{}
			wg.Add(1)
			seq, delivered := position(msg)
			r.opts.Order.arrive(seq) // in delivery order, before any handler runs
			go func() {
				defer func() { r.opts.Order.leave(seq); <-sem; wg.Done() }()
				r.process(context.WithoutCancel(ctx), msg, seq, delivered)
			}()
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && ctx.Err() == nil {
			r.log.Debug().Err(err).Msg("pull ended early")
		}
	}
	return nil
}

// position returns msg's stream sequence and delivery count: 0 and 1 for a
// message without JetStream metadata.
func position(msg jetstream.Msg) (seq, delivered uint64) {
	meta, err := msg.Metadata()
	if err != nil {
		return 0, 1
	}
	return meta.Sequence.Stream, meta.NumDelivered
}

func (r *Runner) process(ctx context.Context, msg jetstream.Msg, seq, delivered uint64) {
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	key := r.inflight.add(seq)
	defer r.inflight.done(key)
	err := r.safeHandle(ctx, msg)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && !r.metrics.Health().brokerBlocked() {
		// The message's own deadline passed while the broker was fine:
		// the work is too much, not the broker too slow. It counts
		// towards MaxDeliver like any failure, never held without end.
		err = fmt.Errorf("processing exceeded the stage's %s deadline: %w", r.opts.Timeout, errDeadline{err})
	}
	var perm *PermanentError
	switch kind := Classify(err); {
	case err == nil:
		if err := msg.Ack(); err != nil {
			// The outputs are stored; a lost ack only means a redelivery,
			// which the outputs' Nats-Msg-Id makes harmless.
			r.log.Warn().Err(err).Uint64("seq", seq).Msg("ack failed")
		}
		if c, ended := r.metrics.Health().OK(r.opts.Stage); ended {
			r.log.Info().Str("was", c.String()).Msg("broker writes succeed again; resuming")
		}
		r.metrics.stageResult(r.opts.Stage, "ok")
	case errors.As(err, &perm) || kind == KindTooLarge:
		r.deadLetter(ctx, msg, seq, delivered, err)
	case kind != "":
		// The broker's trouble, not the article's: retry for as long as it
		// takes, never dead-letter (the consumer's MaxDeliver is unlimited).
		r.holdForBroker(msg, seq, delivered, err)
	case delivered >= uint64(r.opts.MaxDeliver):
		r.deadLetter(ctx, msg, seq, delivered, err)
	default:
		delay := r.opts.RetryDelay << min(delivered-1, 6)
		r.log.Warn().Err(err).Uint64("seq", seq).Uint64("delivered", delivered).Dur("retry_in", delay).Msg("processing failed; will retry")
		_ = msg.NakWithDelay(delay)
		r.metrics.stageResult(r.opts.Stage, "retry")
	}
}

// holdForBroker hands msg back for a retry after a broker error: with a
// delay growing per delivery up to maxBrokerRetryDelay, reported to Health
// (logged loudly once when the condition starts).
func (r *Runner) holdForBroker(msg jetstream.Msg, seq, delivered uint64, err error) {
	delay := min(r.opts.RetryDelay<<min(delivered-1, 6), maxBrokerRetryDelay)
	if r.metrics.Health().Fail(r.opts.Stage, err) {
		r.log.Error().Err(err).Str("kind", Classify(err)).Msg("broker refuses writes; holding messages until it recovers (see /readyz)")
	} else {
		r.log.Debug().Err(err).Uint64("seq", seq).Uint64("delivered", delivered).Dur("retry_in", delay).Msg("broker error; will retry")
	}
	_ = msg.NakWithDelay(delay)
	r.metrics.stageResult(r.opts.Stage, "retry")
}

// maxBrokerRetryDelay caps the delay between retries of a message held back
// by a broker error, so that work resumes within this long of the broker's
// recovery.
const maxBrokerRetryDelay = 15 * time.Second

// safeHandle turns a handler panic into an error so one bad article cannot
// take the stage down.
func (r *Runner) safeHandle(ctx context.Context, msg jetstream.Msg) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error().Str("panic", fmt.Sprint(p)).Bytes("stack", debug.Stack()).Msg("handler panicked")
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return r.handle(ctx, msg)
}

func (r *Runner) deadLetter(ctx context.Context, msg jetstream.Msg, seq, delivered uint64, cause error) {
	reason := fmt.Sprintf("%s (delivery %d)", cause, delivered)
	out := nats.NewMsg(DeadSubject(r.opts.Stage))
	out.Data = msg.Data()
	for k, v := range msg.Headers() {
		if k != jetstream.MsgIDHeader {
			out.Header[k] = v
		}
	}
	out.Header.Set(HeaderDeadReason, reason)
	out.Header.Set(HeaderDeadStage, r.opts.Stage)
	out.Header.Set(HeaderDeadSubject, msg.Subject())
	out.Header.Set(HeaderDeadStream, r.opts.Stream)
	out.Header.Set(HeaderDeadSequence, strconv.FormatUint(seq, 10))
	if limit := r.js.Conn().MaxPayload(); int64(len(out.Data))+deadHeaderRoom > limit {
		// Too large to store twice under the server's limit: the dead
		// letter names the input's stream and sequence instead, where the
		// body stays for the stream's max age.
		out.Header.Set(HeaderDeadBody, fmt.Sprintf("omitted: %d bytes; read it from %s sequence %d", len(out.Data), r.opts.Stream, seq))
		out.Data = nil
	}
	// The message's own deadline may have passed (that may be why it is
	// dead): the dead letter gets time of its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deadLetterTimeout)
	defer cancel()
	out.Header.Set(jetstream.MsgIDHeader, r.opts.Stage+":"+strconv.FormatUint(seq, 10))
	if err := PublishAll(ctx, r.js, []*nats.Msg{out}); err != nil {
		// Keep the input: better a redelivery than a lost message.
		r.log.Error().Err(err).Uint64("seq", seq).Msg("dead-letter publish failed; will retry the message")
		r.holdForBroker(msg, seq, delivered, err)
		return
	}
	if err := msg.TermWithReason(reason); err != nil {
		r.log.Warn().Err(err).Uint64("seq", seq).Msg("terminate failed")
	}
	r.log.Error().Str("reason", reason).Uint64("seq", seq).Str("subject", msg.Subject()).Msg("message dead-lettered")
	r.metrics.stageResult(r.opts.Stage, "dead")
}

// deadLetterTimeout bounds the publish of one dead letter.
const deadLetterTimeout = 10 * time.Second

// deadHeaderRoom is what a dead letter's headers may take beside its body.
const deadHeaderRoom = 8 << 10

// lagInterval is how often a Runner reads its consumer's lag.
const lagInterval = 10 * time.Second

// watchLag reports the messages waiting on the Runner's consumer
// (newswire_stage_pending_messages) every interval until ctx is done: one
// consumer-info request, with a short deadline, off the message path.
func (r *Runner) watchLag(ctx context.Context, cons jetstream.Consumer, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		actx, cancel := context.WithTimeout(ctx, 2*time.Second)
		info, err := cons.Info(actx)
		cancel()
		if err == nil {
			r.metrics.setPending(r.opts.Stage, info.NumPending+uint64(info.NumAckPending))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// watchInterval is how often a Runner looks at its oldest message.
const watchInterval = time.Second

// errDeadline hides a handler's error behind a processing deadline, so that
// Classify does not take the context's expiry for a broker timeout.
type errDeadline struct{ err error }

func (e errDeadline) Error() string { return e.err.Error() }

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
