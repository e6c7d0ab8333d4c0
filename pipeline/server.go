package pipeline

import (
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/rs/zerolog"
)

// EmbeddedOptions configures the in-process nats-server.
type EmbeddedOptions struct {
	Listen   string // host:port; port 0 picks a free one (tests)
	StoreDir string // JetStream store directory, created if missing
	Name     string // server name, default "newswire"

	// SyncInterval is how often JetStream fsyncs its store; zero keeps
	// nats-server's default (2 minutes). A process crash loses nothing
	// either way (every write reaches the kernel before it is
	// acknowledged); a power loss or kernel crash can lose what was
	// written since the last fsync.
	SyncInterval time.Duration
	// SyncAlways fsyncs after every write, before it is acknowledged:
	// nothing acknowledged is lost to a power loss, at a cost in
	// throughput (bench/README.md). SyncInterval is then ignored.
	SyncAlways bool

	// OnWarning, if set, is given every warning and error line the server
	// logs (StoreWatch.Report finds the damage it reports in them).
	OnWarning func(line string)
}

// EmbeddedServer is a real nats-server with JetStream running inside the
// daemon's process. Other processes on the machine reach it on Listen.
type EmbeddedServer struct {
	ns   *server.Server
	lock *storeLock
}

// StartEmbedded locks the store directory, starts the server and waits
// until it accepts connections. A store another process holds is refused
// with ErrStoreInUse, naming its pid. The caller must call Shutdown.
func StartEmbedded(opts EmbeddedOptions, log zerolog.Logger) (*EmbeddedServer, error) {
	host, portStr, err := net.SplitHostPort(opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("pipeline: embedded listen %q: %w", opts.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("pipeline: embedded listen %q: bad port", opts.Listen)
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	name := opts.Name
	if name == "" {
		name = "newswire"
	}
	if opts.SyncInterval < 0 {
		return nil, fmt.Errorf("pipeline: embedded sync interval %s: must not be negative", opts.SyncInterval)
	}
	lock, err := lockStore(opts.StoreDir)
	if err != nil {
		return nil, err
	}
	ns, err := server.NewServer(&server.Options{
		ServerName:   name,
		Host:         host,
		Port:         port,
		JetStream:    true,
		StoreDir:     opts.StoreDir,
		SyncInterval: opts.SyncInterval,
		SyncAlways:   opts.SyncAlways,
		NoSigs:       true, // the daemon owns the signals
		MaxPayload:   8 << 20,
	})
	if err != nil {
		lock.unlock()
		return nil, fmt.Errorf("pipeline: embedded server: %w", err)
	}
	ns.SetLoggerV2(serverLogger{log: log.With().Str("component", "nats-server").Logger(), onWarning: opts.OnWarning}, false, false, false)
	go ns.Start()
	if !ns.ReadyForConnections(15 * time.Second) {
		ns.Shutdown()
		ns.WaitForShutdown()
		lock.unlock()
		return nil, fmt.Errorf("pipeline: embedded server on %s did not become ready (is the port in use or %s not writable?)", opts.Listen, opts.StoreDir)
	}
	es := &EmbeddedServer{ns: ns, lock: lock}
	log.Info().Str("component", "nats-server").Str("store_dir", opts.StoreDir).Str("sync_interval", es.SyncPolicy()).
		Msg("JetStream store ready")
	return es, nil
}

// SyncPolicy describes how the server's JetStream store reaches the disk:
// "always" (fsync after every write) or the interval between fsyncs, as
// the server applies it.
func (s *EmbeddedServer) SyncPolicy() string {
	cfg := s.ns.JetStreamConfig()
	switch {
	case cfg == nil:
		return "no JetStream"
	case cfg.SyncAlways:
		return "always"
	}
	return cfg.SyncInterval.String()
}

// ClientURL is the nats:// URL clients use to connect.
func (s *EmbeddedServer) ClientURL() string { return s.ns.ClientURL() }

// InProcess is the connect option that makes a nats.Conn in this process
// talk to the server through memory instead of a loopback TCP socket: the
// same protocol, without a system call per read and write on either side.
// Other processes still use ClientURL.
func (s *EmbeddedServer) InProcess() nats.Option { return nats.InProcessServer(s.ns) }

// Shutdown stops the server, waits for it to flush its store and then
// releases the store's lock.
func (s *EmbeddedServer) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
	s.lock.unlock()
}

// serverLogger routes nats-server's log lines into zerolog.
type serverLogger struct {
	log       zerolog.Logger
	onWarning func(string)
}

// Noticef logs the server's notices (its start-up banner is about 25 of
// them) at debug level: newswire says at info what matters (the store, the
// URL, readiness); warnings and errors stay at their levels.
func (l serverLogger) Noticef(format string, v ...any) { l.log.Debug().Msgf(format, v...) }
func (l serverLogger) Warnf(format string, v ...any) {
	l.log.Warn().Msgf(format, v...)
	l.report(format, v)
}
func (l serverLogger) Fatalf(format string, v ...any) {
	l.log.Error().Msgf(format, v...)
	l.report(format, v)
}
func (l serverLogger) Errorf(format string, v ...any) {
	l.log.Error().Msgf(format, v...)
	l.report(format, v)
}

func (l serverLogger) report(format string, v []any) {
	if l.onWarning != nil {
		l.onWarning(fmt.Sprintf(format, v...))
	}
}
func (l serverLogger) Debugf(format string, v ...any) { l.log.Debug().Msgf(format, v...) }
func (l serverLogger) Tracef(format string, v ...any) { l.log.Trace().Msgf(format, v...) }
