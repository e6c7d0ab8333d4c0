package near

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/newswire/newswire/feeds"
)

// A wire story and the ways outlets carry it, constructed for the tests.
const (
	wireTitle   = "Storm floods hundreds of homes across northern Portugal as rivers burst their banks"
	wireSummary = "Hundreds of homes were flooded across northern Portugal on Tuesday after two days of torrential rain " +
		"pushed the Douro and Minho rivers over their banks, civil protection officials said, and more rain is forecast for Wednesday."
)

func TestSame(t *testing.T) {
	tests := []struct {
		name       string
		aT, aS     string
		bT, bS     string
		want       bool
		wantReason string
	}{
		{
			name: "identical wire copy",
			aT:   wireTitle, aS: wireSummary, bT: wireTitle, bS: wireSummary,
			want: true,
		},
		{
			name: "edited headline, same lede",
			aT:   wireTitle, aS: wireSummary,
			bT: "Portugal floods: rivers burst banks after two days of rain", bS: wireSummary,
			want: true,
		},
		{
			name: "trimmed summary with an ellipsis",
			aT:   wireTitle, aS: wireSummary,
			bT: wireTitle, bS: "Hundreds of homes were flooded across northern Portugal on Tuesday after two days of torrential rain pushed the Douro…",
			want: true,
		},
		{
			name: "standfirst prepended to the lede, new headline",
			aT:   wireTitle, aS: wireSummary,
			bT:   "Portugal storm: hundreds of homes flooded in the north",
			bS:   "Civil protection says more rain is on the way " + wireSummary + " Continue reading...",
			want: true,
		},
		{
			name: "same event, independently reported",
			aT:   wireTitle, aS: wireSummary,
			bT:   "Northern Portugal counts the cost as floodwater recedes",
			bS:   "Residents of towns along the Douro began clearing mud from their houses on Wednesday, a day after the river rose to its highest level in a decade.",
			want: false,
		},
		{
			name: "shared boilerplate only",
			aT:   "Why the bond market is nervous about next week", aS: "Yields rose again. Sign up here to get our markets newsletter every weekday morning before the opening bell Continue reading...",
			bT: "The best budget laptops for students this autumn", bS: "Our pick of machines under 500. Sign up here to get our markets newsletter every weekday morning before the opening bell Continue reading...",
			want: false,
		},
		{
			name: "headline-only aggregator entry of the same story",
			aT:   wireTitle, aS: "",
			bT: wireTitle + " - Example News", bS: wireSummary,
			want: true,
		},
		{
			name: "two short headline-only entries",
			aT:   "Live updates", aS: "",
			bT: "Live updates", bS: "",
			want: false,
		},
		{
			name: "short generic headline, different ledes",
			aT:   "Prime minister resigns", aS: "The prime minister resigned on Monday after losing a confidence vote in parliament by four votes.",
			bT: "Prime minister resigns", bS: "After weeks of pressure from her own party, the country's leader stepped down, saying she had lost the trust of colleagues.",
			want: false,
		},
		{
			name: "the same nine-word headline over two outlets' own deks",
			aT:   "Dutch court orders Shell to cut emissions by 45%",
			aS:   "The ruling by a district court in The Hague is the first to bind a company to the goals of the Paris climate agreement.",
			bT:   "Dutch court orders Shell to cut emissions by 45%",
			bS:   "Environmental groups hailed the decision as a turning point, while the company said it would appeal.",
			want: true,
		},
		{
			name: "a headline that only begins like a longer one",
			aT:   "Nintendo Switch 2 pre-order guide: where to buy the console",
			aS:   "Pre-orders open on Friday at most large retailers; here is where stock is still available.",
			bT:   "Nintendo Switch 2 pre-order guide: where to buy the console, the bundles worth having and what to expect on launch day",
			bS:   "Our deals team has tracked every retailer's listing since the announcement.",
			want: false,
		},
		{
			name: "live blog quoting the article",
			aT:   "Portugal floods – live", aS: wireSummary + " Follow our live coverage.",
			bT: wireTitle, bS: wireSummary,
			want: false,
		},
		{
			name: "summary that repeats the headline is no summary",
			aT:   wireTitle, aS: wireTitle,
			bT: wireTitle, bS: wireSummary,
			want: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Sign(tt.aT, tt.aS), Sign(tt.bT, tt.bS)
			if got := sameStory(a, b, DefaultParams()); got != tt.want {
				t.Errorf("Same = %v, want %v; scores %+v", got, tt.want, Compare(a, b))
			}
			if got := sameStory(b, a, DefaultParams()); got != tt.want {
				t.Errorf("Same(b, a) = %v, want %v (not symmetric)", got, tt.want)
			}
		})
	}
}

