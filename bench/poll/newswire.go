package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/newswire/newswire/configs"
	"github.com/newswire/newswire/internal/daemon"
	"github.com/newswire/newswire/pipeline"
	"github.com/newswire/newswire/worker"
)

// newswirePoller is newswire's poller wired as the daemon wires it
// (cmd/newswire/daemon.go), on an embedded NATS server in this process:
// its CPU time is part of what is measured.
type newswirePoller struct {
	dir    string
	server *pipeline.EmbeddedServer
	nc     *nats.Conn
	polls  *prometheus.Registry // only newswire_polls_total: gathering every per-feed series would cost CPU
	poller *worker.Poller

	cancel context.CancelFunc
	done   chan error
}

func newswireSide(ctx context.Context, c config, urls []string) (p poller, err error) {
	s := &newswirePoller{}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	s.dir, err = os.MkdirTemp("", "newswire-bench-*")
	if err != nil {
		return nil, err
	}
	// The daemon logs JSON at info level; the lines are formatted but not
	// written anywhere.
	log := zerolog.New(io.Discard).Level(zerolog.InfoLevel).With().Timestamp().Logger()
	s.server, err = pipeline.StartEmbedded(pipeline.EmbeddedOptions{Listen: "127.0.0.1:0", StoreDir: s.dir}, log)
	if err != nil {
		return nil, err
	}
	s.nc, err = pipeline.Connect(context.Background(), s.server.ClientURL(), "newswire-bench", 0, log, s.server.InProcess())
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(s.nc)
	if err != nil {
		return nil, err
	}
	setupCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := pipeline.EnsureTopology(setupCtx, js, pipeline.DefaultTopology())
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry() // what the daemon's /metrics would serve
	metrics := pipeline.NewMetrics(reg)
	pm := worker.NewMetrics(reg, metrics.Published.WithLabelValues("poll"), true)
	s.polls = prometheus.NewRegistry()
	s.polls.MustRegister(pm.Polls)
	poll := configs.Default().Poll // the shipped settings, but for what the benchmark pins
	poll.Interval, poll.Concurrency = configs.Duration(c.interval), c.concurrency
	poll.AllowPrivate = true // the feeds are on 127.1.x.y
	s.poller, err = daemon.NewPoller(poll, pipeline.NewRawPublisher(js), res.FeedState, pm, log)
	if err != nil {
		return nil, err
	}
	specs := make([]worker.FeedSpec, len(urls))
	for i, u := range urls {
		// A pinned interval: every feed is polled every c.interval whatever
		// an adaptive schedule would choose.
		specs[i] = worker.FeedSpec{ID: fmt.Sprintf("f%05d", i), URL: u, Interval: c.interval}
	}
	s.poller.Sync(specs)
	return s, nil
}

// start runs the poller. Its schedule paces it, so it polls until stop.
func (s *newswirePoller) start(_, _ int64, _ <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan error, 1)
	go func() { s.done <- s.poller.Run(ctx) }()
}

// progress reads newswire_polls_total by result from the poller's metrics.
func (s *newswirePoller) progress() map[string]int64 {
	out := map[string]int64{}
	families, err := s.polls.Gather()
	if err != nil {
		return out
	}
	for _, mf := range families {
		if mf.GetName() != "newswire_polls_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			result := "?"
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" {
					result = l.GetValue()
				}
			}
			out[result] += int64(m.GetCounter().GetValue())
		}
	}
	return out
}

func (s *newswirePoller) stop() error {
	s.cancel()
	return <-s.done
}

func (s *newswirePoller) close() {
	if s.nc != nil {
		s.nc.Close()
	}
	if s.server != nil {
		s.server.Shutdown()
	}
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}
