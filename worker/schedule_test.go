package worker

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/newswire/newswire/feeds"
)

func TestNextSlotKeepsPhase(t *testing.T) {
	t.Parallel()
	iv := 5 * time.Minute
	base := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for _, id := range []string{"bbc", "aljazeera", "x"} {
		phase := fnvHash(id)
		off := slotOffset(phase, iv)
		for _, t0 := range []time.Time{base, base.Add(17 * time.Second), base.Add(iv + 3*time.Second)} {
			got := nextSlot(t0, phase, iv)
			if got.Before(t0) || got.Sub(t0) >= iv {
				t.Errorf("%s: nextSlot(%v) = %v, want within one interval after", id, t0, got)
			}
			if phase := time.Duration(got.UnixNano() % int64(iv)); phase != off {
				t.Errorf("%s: slot phase = %v, want the feed's offset %v", id, phase, off)
			}
		}
	}
}

// benchSpecs is n feeds, perHost on each host.
func benchSpecs(n, perHost int) []FeedSpec {
	specs := make([]FeedSpec, n)
	for i := range specs {
		specs[i] = FeedSpec{ID: fmt.Sprintf("feed-%d", i), URL: fmt.Sprintf("https://host%d.example/feed/%d.xml", i/perHost, i)}
	}
	return specs
}

// 10,000 feeds on 2,500 hosts with one interval spread evenly over it: no
// tenth of the interval holds more than 12% of them.
func TestSlotsSpreadEvenly(t *testing.T) {
	t.Parallel()
	iv := 5 * time.Minute
	var buckets [10]int
	const n = 10000
	for _, phase := range feedPhases(benchSpecs(n, 4), time.Second) {
		buckets[slotOffset(phase, iv)*10/iv]++
	}
	for i, c := range buckets {
		if c > n*12/100 || c < n*8/100 {
			t.Errorf("tenth %d of the interval holds %d feeds, want about %d", i, c, n/10)
		}
	}
}

// One host's feeds come due one gap apart, in an order that does not
// depend on the order of the configuration, and a feed added to another
// host moves none of them.
func TestHostFeedsComeDueOneAfterAnother(t *testing.T) {
	t.Parallel()
	gap := time.Second
	specs := benchSpecs(12, 6) // two hosts
	phases := feedPhases(specs, gap)
	var offs []uint64
	for _, s := range specs[:6] {
		offs = append(offs, phases[s.ID])
	}
	slices.Sort(offs)
	for k := 1; k < len(offs); k++ {
		if d := offs[k] - offs[k-1]; d != uint64(gap) {
			t.Errorf("feeds %d and %d of one host are %v apart, want %v", k-1, k, time.Duration(d), gap)
		}
	}
	reversed := slices.Clone(specs)
	slices.Reverse(reversed)
	more := append(reversed, FeedSpec{ID: "new", URL: "https://host1.example/new.xml"})
	again := feedPhases(more, gap)
	for _, s := range specs[:6] {
		if again[s.ID] != phases[s.ID] {
			t.Errorf("%s moved from %d to %d when the config was reordered and another host got a feed", s.ID, phases[s.ID], again[s.ID])
		}
	}
}

func TestNextDueIsAboutOneIntervalLater(t *testing.T) {
	t.Parallel()
	iv := 10 * time.Minute
	polled := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	phase := fnvHash("f")
	polled = nextSlot(polled, phase, iv) // on its slot, as after a normal poll
	for range 100 {
		got := nextDue(polled, phase, iv, time.Second)
		if d := got.Sub(polled); d < iv-time.Second/2 || d > iv+time.Second/2 {
			t.Fatalf("next due %v after the poll, want %v ± half the host gap", d, iv)
		}
	}
}

