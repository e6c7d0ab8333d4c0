package daemon

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"net/http"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/newswire/newswire/pipeline/tag"
)

// The status page: GET / renders what this process knows about its feeds,
// topics, stages and duplicates as one HTML page (no JavaScript needed but
// for the live tail, GET /tail). docs/status-page.md says where each
// number comes from.

//go:embed web/status.html
var statusFiles embed.FS

var statusTemplate = template.Must(template.New("status.html").Funcs(template.FuncMap{
	"bars": topicBars,
}).ParseFS(statusFiles, "web/status.html"))

// sectionTimeout bounds each broker read a section makes: a slow broker
// leaves a section saying so, not a page that does not load.
const sectionTimeout = 700 * time.Millisecond

// statusPage serves / and /tail. It is built by handler() before Run
// starts the parts, so its hourly topic counts see every story the stage
// publishes; stop (at HTTP shutdown) ends live tails and the backfill.
type statusPage struct {
	d       *Daemon
	started time.Time
	hourly  *tag.HourlyCounts // nil: no story stage in this process
	fill    backfill
	ctx     context.Context
	stop    context.CancelFunc

	mu      sync.Mutex
	samples []rateSample // published counters over the last minutes, for rates
}

func newStatusPage(d *Daemon) *statusPage {
	ctx, cancel := context.WithCancel(context.Background())
	p := &statusPage{d: d, started: time.Now(), ctx: ctx, stop: cancel}
	p.sample(p.gather())
	if d.tagger != nil {
		p.hourly = tag.NewHourlyCounts()
		d.tagger.CountHourly(p.hourly)
		go p.fillHourly(ctx, p.started)
	}
	return p
}

func (p *statusPage) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", p.serveIndex)
	mux.HandleFunc("GET /tail", p.serveTail)
}

// pageView is what the template renders.
type pageView struct {
	Now    time.Time
	Query  string
	Feeds  feedsView
	Topics topicsView
	Stages stagesView
	Dedupe dedupeView
	Render time.Duration
}

func (p *statusPage) serveIndex(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	q := r.URL.Query().Get("q")
	fams := p.gather()
	v := pageView{
		Now:    start,
		Query:  q,
		Feeds:  p.feeds(r.Context(), q),
		Topics: p.topics(start),
		Stages: p.stages(r.Context(), fams, start),
		Dedupe: p.dedupe(fams, r.URL.Query().Get("story")),
	}
	v.Render = time.Since(start).Round(time.Millisecond)
	var buf bytes.Buffer
	if err := statusTemplate.Execute(&buf, v); err != nil {
		http.Error(w, "status page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// gather reads the process's metrics, keyed by name (nil on error: the
// sections that need them say so).
func (p *statusPage) gather() map[string]*dto.MetricFamily {
	fams, err := p.d.reg.Gather()
	if err != nil {
		return nil
	}
	out := make(map[string]*dto.MetricFamily, len(fams))
	for _, f := range fams {
		out[f.GetName()] = f
	}
	return out
}

// label returns the value of label name of m.
func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// metricValue is a counter's or gauge's value.
func metricValue(m *dto.Metric) float64 {
	if c := m.GetCounter(); c != nil {
		return c.GetValue()
	}
	return m.GetGauge().GetValue()
}

// byLabel sums family name's series by the value of label key.
func byLabel(fams map[string]*dto.MetricFamily, name, key string) map[string]float64 {
	out := map[string]float64{}
	for _, m := range fams[name].GetMetric() {
		out[label(m, key)] += metricValue(m)
	}
	return out
}
