package feeds

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFeedHints(t *testing.T) {
	const head = `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>`
	tests := []struct {
		name string
		doc  string
		want Hints
	}{
		{"none", head + `<item><title>a</title></item></channel></rss>`, Hints{}},
		{"ttl", head + `<ttl>60</ttl><item/></channel></rss>`, Hints{TTL: time.Hour}},
		{"ttl with spaces", head + "<ttl>\n 15 \n</ttl>", Hints{TTL: 15 * time.Minute}},
		{"all three", head + `<ttl>30</ttl><skipHours><hour>23</hour><hour>0</hour><hour>1</hour></skipHours>` +
			`<skipDays><day>Sunday</day><day>saturday</day></skipDays><item/>`,
			Hints{TTL: 30 * time.Minute, SkipHours: []int{0, 1, 23}, SkipDays: []time.Weekday{time.Sunday, time.Saturday}}},
		{"hour 24 is midnight, duplicates dropped", head + `<skipHours><hour>24</hour><hour>0</hour><hour>7</hour></skipHours>`,
			Hints{SkipHours: []int{0, 7}}},
		{"garbage values ignored", head + `<ttl>soon</ttl><skipHours><hour>25</hour><hour>-1</hour><hour>x</hour></skipHours>` +
			`<skipDays><day>Caturday</day></skipDays>`, Hints{}},
		{"negative and zero ttl", head + `<ttl>-5</ttl>`, Hints{}},
		{"huge ttl capped", head + `<ttl>99999999999999999</ttl>`, Hints{TTL: maxTTL}},
		{"after the first item ignored", head + `<item><ttl>5</ttl></item><ttl>10</ttl>`, Hints{}},
		{"after the first entry ignored", `<feed xmlns="http://www.w3.org/2005/Atom"><entry><ttl>5</ttl></entry></feed>`, Hints{}},
		{"hour outside skipHours ignored", head + `<hour>3</hour><day>Monday</day>`, Hints{}},
		{"upper-case tags", head + `<TTL>20</TTL><SKIPDAYS><DAY>Monday</DAY></SKIPDAYS>`, Hints{TTL: 20 * time.Minute, SkipDays: []time.Weekday{time.Monday}}},
		{"comments skipped", head + `<!-- <ttl>5</ttl> --><ttl>45</ttl>`, Hints{TTL: 45 * time.Minute}},
		{"truncated", head + `<ttl>60`, Hints{}},
		{"not xml", "\x00\xff<<<>>>ttl", Hints{}},
		{"empty", "", Hints{}},
		{"past the scan limit", head + strings.Repeat(" ", hintsScanLimit) + `<ttl>60</ttl>`, Hints{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FeedHints([]byte(tt.doc)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FeedHints = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func BenchmarkFeedHints(b *testing.B) {
	doc := []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><ttl>60</ttl>` +
		strings.Repeat(`<item><title>Story</title><link>https://x.example/a</link></item>`, 2000) + `</channel></rss>`)
	for b.Loop() {
		if FeedHints(doc).TTL != time.Hour {
			b.Fatal("no ttl")
		}
	}
}

func TestFetchCacheHeaders(t *testing.T) {
	expiry := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		name         string
		cacheControl []string
		expires      string
		status       int
		wantMaxAge   time.Duration
		wantExpires  time.Time
	}{
		{"none", nil, "", 200, 0, time.Time{}},
		{"max-age", []string{"public, max-age=300"}, "", 200, 5 * time.Minute, time.Time{}},
		{"quoted max-age, s-maxage ignored", []string{`s-maxage=9, max-age="60"`}, "", 200, time.Minute, time.Time{}},
		{"two headers", []string{"public", "MAX-AGE=120"}, "", 200, 2 * time.Minute, time.Time{}},
		{"no-cache wins", []string{"max-age=300, no-cache"}, "", 200, 0, time.Time{}},
		{"no-store wins", []string{"no-store", "max-age=300"}, "", 200, 0, time.Time{}},
		{"garbage max-age", []string{"max-age=soon"}, "", 200, 0, time.Time{}},
		{"expires", nil, expiry.Format(http.TimeFormat), 200, 0, expiry},
		{"expires 0 is invalid", nil, "0", 200, 0, time.Time{}},
		{"on a 304 too", []string{"max-age=600"}, expiry.Format(http.TimeFormat), 304, 10 * time.Minute, expiry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for _, v := range tt.cacheControl {
					w.Header().Add("Cache-Control", v)
				}
				if tt.expires != "" {
					w.Header().Set("Expires", tt.expires)
				}
				w.WriteHeader(tt.status)
				if tt.status == 200 {
					w.Write([]byte(tinyFeed))
				}
			}))
			defer srv.Close()
			res, err := testFetcher(FetcherOptions{}).Fetch(context.Background(), FetchRequest{URL: srv.URL, ETag: `"x"`})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if res.CacheMaxAge != tt.wantMaxAge {
				t.Errorf("CacheMaxAge = %v, want %v", res.CacheMaxAge, tt.wantMaxAge)
			}
			if !res.Expires.Equal(tt.wantExpires) {
				t.Errorf("Expires = %v, want %v", res.Expires, tt.wantExpires)
			}
		})
	}
}