func TestAdapt(t *testing.T) {
	t.Parallel()
	lim := limits{def: 5 * time.Minute, min: 2 * time.Minute, max: 2 * time.Hour}
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		cur     time.Duration
		pinned  bool
		o       outcome
		lastNew time.Time
		want    time.Duration
	}{
		{"mostly new items: missed stories, halve", 20 * time.Minute, false, outcome{items: 10, fresh: 8}, now, 10 * time.Minute},
		{"a few new among seen: shorten a little", 20 * time.Minute, false, outcome{items: 10, fresh: 2}, now, 16 * time.Minute},
		{"nothing new: lengthen", 20 * time.Minute, false, outcome{notChanged: true}, now.Add(-time.Hour), 25 * time.Minute},
		{"silent for days: decay faster", 20 * time.Minute, false, outcome{notChanged: true}, now.Add(-96 * time.Hour), 30 * time.Minute},
		{"floor", 3 * time.Minute, false, outcome{items: 4, fresh: 4}, now, 2 * time.Minute},
		{"ceiling", 110 * time.Minute, false, outcome{}, now.Add(-time.Hour), 2 * time.Hour},
		{"pinned stays, even below the floor", 30 * time.Second, true, outcome{items: 4, fresh: 4}, now, 30 * time.Second},
		{"ttl lengthens", 10 * time.Minute, false, outcome{items: 4, fresh: 4, hints: feeds.Hints{TTL: time.Hour}}, now, time.Hour},
		{"max-age lengthens, capped", 10 * time.Minute, false, outcome{notChanged: true, maxAge: 10 * time.Hour}, now, 2 * time.Hour},
		{"expires lengthens", 10 * time.Minute, false, outcome{notChanged: true, expires: now.Add(40 * time.Minute)}, now, 40 * time.Minute},
		{"short hints never shorten", 30 * time.Minute, false, outcome{notChanged: true, maxAge: time.Minute}, now, 37*time.Minute + 30*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := adapt(tt.cur, tt.pinned, lim, tt.o, tt.lastNew, now); got != tt.want {
				t.Errorf("adapt = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	iv, cap := 5*time.Minute, 2*time.Hour
	tests := []struct {
		errs  int
		class feeds.ErrorClass
		want  time.Duration
	}{
		{1, feeds.ClassTimeout, 5 * time.Minute},
		{2, feeds.ClassTimeout, 10 * time.Minute},
		{3, feeds.ClassHTTP5xx, 20 * time.Minute},
		{2, feeds.ClassHTTP4xx, 20 * time.Minute},
		{3, feeds.ClassNotFeed, 80 * time.Minute},
		{4, feeds.ClassParse, 2 * time.Hour},
		{50, feeds.ClassNetwork, 2 * time.Hour},
	}
	for _, tt := range tests {
		if got := backoff(iv, tt.errs, tt.class, cap); got != tt.want {
			t.Errorf("backoff(%d × %s) = %v, want %v", tt.errs, tt.class, got, tt.want)
		}
	}
}

func TestSkipHours(t *testing.T) {
	t.Parallel()
	mon9 := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC) // a Monday
	h := feeds.Hints{SkipHours: []int{9, 10}, SkipDays: []time.Weekday{time.Saturday, time.Sunday}}
	if got, want := skipHours(mon9, h), time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("skip hours: got %v, want %v", got, want)
	}
	sat := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	if got, want := skipHours(sat, h), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("skip days: got %v, want %v", got, want)
	}
	all := feeds.Hints{SkipDays: []time.Weekday{0, 1, 2, 3, 4, 5, 6}}
	if got := skipHours(mon9, all); !got.Equal(mon9) {
		t.Errorf("hints skipping the whole week must be ignored, got %v", got)
	}
}

func TestOutageNeedsEveryHostFailing(t *testing.T) {
	t.Parallel()
	o := newOutage()
	now := time.Now()
	if o.observe("a:80", true, now) || o.observe("b:80", true, now) {
		t.Fatal("two failing hosts are not an outage")
	}
	if !o.observe("c:80", true, now) {
		t.Fatal("three hosts failing and nothing succeeding is an outage")
	}
	o.observe("d:80", false, now)
	if o.observe("e:80", true, now) {
		t.Fatal("a success in the window means the network works")
	}
	if o.observe("f:80", true, now.Add(2*time.Minute)) {
		t.Fatal("old events left the window: one failing host is not an outage")
	}
}

// TestHostsLimitAndSpacing runs on synctest's clock: the waits are exact,
// not real sleeps that a loaded machine stretches.
func TestHostsLimitAndSpacing(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		hs := newHosts(2, 50*time.Millisecond)
		ctx := context.Background()
		start := time.Now()
		r1, _ := hs.acquire(ctx, hostOf("http://a.example/1"))
		r2, _ := hs.acquire(ctx, hostOf("http://A.example/2"))
		if d := time.Since(start); d < 50*time.Millisecond {
			t.Errorf("second start after %v, want at least the 50ms spacing", d)
		}
		third := make(chan struct{})
		go func() {
			r3, _ := hs.acquire(ctx, hostOf("http://a.example/3"))
			close(third)
			r3()
		}()
		select {
		case <-third:
			t.Fatal("a third fetch started while two were in progress")
		case <-time.After(150 * time.Millisecond):
		}
		// Another host is not held up by a.example.
		other := time.Now()
		r4, _ := hs.acquire(ctx, hostOf("http://b.example/"))
		if d := time.Since(other); d > 20*time.Millisecond {
			t.Errorf("another host waited %v", d)
		}
		r4()
		r1()
		<-third
		r2()
		hs.pause(hostOf("http://a.example/x"), time.Now().Add(100*time.Millisecond))
		if hs.pausedUntil(hostOf("http://a.example/y")).IsZero() {
			t.Error("host not paused")
		}
		p0 := time.Now()
		r5, _ := hs.acquire(ctx, hostOf("http://a.example/z"))
		r5()
		if d := time.Since(p0); d < 80*time.Millisecond {
			t.Errorf("fetch started %v into a 100ms pause", d)
		}
	})
}

// The poller keeps no defaults of the settings a user configures.
func TestNewRequiresSettings(t *testing.T) {
	complete := WithTestDefaults(Options{Fetcher: NewTestFetcher(time.Second), Publisher: nopPublisher{}, State: someBucket{}})
	if err := complete.check(); err != nil {
		t.Fatalf("complete options: %v", err)
	}
	noState := complete
	noState.State = nil
	if _, err := New(noState); err == nil {
		t.Error("New accepted options without a state bucket")
	}
	for _, broken := range []func(*Options){
		func(o *Options) { o.Interval = 0 },
		func(o *Options) { o.MaxInterval = o.MinInterval - 1 },
		func(o *Options) { o.Concurrency = 0 },
		func(o *Options) { o.PerHost = 0 },
		func(o *Options) { o.ClaimTTL = 0 },
	} {
		o := complete
		broken(&o)
		if err := o.check(); err == nil {
			t.Errorf("check accepted %+v", o)
		}
	}
}

// someBucket stands for a bucket where only its presence is checked.
type someBucket struct{ jetstream.KeyValue }

type nopPublisher struct{}

func (nopPublisher) Publish(context.Context, []feeds.Article) error { return nil }
