package drill

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/ghsim/contract"
	"github.com/glass-cli/glass/internal/notify"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fakeSandbox starts the sandbox on a fake clock that only the drill's
// waits move, with every exchange checked against GitHub's OpenAPI
// description. Timings are then exact: the golden reports do not depend on
// the machine.
func fakeSandbox(t *testing.T) *Sandbox {
	t.Helper()
	fc := clock.NewFake(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	sb, err := StartSandbox(SandboxOptions{Wrap: contract.ForTest(t), Clock: fc,
		Sleep: func(_ context.Context, d time.Duration) error { fc.Advance(d); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.Close)
	return sb
}

// faultsRE covers the one part of a report that depends on how parallel
// requests interleave: which of them met the injected faults.
var faultsRE = regexp.MustCompile(`(?m)(faults injected +)\d+ injected \(.*\)$|^(  injected faults: ).*$`)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/drill -update)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from golden (run with -update if intended)\n--- got ---\n%s", p, got)
	}
}

// Every scenario, end to end against the sandbox, as the terminal shows it.
func TestDrillAllGolden(t *testing.T) {
	sb := fakeSandbox(t)
	r, err := Run(context.Background(), sb.Env, Options{Repo: SandboxRepo, Branch: SandboxBranch, Duration: 2 * time.Second, Sandbox: true, Scenarios: []string{"all"}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	r.WriteText(&b)
	out := faultsRE.ReplaceAll(b.Bytes(), []byte("${1}${2}N (normalised)"))
	golden(t, "all.txt", out)
	if !r.Passed {
		t.Errorf("the drill failed:\n%s", b.String())
	}
	// The faults scenario met faults of every kind the schedule has.
	fs := r.Scenarios[4].Faults
	for _, k := range []string{"dropped connection", "secondary rate limit", "429 too many requests", "500 server error", "502 server error", "503 server error"} {
		if fs[k] == 0 {
			t.Errorf("faults scenario: no %q injected: %v", k, fs)
		}
	}
	// Each scenario's report is on its audit issue and reads back.
	for _, sc := range r.Scenarios {
		h, err := LoadHistory(context.Background(), sb.Env.GitHub, SandboxRepo, 10)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range h.Entries {
			if e.Override == sc.Override && e.Report != nil && e.Report.Name == sc.Name && e.Report.Passed {
				found = true
			}
		}
		if !found {
			t.Errorf("history does not show %s (%s)", sc.Name, sc.Override)
		}
	}
}

// A missed SLO and a door that does not open fail the drill, named.
func TestDrillFailsGolden(t *testing.T) {
	sb := fakeSandbox(t)
	slos := DefaultSLOs()
	if err := slos.ParseSLO([]string{"door_open_for=1s"}); err == nil {
		t.Fatal("door_open_for is informational, not an SLO")
	}
	r, err := Run(context.Background(), sb.Env, Options{Repo: SandboxRepo, Branch: SandboxBranch, Relax: []string{"conversations"},
		Duration: time.Second, Sandbox: true, Scenarios: []string{"happy"}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	r.WriteText(&b)
	golden(t, "door-stays-shut.txt", b.Bytes())
	if f := r.Failures(); r.Passed || len(f) != 1 || !strings.HasPrefix(f[0], "happy: door open during (direct write to main was refused: HTTP 409") {
		t.Errorf("want exactly one failure, door open during, got %q", f)
	}
}

// A webhook that cannot be delivered fails the "webhook delivered" check
// and leaves time_to_alert at the audit issue; nothing else fails.
func TestWebhookNotDelivered(t *testing.T) {
	sb := fakeSandbox(t)
	sb.Env.Receiver = nil
	sb.Env.Notifier = notify.New([]notify.Target{{Name: "pager", Kind: "generic", URLEnv: "PAGER_URL"}},
		notify.Options{Getenv: func(string) string { return "http://127.0.0.1:1/hook" }, MaxAttempts: 2, BaseDelay: time.Millisecond})
	r, err := Run(context.Background(), sb.Env, Options{Repo: SandboxRepo, Branch: SandboxBranch, Duration: time.Second, Sandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	f := r.Failures()
	if len(f) != 1 || !strings.HasPrefix(f[0], "happy: webhook delivered (the drill's granted notification reached 1 webhook(s): webhook pager: NOT delivered after 2 attempts") {
		t.Errorf("failures = %q", f)
	}
	if _, ok := r.Scenarios[0].Metrics[MetricWebhook]; ok {
		t.Error("an undelivered webhook has no delivery time")
	}
	if r.Scenarios[0].Metrics[MetricAlert] != r.Scenarios[0].Metrics[MetricAudit] {
		t.Errorf("time_to_alert %v, want the audit issue's %v", r.Scenarios[0].Metrics[MetricAlert], r.Scenarios[0].Metrics[MetricAudit])
	}
}

func TestExpand(t *testing.T) {
	tests := []struct {
		names            []string
		sandbox          bool
		wantRun, wantSkp string
		wantErr          string
	}{
		{nil, false, "happy", "", ""},
		{[]string{"all"}, true, "happy,crash,drift,overlap,faults", "", ""},
		{[]string{"all"}, false, "happy,crash,drift,overlap", "faults", ""},
		{[]string{"drift", "Happy", "drift"}, false, "drift,happy", "", ""},
		{[]string{"faults"}, false, "", "", `scenario "faults" injects faults into the embedded simulator`},
		{[]string{"nope"}, true, "", "", `unknown scenario "nope" (valid: happy, crash, drift, overlap, faults, all)`},
	}
	for _, tt := range tests {
		run, skipped, err := Expand(tt.names, tt.sandbox)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: err = %v, want %q", tt.names, err, tt.wantErr)
			}
			continue
		}
		if err != nil || strings.Join(run, ",") != tt.wantRun || strings.Join(skipped, ",") != tt.wantSkp {
			t.Errorf("%v sandbox=%v: run %v skipped %v err %v", tt.names, tt.sandbox, run, skipped, err)
		}
	}
}

func TestReportCommentRoundTrip(t *testing.T) {
	sc := &Scenario{Name: "drift", Passed: true, Override: "acme/audit#4", Others: []string{"acme/audit#5"},
		Checks:  []Check{{Name: "open", Passed: true, Detail: "a | pipe --> and <b>"}},
		Metrics: map[string]Millis{MetricGrant: 120}, Drift: []string{"required_signatures: false → true (kept)"}}
	js, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	body := sc.Markdown(&Report{}, js)
	got, ok := ParseReportComment(strings.ReplaceAll(body, "\n", "\r\n"))
	if !ok || got.Name != "drift" || got.Metrics[MetricGrant] != 120 || got.Checks[0].Detail != sc.Checks[0].Detail || got.Others[0] != "acme/audit#5" {
		t.Fatalf("round trip: %+v %v\n%s", got, ok, body)
	}
	for _, other := range []string{"", "plain comment", reportMarker + "1\n{not json}\n-->", reportMarker + "1 no newline", reportMarker + "1\n{\"name\":\"\"}\n-->"} {
		if _, ok := ParseReportComment(other); ok {
			t.Errorf("ParseReportComment(%q) = ok", other)
		}
	}
}

func TestTrends(t *testing.T) {
	entry := func(grant Millis) HistoryEntry {
		return HistoryEntry{Report: &Scenario{Metrics: map[string]Millis{MetricGrant: grant}}}
	}
	tests := []struct {
		grants []Millis // newest first
		want   string
	}{
		{[]Millis{100}, "first"},
		{[]Millis{100, 200, 220, 180}, "better"},
		{[]Millis{300, 200, 220, 180}, "worse"},
		{[]Millis{205, 200, 220, 180}, "steady"},
		{[]Millis{1, 0}, "steady"}, // a millisecond is noise
	}
	for _, tt := range tests {
		var es []HistoryEntry
		for _, g := range tt.grants {
			es = append(es, entry(g))
		}
		es = append(es, HistoryEntry{}) // a drill without a report is left out
		tr := trends(es)
		if len(tr) != 1 || tr[0].Change != tt.want || tr[0].N != len(tt.grants) || tr[0].Last != tt.grants[0] {
			t.Errorf("%v: %+v, want %s", tt.grants, tr, tt.want)
		}
	}
	if median([]Millis{4, 1, 3, 2}) != 2 || median([]Millis{5, 1, 3}) != 3 {
		t.Error("median")
	}
}
