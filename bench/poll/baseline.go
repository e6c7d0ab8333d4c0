package main

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/mmcdole/gofeed"
)

// baselinePoller is what many feed readers do: gofeed's ParseURL on every
// feed in a loop, with a pool of workers. ParseURL sends no conditional
// headers, so every feed that would answer 304 sends its whole document.
type baselinePoller struct {
	urls    []string
	workers int

	quit     chan struct{}
	mu       sync.Mutex
	outcomes map[string]int64
	wg       sync.WaitGroup
}

func baselineSide(_ context.Context, c config, urls []string) (poller, error) {
	return &baselinePoller{urls: urls, workers: c.concurrency, quit: make(chan struct{}), outcomes: map[string]int64{}}, nil
}

// start polls every feed in turn, round after round, until total polls;
// after the warm-up it waits for measure.
func (b *baselinePoller) start(warm, total int64, measure <-chan struct{}) {
	jobs := make(chan string, b.workers)
	go func() {
		defer close(jobs)
		for n := int64(0); n < total; n++ {
			if n == warm {
				select {
				case <-measure:
				case <-b.quit:
					return
				}
			}
			select {
			case jobs <- b.urls[n%int64(len(b.urls))]:
			case <-b.quit:
				return
			}
		}
	}()
	for range b.workers {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			fp := gofeed.NewParser() // one per worker: nothing shared but the default HTTP client
			for u := range jobs {
				_, err := fp.ParseURL(u)
				b.record(outcome(err))
			}
		}()
	}
}

func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	if he, ok := errors.AsType[gofeed.HTTPError](err); ok {
		return "http_" + strconv.Itoa(he.StatusCode)
	}
	return "error"
}

func (b *baselinePoller) record(o string) {
	b.mu.Lock()
	b.outcomes[o]++
	b.mu.Unlock()
}

func (b *baselinePoller) progress() map[string]int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]int64, len(b.outcomes))
	for k, v := range b.outcomes {
		out[k] = v
	}
	return out
}

// stop hands out no further feeds and waits for the polls in progress.
// After a normal run every feed has been handed out already.
func (b *baselinePoller) stop() error {
	close(b.quit)
	b.wg.Wait()
	return nil
}

func (b *baselinePoller) close() {}