func TestEstimate(t *testing.T) {
	full := Sign(wireTitle, wireSummary)
	trimmed := Sign(wireTitle, "Hundreds of homes were flooded across northern Portugal on Tuesday after two days of torrential rain")
	j, c := estimate(full, trimmed)
	if c != 1 {
		t.Errorf("containment of a trimmed copy = %.2f, want 1", c)
	}
	if j >= 0.6 {
		t.Errorf("jaccard of a copy trimmed to half = %.2f, want < 0.6", j)
	}
	if j, c := estimate(full, Sign(wireTitle, "")); j != 0 || c != 0 {
		t.Errorf("Estimate with an empty summary = %.2f, %.2f, want 0, 0", j, c)
	}
}

func TestNormalisation(t *testing.T) {
	a := Sign("Cease-fire holds in Bernabéu — U.S. says “calm”", "")
	b := Sign("CEASEFIRE holds in Bernabeu: US says 'calm'", "")
	if !reflect.DeepEqual(a.Head, b.Head) {
		t.Errorf("headline hashes differ:\n%v\n%v", a.Head, b.Head)
	}
}

// TestSignStable pins the hashes: signatures are persisted and compared
// across processes and releases, so a change here invalidates every
// remembered story and must be deliberate.
func TestSignStable(t *testing.T) {
	s := Sign(wireTitle, wireSummary)
	if got, want := len(s.Body), 34; got != want {
		t.Errorf("body shingles = %d, want %d", got, want)
	}
	const want = "AgAwtsGxAeIKagNSKvUD4I-OAEPelg40s_IGZOTiCuA6sAWMj-cOU42lCU4SwALpNNcAGy6dCYwtjQZTBDcDpzNzARpgXwE8tNMJUdLPBYIFOQUpu-oMstDMBqvUugKEBP0KpU7jB5seoQA89hUAXgFCAcMzYwKnaTEPjQb5A4_p-glrixkH49QtCNxknwQW4uQBdTlsAS5fZg4jeBgCcpNCAV1v9gPtfycK3EcLAKO7AQLZP10PQK7lAMcC1ghPy-kWIlUPqxM5F6oh8CbQMAU27zssTARQvlSuYq9jDWj_aqFsNnJbd2V8IICTlpGYZJlup8qz7blrzdHOGtmC4F7jwOMg7I79DOcGxAv5NIs58klsTahPi2HksOK08rpb9A1iGyg6hz36RiNcY2KjaTqEnppmsd6xlN48-yWSCDgMQg9iG6ogKDpUOoc9-kbORzFOB1MjXGNio2lcbV5viXw6hLmJGZCemlObX5xmsd6xNbUrtkG9c8KtypTeS-ZF6BPwTPI8-wAAAAAAAAAA"
	if got := minHash(s.Body, 4); got == nil {
		t.Fatal("MinHash of a non-empty set is nil")
	}
	if got := s.Encode(); got != want {
		t.Errorf("Encode = %s\nwant     %s", got, want)
	}
	// What the previous release (encoding version 1) persisted still
	// decodes, to the same sets.
	old, err := Decode(signedV1)
	if err != nil {
		t.Fatalf("Decode(version 1): %v", err)
	}
	if !reflect.DeepEqual(old, s) {
		t.Errorf("version 1 decodes to %+v\nwant %+v", old, s)
	}
}

// signedV1 is Sign(wireTitle, wireSummary).Encode() of encoding version 1.
const signedV1 = "AQAwtsGxAeIKagNSKvUD4I-OAEPelg40s_IGZOTiCuA6sAWMj-cOU42lCU4SwALpNNcAGy6dCYwtjQZTBDcDpzNzARpgXwE8tNMJUdLPBYIFOQUpu-oMstDMBqvUugKEBP0KpU7jB5seoQA89hUAXgFCAcMzYwKnaTEPjQb5A4_p-glrixkH49QtCNxknwQW4uQBdTlsAS5fZg4jeBgCcpNCAV1v9gPtfycK3EcLAKO7AQLZP10PQK7lAMcC1ghPy-kWIlUPqxM5F6oh8CbQMAU27zssTARQvlSuYq9jDWj_aqFsNnJbd2V8IICTlpGYZJlup8qz7blrzdHOGtmC4F7jwOMg7I79DOcGxAv5NIs58klsTahPi2HksOK08rpb9A1iGyg6hz36RiNcY2KjaTqEnppmsd6xlN48-yWSCDgMQg9iG6ogKDpUOoc9-kbORzFOB1MjXGNio2lcbV5viXw6hLmJGZCemlObX5xmsd6xNbUrtkG9c8KtypTeS-ZF6BPwTPI8-w"

func TestEncodeRoundTrip(t *testing.T) {
	for _, s := range []Signature{
		{},
		Sign(wireTitle, wireSummary),
		Sign("Portugal floods – live", wireSummary),
		SignLinked(wireTitle, wireSummary, "https://www.bbc.co.uk/news/world-europe-64142651"),
		SignLinked(wireTitle, wireSummary, "https://www.nbcnews.com/now/video/floods-198664261531"),
		Sign(wireTitle, ""),
	} {
		got, err := Decode(s.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("round trip: got %+v, want %+v", got, s)
		}
	}
	for _, bad := range []string{"", "!!", "AgA", "AQA", Sign(wireTitle, wireSummary).Encode() + "AA"} {
		if _, err := Decode(bad); !errors.Is(err, ErrBadSignature) {
			t.Errorf("Decode(%q) error = %v, want ErrBadSignature", bad, err)
		}
	}
}

