package daemon

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/newswire/newswire/pipeline"
)

// tailEvent is one article of a live tail, as the page shows it.
type tailEvent struct {
	Time  time.Time `json:"time"`
	Feed  string    `json:"feed"`
	Title string    `json:"title"`
	URL   string    `json:"url"`
}

// validTopic reports whether name can be one token of a subject:
// letters, digits, '-' and '_' (topic names are that).
func validTopic(name string) bool {
	if name == "" || len(name) > 100 {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// serveTail streams the articles published on news.topic.<topic> from now
// on as Server-Sent Events, one JSON tailEvent per event, until the client
// goes away or the HTTP server shuts down. It reads the broker's core
// subject: nothing is stored for it and nothing is replayed.
func (p *statusPage) serveTail(w http.ResponseWriter, r *http.Request) {
	topic := r.URL.Query().Get("topic")
	if !validTopic(topic) {
		http.Error(w, "tail: want ?topic=NAME (letters, digits, - and _)", http.StatusBadRequest)
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "tail: streaming unsupported", http.StatusInternalServerError)
		return
	}
	msgs := make(chan *nats.Msg, 256)
	sub, err := p.d.nc.ChanSubscribe(pipeline.TopicSubject(topic), msgs)
	if err != nil {
		http.Error(w, "tail: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := p.d.nc.FlushTimeout(sectionTimeout); err != nil { // the subscription is in place before we say so
		http.Error(w, "tail: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, "event: ready\ndata: %q\n\n", topic)
	flusher.Flush()
	keepAlive := time.NewTicker(20 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-p.ctx.Done():
			return
		case <-keepAlive.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case m := <-msgs:
			a, err := pipeline.DecodeArticle(m.Data)
			if err != nil {
				continue
			}
			data, _ := json.Marshal(tailEvent{Time: cmp.Or(a.PublishedAt, a.FetchedAt), Feed: a.Feed.ID, Title: a.Title, URL: a.URL})
			fmt.Fprintf(w, "data: %s\n\n", data)
		}
		flusher.Flush()
	}
}
