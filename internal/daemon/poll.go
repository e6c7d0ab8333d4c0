package daemon

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/newswire/newswire/worker"
)

// pollFeed serves POST /feeds/{id}/poll (`newswire feeds poll ID`): the
// feed is polled as soon as a poll slot is free, whether it is due or not.
// 202 when the poll is queued; 404 for a feed this daemon does not poll
// (not configured, or the config's edit not picked up yet); 409 when this
// process runs no poller (`run --only dedupe`).
func (d *Daemon) pollFeed(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if d.poller == nil {
		http.Error(w, "this process does not poll (it runs with --only and without poll); ask one that does", http.StatusConflict)
		return
	}
	err := d.poller.PollNow(id)
	switch {
	case errors.Is(err, worker.ErrUnknownFeed):
		http.Error(w, fmt.Sprintf("no feed %q here: it is not in the running daemon's feeds (a config edit not picked up yet?)", id), http.StatusNotFound)
	case err != nil:
		http.Error(w, err.Error(), http.StatusInternalServerError)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, "poll of %s queued\n", id)
	}
}
