package worker

import (
	"cmp"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/newswire/newswire/feeds"
)

// Scheduling rules, as pure functions of a feed's state and its last poll so
// they can be tested without a clock or a broker.
//
// Slots: a feed's polls fall at a fixed phase of its interval: a hash of its
// host plus its rank among the host's feeds times the host spacing (see
// feedPhases), so feeds with equal intervals spread evenly over the interval,
// one host's feeds come due one after another over one connection, and a
// restart (any replica, any time) keeps each feed in its slot.
//
// Adaptive interval (feeds without a pinned interval), within
// [MinInterval, MaxInterval]:
//   - a poll whose items were mostly new (few already seen): stories may have
//     been missed between polls → halve the interval;
//   - some new items, mostly seen: the pace is right → shorten slightly;
//   - nothing new: lengthen by a quarter; silent for three days or more:
//     lengthen by half.
//
// Publisher hints lengthen, never shorten: RSS <ttl>, Cache-Control max-age
// and Expires raise the interval to what they ask (up to MaxInterval);
// skipHours/skipDays move a due time out of the skipped hours; Retry-After
// delays the next poll of the feed and pauses its host, for at most
// MaxInterval; the host's other feeds show as paused until then.
//
// Errors back off exponentially from the interval, faster for errors that
// repeat (a 404 will not fix itself in a minute) than for transient ones,
// and never beyond MaxInterval: a failing feed keeps being retried there.

const (
	quietAfter        = 72 * time.Hour // no new items for this long: decay faster
	unconditionalOdds = 100            // one poll in this many ignores the validators
	jitterFraction    = 50             // jitter is ±interval/jitterFraction, at most maxJitter
	maxJitter         = 5 * time.Second
	publishRetry      = time.Minute // retry of a feed whose articles the broker refused
)

// classPublish is the outcome class of a poll whose articles could not be
// published: the broker's failure, not the feed's.
const classPublish feeds.ErrorClass = "publish_error"

// limits are the interval bounds a scheduler works within.
type limits struct {
	def, min, max time.Duration
}

// feedPhases gives every feed of specs its phase (see slotOffset): its
// host's hash, plus gap times its rank among that host's feeds, which are
// ranked by the hash of their ids. Feeds spread evenly over an interval
// host by host, and one host's feeds come due gap apart, one after
// another, so a kept-alive connection (and its TLS session) serves them all
// instead of one handshake per feed, while the host sees no more than one
// fetch start per gap. A restart keeps every feed's phase; adding or
// removing a feed moves only the later feeds of its own host.
func feedPhases(specs []FeedSpec, gap time.Duration) map[string]uint64 {
	type feed struct {
		id   string
		hash uint64
	}
	byHost := map[string][]feed{}
	for _, s := range specs {
		h := hostOf(s.URL)
		byHost[h] = append(byHost[h], feed{s.ID, fnvHash(s.ID)})
	}
	out := make(map[string]uint64, len(specs))
	for host, fs := range byHost {
		slices.SortFunc(fs, func(a, b feed) int { return cmp.Compare(a.hash, b.hash) })
		base := fnvHash(host)
		for rank, f := range fs {
			out[f.id] = base + uint64(rank)*uint64(gap)
		}
	}
	return out
}

func fnvHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// slotOffset is a feed's fixed offset within an interval, from its phase.
func slotOffset(phase uint64, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	return time.Duration(phase % uint64(interval))
}

// nextSlot returns the first time at or after t that lies on the feed's
// phase of interval.
func nextSlot(t time.Time, phase uint64, interval time.Duration) time.Time {
	if interval <= 0 {
		return t
	}
	off := int64(slotOffset(phase, interval))
	iv := int64(interval)
	n := t.UnixNano()
	k := (n - off + iv - 1) / iv
	if n-off < 0 {
		k = (n - off) / iv
	}
	return time.Unix(0, k*iv+off)
}

// nextDue is when a feed polled at polled, with interval, is due next: its
// next slot at least half an interval away, plus a little jitter (see
// slotJitter).
func nextDue(polled time.Time, phase uint64, interval, gap time.Duration) time.Time {
	return nextSlot(polled.Add(interval/2), phase, interval).Add(slotJitter(interval, gap))
}

