package drill

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ledger"
)

// reportMarker opens the hidden JSON block of a drill report comment (see
// Scenario.Markdown).
const reportMarker = "<!-- glass:drill-report v"

// ParseReportComment reads the scenario report hidden in a drill report
// comment. ok is false for any other comment.
func ParseReportComment(body string) (*Scenario, bool) {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	i := strings.Index(body, reportMarker)
	if i < 0 {
		return nil, false
	}
	rest := body[i+len(reportMarker):]
	nl := strings.IndexByte(rest, '\n')
	end := strings.Index(rest, "\n-->")
	if nl < 0 || end < nl {
		return nil, false
	}
	var sc Scenario
	if err := json.Unmarshal([]byte(rest[nl+1:end]), &sc); err != nil || sc.Name == "" {
		return nil, false
	}
	return &sc, true
}

// HistoryEntry is one past drill: its audit issue and, when glass posted
// one, its report.
type HistoryEntry struct {
	Override  string    `json:"override"`
	URL       string    `json:"url,omitempty"`
	Actor     string    `json:"actor"`
	Target    string    `json:"target"`
	Requested time.Time `json:"requested_at"`
	Report    *Scenario `json:"report"` // null: no report comment (an interrupted drill)
}

// Trend compares the latest drill's value of a metric with the earlier ones.
type Trend struct {
	Metric string `json:"metric"`
	N      int    `json:"drills"`           // drills that measured it
	Last   Millis `json:"last_ms"`          // the newest drill
	Median Millis `json:"median_ms"`        // over every drill that measured it
	Prev   Millis `json:"prev_median_ms"`   // over the earlier ones (0 when there are none)
	Change string `json:"change"`           // better, worse, steady, or first
	Limit  Millis `json:"slo_ms,omitempty"` // the default SLO
}

// History is what `glass drill history` shows.
type History struct {
	Repo    string         `json:"repo"`
	Entries []HistoryEntry `json:"drills"`
	Trends  []Trend        `json:"trends"`
}

// LoadHistory lists the closed drill overrides of an audit repository
// (newest first, at most limit) with the reports glass posted on them. A
// second override opened by the same drill (overlap) is folded into the
// report that names it. Requests: one per 100 issues, one per drill.
func LoadHistory(ctx context.Context, gh *github.Client, repo string, limit int) (*History, error) {
	st := ledger.NewStore(gh)
	ovs, err := st.ListDrills(ctx, repo)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(ovs, func(i, j int) bool { return ovs[i].Requested.After(ovs[j].Requested) })
	h := &History{Repo: repo}
	owner, name, _ := strings.Cut(repo, "/")
	folded := map[string]bool{}
	var all []HistoryEntry
	for _, o := range ovs {
		// An overlap drill makes two issues: read up to twice the limit,
		// then fold the second ones into the report that names them.
		if limit > 0 && len(all) >= 2*limit {
			break
		}
		_, n, err := ledger.ParseID(o.ID, "")
		if err != nil {
			continue
		}
		e := HistoryEntry{Override: o.ID, Actor: o.Actor, Target: o.Target.String(), Requested: o.Requested.UTC()}
		var cs []*github.IssueComment
		err = try(ctx, func() (err error) {
			cs, _, err = gh.Issues.ListComments(ctx, owner, name, n, &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("reading the comments of %s: %w", o.ID, err)
		}
		for _, c := range cs {
			if sc, ok := ParseReportComment(c.GetBody()); ok {
				e.Report = sc
				for _, other := range sc.Others {
					folded[other] = true
				}
			}
		}
		all = append(all, e)
	}
	for _, e := range all {
		if folded[e.Override] || (limit > 0 && len(h.Entries) >= limit) {
			continue
		}
		h.Entries = append(h.Entries, e)
	}
	h.Trends = trends(h.Entries)
	return h, nil
}

// trends compares, per headline metric, the newest drill with the earlier
// ones: more than 10% below their median is better, above is worse.
func trends(entries []HistoryEntry) []Trend {
	var out []Trend
	slos := DefaultSLOs()
	for _, m := range summaryMetrics {
		var vals []Millis // newest first
		for _, e := range entries {
			if e.Report == nil {
				continue
			}
			if v, ok := e.Report.Metrics[m]; ok {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			continue
		}
		t := Trend{Metric: m, N: len(vals), Last: vals[0], Median: median(vals), Change: "first", Limit: Ms(slos[m])}
		if len(vals) > 1 {
			t.Prev = median(vals[1:])
			switch {
			case float64(t.Last) > float64(t.Prev)*1.1 && t.Last-t.Prev > 1:
				t.Change = "worse"
			case float64(t.Last) < float64(t.Prev)*0.9 && t.Prev-t.Last > 1:
				t.Change = "better"
			default:
				t.Change = "steady"
			}
		}
		out = append(out, t)
	}
	return out
}

func median(v []Millis) Millis {
	s := append([]Millis(nil), v...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// WriteText renders the history: one row per drill, then the trends.
func (h *History) WriteText(w io.Writer) {
	if len(h.Entries) == 0 {
		fmt.Fprintf(w, "No drills recorded in %s yet. Run one: glass drill -R %s\n", h.Repo, h.Repo)
		return
	}
	fmt.Fprintf(w, "Drills recorded in %s, newest first\n\n", h.Repo)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	summaryHeader(tw, "DRILL\tSTARTED\tSCENARIO\tRESULT")
	for _, e := range h.Entries {
		started := e.Requested.Format("2006-01-02 15:04 UTC")
		if e.Report == nil {
			fmt.Fprintf(tw, "%s\t%s\t-\tno report", e.Override, started)
			for range summaryMetrics {
				fmt.Fprint(tw, "\t-")
			}
			fmt.Fprintln(tw)
			continue
		}
		res := "PASS"
		if !e.Report.Passed {
			res = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s", e.Override, started, e.Report.Name, res)
		for _, m := range summaryMetrics {
			if v, ok := e.Report.Metrics[m]; ok {
				fmt.Fprintf(tw, "\t%s", v)
			} else {
				fmt.Fprint(tw, "\t-")
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if len(h.Trends) == 0 {
		return
	}
	fmt.Fprintln(w, "\nTrend (newest drill against the median of the earlier ones):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range h.Trends {
		if t.N == 1 {
			fmt.Fprintf(tw, "  %s\tlast %s\t(first drill)\tSLO %s\n", t.Metric, t.Last, t.Limit)
			continue
		}
		fmt.Fprintf(tw, "  %s\tlast %s\tearlier median %s over %d\t%s\tSLO %s\n", t.Metric, t.Last, t.Prev, t.N-1, t.Change, t.Limit)
	}
	tw.Flush()
}
