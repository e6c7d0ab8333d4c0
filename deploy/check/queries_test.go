package check

import (
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

// query is one PromQL expression of a deploy file and where it is.
type query struct {
	where string // "rule NewswireFeedFailing", "panel Polls by result"
	expr  string
}

var promql = parser.NewParser(parser.Options{})

// TestRulesParse reads the rule file with Prometheus' own loader, which
// validates the YAML, every expression and every template.
func TestRulesParse(t *testing.T) {
	ruleQueries(t)
}

func ruleQueries(t *testing.T) []query {
	t.Helper()
	path := filepath.Join(repoRoot(t), "deploy", "prometheus", "newswire-rules.yml")
	groups, errs := rulefmt.ParseFile(path, false, model.UTF8Validation, promql, slog.New(slog.NewTextHandler(t.Output(), nil)))
	for _, err := range errs {
		t.Error(err)
	}
	if len(errs) > 0 {
		t.FailNow()
	}
	var qs []query
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				t.Errorf("%s: a rule without alert: %q", path, r.Expr)
			}
			for _, a := range []string{"summary", "description", "runbook"} {
				if r.Annotations[a] == "" {
					t.Errorf("%s: alert %s has no %s annotation", path, r.Alert, a)
				}
			}
			qs = append(qs, query{"rule " + r.Alert, r.Expr})
		}
	}
	if len(qs) == 0 {
		t.Fatalf("%s: no rules", path)
	}
	return qs
}

// TestDashboardParses checks that every query of the dashboard (panels and
// template variables) is PromQL, once Grafana's variables are replaced.
func TestDashboardParses(t *testing.T) {
	for _, q := range dashboardQueries(t) {
		if _, err := promql.ParseExpr(q.expr); err != nil {
			t.Errorf("%s: %q: %v", q.where, q.expr, err)
		}
	}
}

type dashboard struct {
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name  string          `json:"name"`
			Type  string          `json:"type"`
			Query json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	Title      string  `json:"title"`
	Type       string  `json:"type"`
	Datasource any     `json:"datasource"`
	Panels     []panel `json:"panels"` // a collapsed row's
	Targets    []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

var (
	// Grafana's interval variables become a range PromQL accepts; any other
	// variable sits in a label matcher's value, where any text parses.
	intervalVar = regexp.MustCompile(`\$__(rate_interval|interval|range)\b|\$\{__(rate_interval|interval|range)\}`)
	otherVar    = regexp.MustCompile(`\$\{?\w+\}?`)
	labelValues = regexp.MustCompile(`^label_values\((.+),\s*\w+\)$`)
)

func grafanaToPromQL(expr string) string {
	return otherVar.ReplaceAllString(intervalVar.ReplaceAllString(expr, "5m"), "x")
}

func dashboardQueries(t *testing.T) []query {
	t.Helper()
	path := filepath.Join(repoRoot(t), "deploy", "grafana", "newswire-dashboard.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if d.SchemaVersion < 36 {
		t.Errorf("%s: schemaVersion %d, want a current one (≥ 36)", path, d.SchemaVersion)
	}
	var qs []query
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", path, p.Title)
			}
			if ds, _ := json.Marshal(p.Datasource); !strings.Contains(string(ds), "${DS_PROMETHEUS}") {
				t.Errorf("%s: panel %q: datasource %s, want ${DS_PROMETHEUS}", path, p.Title, ds)
			}
			for _, tg := range p.Targets {
				qs = append(qs, query{"panel " + p.Title, grafanaToPromQL(tg.Expr)})
			}
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			_ = json.Unmarshal(v.Query, &q.Query) // older dashboards: a plain string
		}
		if m := labelValues.FindStringSubmatch(q.Query); m != nil {
			qs = append(qs, query{"variable " + v.Name, grafanaToPromQL(m[1])})
		} else {
			t.Errorf("%s: variable %s: query %q is not label_values(selector, label)", path, v.Name, q.Query)
		}
	}
	if len(qs) == 0 {
		t.Fatalf("%s: no queries", path)
	}
	return qs
}

// metricNames is every metric name the expression selects.
func metricNames(t *testing.T, q query) []string {
	t.Helper()
	e, err := promql.ParseExpr(q.expr)
	if err != nil {
		t.Errorf("%s: %q: %v", q.where, q.expr, err)
		return nil
	}
	var names []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == labels.MetricName && m.Type == labels.MatchEqual {
				name = m.Value
			}
		}
		if name == "" {
			t.Errorf("%s: %q selects series without naming a metric", q.where, q.expr)
		} else if !slices.Contains(names, name) {
			names = append(names, name)
		}
		return nil
	})
	return names
}
