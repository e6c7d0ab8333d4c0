package pipeline

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"
)

// ConnectWait is how long Connect keeps trying a broker that does not
// answer at start (a broker restarting, started after newswire) before it
// gives up with an error.
var ConnectWait = time.Minute

// Connect dials url (one URL or a comma list), for up to ConnectWait, and
// then keeps reconnecting for ever: a broker restart pauses the daemon, it
// does not end it.
func Connect(url, name string, log zerolog.Logger, opts ...nats.Option) (*nats.Conn, error) {
	log = log.With().Str("component", "nats").Logger()
	base := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.RetryOnFailedConnect(false),
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
	deadline := time.Now().Add(ConnectWait)
	for {
		nc, err := nats.Connect(url, append(base, opts...)...)
		if err == nil {
			return nc, nil
		}
		if !errors.Is(err, nats.ErrNoServers) || time.Now().After(deadline) {
			// Refused credentials or TLS, a bad URL: no point waiting.
			return nil, fmt.Errorf("pipeline: connect to NATS at %s: %w", url, err)
		}
		log.Warn().Err(err).Str("url", url).Msg("NATS not reachable yet; retrying")
		time.Sleep(time.Second)
	}
}
