// Package demofeeds serves the sample feeds of `newswire demo`: a few RSS
// feeds on loopback whose stories the project wrote, published over time,
// with syndicated copies across feeds, so that a newcomer sees news flow
// through dedupe and tagging with no internet.
//
//	Server.Tick (every --every) ─▶ the next story in its feed (and, for
//	some, an edited copy in another) ─▶ GET /<feed>.xml: RSS 2.0, newest
//	first, at most maxItems items
package demofeeds

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Stories is how many sample stories there are before they repeat.
func Stories() int { return len(stories) }

// Feeds are the sample feeds' ids, each served at /<id>.xml.
var Feeds = []string{"demo-wire", "demo-world", "demo-business", "demo-local"}

// story is one sample story: where it appears first, and for a syndicated
// one the feed that carries an edited copy and that copy's headline.
type story struct {
	feed, title, summary string
	copyIn, copyTitle    string
}

// stories are made up for the demo (no publisher's text). They cycle under
// new links and ids: a story comes back once a cycle is longer than the
// demo's dedupe window (cmd/newswire sets both), else it is (rightly) a
// copy of itself.
var stories = []story{
	{"demo-wire", "Ceasefire agreed in the north after three days of talks",
		"Both sides agreed a ceasefire that takes effect at midnight, mediators said, with monitors to be deployed along the front line.",
		"demo-world", "Ceasefire agreed in north after talks"},
	{"demo-business", "EU adopts new sanctions on shipping firms",
		"The European Union adopted new sanctions on twelve shipping companies accused of moving oil in breach of the price cap, freezing their assets.",
		"demo-wire", "EU imposes new sanctions on twelve shipping firms"},
	{"demo-local", "City council approves riverside bike lanes",
		"The council voted 7-2 to build protected bike lanes along the river, with work to start in the spring.", "", ""},
	{"demo-world", "Truce holds for a second day as aid convoys move in",
		"The truce held for a second day on Tuesday, letting the first aid convoys reach the besieged towns, the United Nations said.", "", ""},
	{"demo-business", "Central bank holds rates steady",
		"The central bank left its main interest rate unchanged, citing slowing inflation and a weaker labour market.", "", ""},
	{"demo-wire", "Treasury sanctions network accused of evading export controls",
		"The Treasury imposed sanctions on a network of companies it said helped evade export controls on military technology.",
		"demo-business", "US sanctions firms over export control evasion"},
	{"demo-local", "Storm warning issued for the coast",
		"Forecasters warned of gusts up to 110 km/h along the coast on Thursday and urged residents to secure loose objects.", "", ""},
	{"demo-world", "Negotiators meet to extend the ceasefire",
		"Negotiators met in the capital to extend the ceasefire by another month and to discuss a prisoner exchange.",
		"demo-wire", "Talks open on extending the ceasefire"},
	{"demo-local", "Library reopens after renovation",
		"The central library reopened after an 18-month renovation with a new children's wing and longer opening hours.", "", ""},
	{"demo-business", "Oil prices rise after export sanctions tightened",
		"Oil prices rose two percent after sanctions on crude exports were tightened, traders said.", "", ""},
	{"demo-world", "Fighting resumes hours after truce collapses",
		"Shelling resumed near the port hours after a short-lived truce collapsed, residents said, as both sides traded blame.",
		"demo-wire", "Truce collapses as fighting resumes near port"},
	{"demo-local", "Marathon closes streets in the old town on Sunday",
		"Streets in the old town will be closed from 6 am to 2 pm on Sunday for the city marathon, organisers said.", "", ""},
	{"demo-business", "Airline orders forty new jets",
		"The national airline ordered forty narrow-body jets to replace its ageing fleet, with deliveries from 2028.", "", ""},
	{"demo-wire", "UK and Canada announce joint sanctions on arms brokers",
		"Britain and Canada announced joint sanctions on five arms brokers, banning them from travel and freezing their funds.", "", ""},
	{"demo-world", "Parliament passes budget after all-night session",
		"Lawmakers passed the budget by a narrow margin after an all-night session, ending weeks of deadlock.", "", ""},
	{"demo-local", "New tram line opens with free rides all week",
		"The new tram line between the station and the university opened on Monday, with free rides until Sunday.", "", ""},
	{"demo-wire", "Rebels and army sign humanitarian ceasefire for harvest season",
		"Rebel commanders and the army signed a humanitarian ceasefire covering the harvest season, the church mediators announced.",
		"demo-world", "Humanitarian ceasefire signed for the harvest"},
	{"demo-business", "Chipmaker lifts forecast on strong demand",
		"The chipmaker raised its annual forecast as demand for data-centre processors stayed strong.", "", ""},
	{"demo-world", "Election observers report a calm vote",
		"International observers said the vote was calm and well organised, with turnout near sixty percent.", "", ""},
	{"demo-local", "Heatwave: pools stay open late",
		"Public pools will stay open until 10 pm while the heatwave lasts, the city announced.", "", ""},
	{"demo-wire", "Bank fined for breaching sanctions on payments",
		"Regulators fined a bank for processing payments that breached sanctions, the largest such penalty this year.", "", ""},
	{"demo-business", "Retail sales fall for a third month",
		"Retail sales fell for a third month in a row as households cut spending on clothes and furniture.", "", ""},
	{"demo-world", "Envoy says ceasefire monitors will arrive next week",
		"The envoy said ceasefire monitors would arrive next week and report violations to both sides every day.", "", ""},
	{"demo-local", "Zoo welcomes twin red pandas",
		"The zoo announced the birth of twin red pandas, the first born there in a decade.", "", ""},
}

