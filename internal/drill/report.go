// Package drill runs fire drills: it opens a real override on a drill
// target through the same engine a real incident uses, proves that the
// door was shut before, open during and shut again after the window, and
// measures how long each step took against service level objectives.
package drill

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// ReportVersion is the schema version of the JSON report (docs/drill-report.md).
const ReportVersion = 1

// Report is the outcome of one drill run (one or more scenarios).
// The field names are a public contract (docs/drill-report.md and
// docs/drill-report.schema.json): add fields, never rename or remove them.
type Report struct {
	Version   int               `json:"version"`
	Repo      string            `json:"repo"`
	Branch    string            `json:"branch"`
	Lever     string            `json:"lever"`
	Relax     []string          `json:"relax"`
	Sandbox   bool              `json:"sandbox"`
	StartedAt time.Time         `json:"started_at"`
	Duration  Millis            `json:"duration_ms"` // how long each door was to stay open
	Elapsed   Millis            `json:"elapsed_ms"`
	SLOs      map[string]Millis `json:"slos_ms"`
	Passed    bool              `json:"passed"`
	Scenarios []*Scenario       `json:"scenarios"`
	Skipped   []string          `json:"skipped,omitempty"` // scenarios not run (sandbox only)
	// Team and User are the team lever's target (empty for the others):
	// User was added to Team; Branch is then empty.
	Team string `json:"team,omitempty"`
	User string `json:"user,omitempty"`
}

// Where names the drill target: "acme/payments@main", or for the team lever
// "dave in team acme/oncall (acme/payments)".
func (r *Report) Where() string {
	if r.Team != "" {
		return fmt.Sprintf("%s in team %s (%s)", r.User, r.Team, r.Repo)
	}
	return r.Repo + "@" + r.Branch
}

// Scenario is one drill scenario's checks and timings.
type Scenario struct {
	Name      string            `json:"name"`
	StartedAt time.Time         `json:"started_at"`
	Override  string            `json:"override,omitempty"` // audit issue id
	Others    []string          `json:"other_overrides,omitempty"`
	Passed    bool              `json:"passed"`
	Checks    []Check           `json:"checks"`
	Metrics   map[string]Millis `json:"metrics_ms"`
	Drift     []string          `json:"drift,omitempty"`           // changes by someone else the restore kept
	Faults    map[string]int    `json:"faults_injected,omitempty"` // injected faults by kind (faults scenario)
	Notes     []string          `json:"notes,omitempty"`
}

// Check is one pass/fail assertion of a drill.
type Check struct {
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Detail string `json:"detail,omitempty"`
}

// Millis is a duration reported in whole milliseconds.
type Millis int64

// Ms converts a duration.
func Ms(d time.Duration) Millis { return Millis(d / time.Millisecond) }

func (m Millis) String() string { return (time.Duration(m) * time.Millisecond).String() }

// check records an assertion.
func (s *Scenario) check(name string, ok bool, format string, args ...any) bool {
	s.Checks = append(s.Checks, Check{Name: name, Passed: ok, Detail: fmt.Sprintf(format, args...)})
	return ok
}

func (s *Scenario) metric(name string, d time.Duration) {
	if s.Metrics == nil {
		s.Metrics = map[string]Millis{}
	}
	s.Metrics[name] = Ms(d)
}

// finish computes pass/fail for the scenario.
func (s *Scenario) finish() {
	s.Passed = len(s.Checks) > 0
	for _, c := range s.Checks {
		if !c.Passed {
			s.Passed = false
		}
	}
}

// Failures lists "scenario: check (detail)" for every failed check.
func (r *Report) Failures() []string {
	var out []string
	for _, s := range r.Scenarios {
		for _, c := range s.Checks {
			if !c.Passed {
				out = append(out, fmt.Sprintf("%s: %s (%s)", s.Name, c.Name, c.Detail))
			}
		}
	}
	return out
}

// metricOrder is the order metrics appear in tables.
var metricOrder = []string{MetricGrant, MetricAlert, MetricAudit, MetricWebhook, MetricHold, MetricRestore, MetricOpenFor}

