package daemon

import (
	"cmp"
	"fmt"
	"slices"

	dto "github.com/prometheus/client_model/go"

	"github.com/newswire/newswire/pipeline/dedupe"
)

// maxDedupeRows is how many feeds the dedupe section lists.
const maxDedupeRows = 25

// dedupeView is the status page's dedupe section.
type dedupeView struct {
	Note  string
	Rows  []dedupeRow // the feeds that repeat others most, by share
	Story string      // ?story=
	Also  *dedupe.AlsoIn
}

type dedupeRow struct {
	Feed                       string
	Unique, Duplicate, Updates int64
	Share                      string // duplicates of all judged
	Mostly                     bool   // more than half repeat other feeds
	share                      float64
}

// dedupe lists, from this process's newswire_dedupe_articles_total, the
// feeds whose articles were most often copies of stories already seen,
// and looks up story's copies in the stage's memory.
func (p *statusPage) dedupe(fams map[string]*dto.MetricFamily, story string) dedupeView {
	v := dedupeView{Story: story}
	if p.d.stage == nil {
		v.Note = "The story stage does not run in this process (run --only): no dedupe counts here."
		return v
	}
	per := map[string]*dedupeRow{}
	for _, m := range fams["newswire_dedupe_articles_total"].GetMetric() {
		feed := label(m, "feed")
		r := per[feed]
		if r == nil {
			r = &dedupeRow{Feed: feed}
			per[feed] = r
		}
		n := int64(metricValue(m))
		switch label(m, "result") {
		case "unique":
			r.Unique += n
		case "duplicate":
			r.Duplicate += n
		case "update":
			r.Updates += n
		}
	}
	for _, r := range per {
		if total := r.Unique + r.Duplicate + r.Updates; total > 0 {
			r.share = float64(r.Duplicate) / float64(total)
			r.Share = fmt.Sprintf("%.0f%%", 100*r.share)
			r.Mostly = 2*r.Duplicate > total
			v.Rows = append(v.Rows, *r)
		}
	}
	slices.SortFunc(v.Rows, func(a, b dedupeRow) int {
		return cmp.Or(cmp.Compare(b.share, a.share), cmp.Compare(b.Duplicate, a.Duplicate), cmp.Compare(a.Feed, b.Feed))
	})
	if len(v.Rows) > maxDedupeRows {
		v.Rows = v.Rows[:maxDedupeRows]
	}
	if len(v.Rows) == 0 {
		v.Note = "No articles judged since this process started."
	}
	if story != "" {
		a := p.d.stage.AlsoIn(story)
		v.Also = &a
	}
	return v
}