// maxItems is how many items a feed document lists.
const maxItems = 20

// Server holds the sample feeds' items and serves them as RSS.
type Server struct {
	mu    sync.Mutex
	next  int                // the next story to publish (cycles)
	items map[string][]*item // by feed, newest first
	now   func() time.Time
}

type item struct {
	title, summary, link, guid string
	at                         time.Time
}

// New returns a server whose feeds already hold the first few stories.
func New(now func() time.Time) *Server {
	s := &Server{items: map[string][]*item{}, now: now}
	for range 4 {
		s.Tick()
	}
	return s
}

// Tick publishes the next story (and its copy, if it has one).
func (s *Server) Tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.next
	s.next++
	st := stories[n%len(stories)]
	at := s.now().UTC().Truncate(time.Second)
	s.add(st.feed, st.title, st.summary, n, at)
	if st.copyIn != "" {
		// A syndicated copy: an edited headline, the same text, its own link.
		s.add(st.copyIn, st.copyTitle, st.summary, n, at.Add(time.Minute))
	}
}

func (s *Server) add(feed, title, summary string, n int, at time.Time) {
	link := fmt.Sprintf("http://demo.newswire.invalid/%s/%d", feed, n)
	it := &item{title: title, summary: summary, link: link, guid: link, at: at}
	list := append([]*item{it}, s.items[feed]...)
	s.items[feed] = list[:min(len(list), maxItems)]
}

// ServeHTTP serves /<feed>.xml.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	feed, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".xml")
	if !ok || !known(feed) {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	items := append([]*item(nil), s.items[feed]...)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<rss version=\"2.0\"><channel>")
	fmt.Fprintf(&b, "<title>%s (newswire demo)</title><link>http://demo.newswire.invalid/%s</link><description>Sample stories of newswire's demo</description>", esc(feed), esc(feed))
	for _, it := range items {
		fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid>%s</guid><description>%s</description><pubDate>%s</pubDate></item>",
			esc(it.title), esc(it.link), esc(it.guid), esc(it.summary), it.at.Format(time.RFC1123Z))
	}
	b.WriteString("</channel></rss>\n")
	_, _ = w.Write([]byte(b.String()))
}

func known(feed string) bool {
	for _, f := range Feeds {
		if f == feed {
			return true
		}
	}
	return false
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