// slotJitter is jitter kept under half the gap between one host's feeds,
// so that it does not reorder them.
func slotJitter(interval, gap time.Duration) time.Duration {
	return jitter(min(interval, gap*jitterFraction/2))
}

// jitter is a random ±interval/50, at most ±5 s: it keeps polls that fall
// due together from starting in the same millisecond, and retries after
// errors from marching in step.
func jitter(interval time.Duration) time.Duration {
	span := min(interval/jitterFraction, maxJitter)
	if span <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(2*span))) - span
}

// outcome is what one poll found, as the scheduler sees it.
type outcome struct {
	class      feeds.ErrorClass // "" on success
	retryAfter time.Duration    // from a 429/503
	notChanged bool             // 304, or 200 with unchanged bytes
	items      int              // items in the document
	fresh      int              // items not seen before
	hints      feeds.Hints
	maxAge     time.Duration // Cache-Control max-age
	expires    time.Time
	outage     bool // the network, not the feed, failed
}

// adapt returns the feed's interval after a successful poll. A pinned
// interval is kept as configured.
func adapt(cur time.Duration, pinned bool, lim limits, o outcome, lastNew, now time.Time) time.Duration {
	if pinned {
		return cur
	}
	if cur <= 0 {
		cur = lim.def
	}
	switch {
	case o.fresh > 0 && o.items > 0 && o.fresh*2 >= o.items:
		cur /= 2
	case o.fresh > 0:
		cur = cur * 4 / 5
	case !lastNew.IsZero() && now.Sub(lastNew) >= quietAfter:
		cur = cur * 3 / 2
	default:
		cur = cur * 5 / 4
	}
	// Publisher hints may only lengthen.
	hint := o.hints.TTL
	hint = max(hint, o.maxAge)
	if !o.expires.IsZero() {
		hint = max(hint, o.expires.Sub(now))
	}
	cur = max(cur, min(hint, lim.max))
	return min(max(cur, lim.min), lim.max)
}

// backoff returns the delay before retrying a feed that failed errs times in
// a row with class. Transient failures double from the interval; failures
// that tend to persist quadruple. Both stop at the cap.
func backoff(interval time.Duration, errs int, class feeds.ErrorClass, cap time.Duration) time.Duration {
	if errs <= 0 {
		return interval
	}
	factor := time.Duration(2)
	if !transient(class) {
		factor = 4
	}
	d := interval
	for i := 1; i < errs && d < cap; i++ {
		d *= factor
	}
	return min(max(d, interval), max(cap, interval))
}

// transient reports whether an error class usually clears up by itself.
func transient(c feeds.ErrorClass) bool {
	switch c {
	case feeds.ClassNetwork, feeds.ClassTimeout, feeds.ClassDNS, feeds.ClassHTTP5xx, feeds.ClassHTTP429:
		return true
	}
	return false
}

// networkClass reports whether a failure says nothing about the feed when
// every host fails the same way (the machine is offline).
func networkClass(c feeds.ErrorClass) bool {
	return c == feeds.ClassNetwork || c == feeds.ClassTimeout || c == feeds.ClassDNS
}

// skipHours moves t to the first hour (GMT) that the publisher does not ask
// to skip. Hints that skip every hour of the week are ignored.
func skipHours(t time.Time, h feeds.Hints) time.Time {
	if len(h.SkipHours) == 0 && len(h.SkipDays) == 0 {
		return t
	}
	u := t.UTC()
	for i := 0; i < 7*24; i++ {
		if !slices.Contains(h.SkipHours, u.Hour()) && !slices.Contains(h.SkipDays, u.Weekday()) {
			if i == 0 {
				return t
			}
			return u
		}
		u = u.Truncate(time.Hour).Add(time.Hour)
	}
	return t
}

// unconditional reports whether this poll should ignore the validators, to
// catch servers that answer 304 wrongly.
func unconditional() bool { return rand.IntN(unconditionalOdds) == 0 }
