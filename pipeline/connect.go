package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"
)

// ErrNoBroker is wrapped by Connect's error when nothing answered at the
// URL within the wait.
var ErrNoBroker = errors.New("no broker")

// Connect dials url (one URL or a comma list). While nothing answers it
// tries again every second for up to wait (0: once), or until ctx is done;
// once connected it keeps reconnecting for ever: a broker restart pauses
// the daemon, it does not end it. Refused credentials or TLS and a bad URL
// fail at once. ctx bounds only the dialling, not the connection's life.
func Connect(ctx context.Context, url, name string, wait time.Duration, log zerolog.Logger, opts ...nats.Option) (*nats.Conn, error) {
	log = log.With().Str("component", "nats").Logger()
	base := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.RetryOnFailedConnect(false),
		nats.Timeout(2 * time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn().Err(err).Msg("disconnected from NATS")
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info().Str("url", nc.ConnectedUrlRedacted()).Msg("reconnected to NATS")
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			log.Warn().Err(err).Msg("NATS async error")
		}),
	}
	deadline := time.Now().Add(wait)
	for {
		nc, err := nats.Connect(url, append(base, opts...)...)
		if err == nil {
			return nc, nil
		}
		if !errors.Is(err, nats.ErrNoServers) {
			return nil, fmt.Errorf("pipeline: connect to NATS at %s: %w", url, err)
		}
		if ctx.Err() != nil || !time.Now().Before(deadline) {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("pipeline: connect to NATS at %s: %w", url, ctx.Err())
			}
			return nil, fmt.Errorf("pipeline: %w at %s (%v)", ErrNoBroker, url, err)
		}
		log.Warn().Err(err).Str("url", url).Dur("gives_up_in", time.Until(deadline).Round(time.Second)).Msg("NATS not reachable yet; retrying")
		sleep(ctx, time.Second)
	}
}