func TestSCurve(t *testing.T) {
	bd := defaultBanding()
	for _, tt := range []struct {
		j, min float64
		rows   int
		bands  int
	}{
		{0.45, 0.99, bd.BodyRows, bd.BodyBands},
		{0.7, 0.99, bd.HeadRows, bd.HeadBands},
	} {
		if got := sCurve(tt.j, tt.bands, tt.rows); got < tt.min {
			t.Errorf("sCurve(%.2f, %d, %d) = %.4f, want ≥ %.2f", tt.j, tt.bands, tt.rows, got, tt.min)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Sign(wireTitle, wireSummary).Encode())
	f.Add("AQA")
	f.Fuzz(func(t *testing.T, s string) {
		sig, err := Decode(s)
		if err != nil {
			return
		}
		if _, err := Decode(sig.Encode()); err != nil {
			t.Errorf("re-decoding what decoded: %v", err)
		}
	})
}

// The ASCII path of words splits and filters as the Unicode path does.
func FuzzWordsASCII(f *testing.F) {
	for _, s := range []string{"", "ceasefire in gaza us says talks resume", "32bn | 5 <b>bold</b> x^2 `code` a$b ~", "a  b", " lead and trail "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		s = feeds.NormaliseForHash(s) // words' input
		if !isASCII(s) {
			return
		}
		got, want := asciiWords(s), unicodeWords(s)
		if len(got) == 0 && len(want) == 0 {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("asciiWords(%q) = %q, want %q", s, got, want)
		}
	})
}

// BenchmarkWords splits normalised English text on the ASCII path and, as
// its baseline, on the Unicode path.
func BenchmarkWords(b *testing.B) {
	s := feeds.NormaliseForHash(wireTitle + " " + wireSummary)
	b.Run("ascii", func(b *testing.B) {
		for b.Loop() {
			asciiWords(s)
		}
	})
	b.Run("unicode-baseline", func(b *testing.B) {
		for b.Loop() {
			unicodeWords(s)
		}
	})
}

// A probe scores every candidate exactly as Compare does, and a cleared
// probe keeps nothing of the last query.
func TestProbeMatchesCompare(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := strings.Fields("storm floods homes portugal rivers banks rain minister talks ceasefire gaza " +
		"sanctions russia oil exports court ruling election vote live updates police said on tuesday the a of in")
	text := func(n int) string {
		ws := make([]string, n)
		for i := range ws {
			ws[i] = vocab[rng.IntN(len(vocab))]
		}
		return strings.Join(ws, " ")
	}
	var sigs []Signature
	for i := range 200 {
		title, summary := text(2+rng.IntN(12)), text(rng.IntN(60))
		if i%10 == 0 {
			summary = "" // headline only
		}
		sigs = append(sigs, Sign(title, summary))
	}
	sigs = append(sigs, Sign(wireTitle, wireSummary), Sign(wireTitle, wireSummary[:80]), Signature{})
	var p probe
	for _, a := range sigs {
		p.load(a)
		for _, b := range sigs {
			if got, want := p.compare(b), Compare(a, b); got != want {
				t.Fatalf("probe %+v\nCompare %+v", got, want)
			}
		}
		p.clear()
	}
	var empty bitset16
	for _, b := range []*bitset16{&p.body, &p.head, &p.headWords, &p.words} {
		if *b != empty {
			t.Error("a cleared probe still holds bits")
		}
	}
}

// Decode refuses a set that is not sorted and distinct, which comparisons
// count on.
func TestDecodeRefusesUnsortedSets(t *testing.T) {
	s := Sign(wireTitle, wireSummary)
	s.Body = append([]uint16(nil), s.Body...)
	s.Body[0], s.Body[1] = s.Body[1], s.Body[0]
	if _, err := Decode(s.Encode()); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Decode of an unsorted set: %v, want ErrBadSignature", err)
	}
}

// BenchmarkCompare verifies one candidate: with the query's sets as bitsets,
// against the candidate's sets as they are and as a record (what Query
// does), and, as the baseline, by merging sorted sets (Compare).
func BenchmarkCompare(b *testing.B) {
	a := Sign(wireTitle, wireSummary)
	c := Sign("Northern Portugal floods: hundreds of homes under water as rivers burst banks",
		"Hundreds of homes were flooded across northern Portugal on Tuesday after two days of torrential rain.")
	b.Run("probe", func(b *testing.B) {
		var p probe
		p.load(a)
		for b.Loop() {
			p.compare(c)
		}
	})
	b.Run("record", func(b *testing.B) { // as Query verifies a remembered story
		var p probe
		p.load(a)
		rec := appendRecord(nil, c)
		var words []uint16
		for b.Loop() {
			p.compareRecord(rec, &words)
		}
	})
	b.Run("merge-baseline", func(b *testing.B) {
		for b.Loop() {
			Compare(a, c)
		}
	})
}