func sortedMetrics(m map[string]Millis) []string {
	rank := map[string]int{}
	for i, n := range metricOrder {
		rank[n] = i + 1
	}
	var names []string
	for n := range m {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := rank[names[i]], rank[names[j]]
		if ri == 0 {
			ri = 1000
		}
		if rj == 0 {
			rj = 1000
		}
		if ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	return names
}

// WriteText renders the report for a terminal: every check with PASS or
// FAIL in words (never only colour), then each scenario's timings.
func (r *Report) WriteText(w io.Writer) {
	where := r.Where()
	if r.Sandbox {
		where += " (sandbox)"
	}
	fmt.Fprintf(w, "Drill on %s, %d scenario(s), %s\n\n", where, len(r.Scenarios), r.Elapsed)
	if len(r.Scenarios) > 1 {
		r.writeSummary(w)
	}
	for _, s := range r.Scenarios {
		status := "PASS"
		if !s.Passed {
			status = "FAIL"
		}
		fmt.Fprintf(w, "%s  scenario %s", status, s.Name)
		if s.Override != "" {
			fmt.Fprintf(w, "  (%s)", s.Override)
		}
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, c := range s.Checks {
			mark := "ok  "
			if !c.Passed {
				mark = "FAIL"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", mark, c.Name, c.Detail)
		}
		tw.Flush()
		if len(s.Metrics) > 0 {
			var parts []string
			for _, n := range sortedMetrics(s.Metrics) {
				parts = append(parts, fmt.Sprintf("%s %s", n, s.Metrics[n]))
			}
			fmt.Fprintf(w, "  timings: %s\n", strings.Join(parts, ", "))
		}
		for _, dr := range s.Drift {
			fmt.Fprintf(w, "  drift kept: %s\n", dr)
		}
		if len(s.Faults) > 0 {
			var parts []string
			for _, k := range sortedKeys(s.Faults) {
				parts = append(parts, fmt.Sprintf("%s ×%d", k, s.Faults[k]))
			}
			fmt.Fprintf(w, "  injected faults: %s\n", strings.Join(parts, ", "))
		}
		for _, n := range s.Notes {
			fmt.Fprintf(w, "  note: %s\n", n)
		}
		fmt.Fprintln(w)
	}
	for _, sk := range r.Skipped {
		fmt.Fprintf(w, "SKIP  scenario %s (%s)\n\n", sk, SkipReason(sk))
	}
	if r.Passed {
		fmt.Fprintln(w, "Result: PASS, every check passed and every SLO was met.")
		return
	}
	fmt.Fprintln(w, "Result: FAIL")
	for _, f := range r.Failures() {
		fmt.Fprintf(w, "  - %s\n", f)
	}
}

// summaryMetrics are the columns of the combined table.
var summaryMetrics = []string{MetricGrant, MetricAlert, MetricHold, MetricRestore}

// summaryHeader writes a table's header line: the lead columns, then one
// per summary metric.
func summaryHeader(w io.Writer, lead string) {
	fmt.Fprint(w, lead)
	for _, m := range summaryMetrics {
		fmt.Fprintf(w, "\t%s", column(m))
	}
	fmt.Fprintln(w)
}

// writeSummary renders one row per scenario: result, checks passed and the
// headline timings.
func (r *Report) writeSummary(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	summaryHeader(tw, "SCENARIO\tRESULT\tCHECKS")
	for _, s := range r.Scenarios {
		res := "PASS"
		if !s.Passed {
			res = "FAIL"
		}
		ok := 0
		for _, c := range s.Checks {
			if c.Passed {
				ok++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d/%d", s.Name, res, ok, len(s.Checks))
		for _, m := range summaryMetrics {
			v, has := s.Metrics[m]
			if has {
				fmt.Fprintf(tw, "\t%s", v)
			} else {
				fmt.Fprint(tw, "\t-")
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	fmt.Fprintln(w)
}

// column is a metric's short table heading: GRANT, ALERT, HOLD, RESTORE.
func column(m string) string {
	m = strings.TrimPrefix(m, "time_to_")
	m = strings.TrimSuffix(m, "_accuracy")
	return strings.ToUpper(m)
}

func sortedKeys(m map[string]int) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Markdown renders the report as the comment glass posts on the drill's
// audit issue. The JSON report rides along in a hidden block so that
// `glass drill history` can read it back.
func (s *Scenario) Markdown(r *Report, jsonReport []byte) string {
	var b strings.Builder
	status := "passed"
	if !s.Passed {
		status = "FAILED"
	}
	fmt.Fprintf(&b, "### Drill report: scenario `%s` %s\n\n", s.Name, status)
	b.WriteString("| check | result | detail |\n|---|---|---|\n")
	for _, c := range s.Checks {
		res := "pass"
		if !c.Passed {
			res = "**FAIL**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", c.Name, res, strings.ReplaceAll(c.Detail, "|", "\\|"))
	}
	if len(s.Metrics) > 0 {
		b.WriteString("\n| metric | value |\n|---|---|\n")
		for _, n := range sortedMetrics(s.Metrics) {
			fmt.Fprintf(&b, "| %s | %s |\n", n, s.Metrics[n])
		}
	}
	fmt.Fprintf(&b, "\n<!-- glass:drill-report v%d\n%s\n-->\n", ReportVersion, jsonReport)
	return b.String()
}
