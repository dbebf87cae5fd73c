package drill

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/iostreams"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("../../../docs/drill-report.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("the schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("drill-report.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("drill-report.schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return s
}

// The real `glass drill --sandbox --json` output validates against the
// schema documented in docs/drill-report.md, for a passing drill and for a
// failing one, and a report that breaks the contract does not.
func TestJSONReportMatchesSchema(t *testing.T) {
	schema := compileSchema(t)
	for _, tt := range []struct {
		name     string
		args     []string
		wantExit int
	}{
		{"happy passes", []string{"--sandbox", "--scenario", "happy", "--duration", "1s", "--json"}, 0},
		{"missed SLO fails", []string{"--sandbox", "--scenario", "happy,drift", "--duration", "1s", "--slo", "time_to_restore=1ns", "--json"}, cmdutil.ExitDrill},
		{"team lever passes", []string{"--sandbox", "--lever", "team", "--scenario", "happy", "--duration", "1s", "--json"}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, stdout, _ := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Clock: clock.Real{}, Getenv: func(string) string { return "" }}
			cmd := NewCmdDrill(f, nil)
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if got := cmdutil.CodeOf(err); (err == nil && tt.wantExit != 0) || (err != nil && got != tt.wantExit) {
				t.Fatalf("exit %d (%v), want %d", got, err, tt.wantExit)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(stdout.Bytes()))
			if err != nil {
				t.Fatalf("--json output is not JSON: %v\n%s", err, stdout)
			}
			if err := schema.Validate(inst); err != nil {
				t.Fatalf("--json output does not match docs/drill-report.schema.json: %v\n%s", err, stdout)
			}
		})
	}
	// The schema is strict enough to catch a renamed field or a wrong type.
	for _, bad := range []string{
		`{}`,
		strings.Replace(validReport, `"passed": true,`, `"passed": "yes",`, 1),
		strings.Replace(validReport, `"metrics_ms"`, `"metrics"`, 1),
		strings.Replace(validReport, `"time_to_grant": 12`, `"time_to_grnt": 12`, 1),
		// team and user belong to the team lever, which has no branch
		strings.Replace(validReport, `"relax": ["admins"],`, `"relax": ["admins"], "team": "acme/oncall", "user": "dave",`, 1),
		strings.Replace(validTeamReport, `"user": "dave",`, ``, 1),
		strings.Replace(validTeamReport, `"branch": ""`, `"branch": "main"`, 1),
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		if schema.Validate(inst) == nil {
			t.Errorf("the schema accepts a broken report:\n%s", bad)
		}
	}
	for _, good := range []string{validReport, validTeamReport} {
		inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(good))
		if err := schema.Validate(inst); err != nil {
			t.Errorf("the schema rejects a reference report: %v\n%s", err, good)
		}
	}
}

// validTeamReport is a team drill's report: no branch, the team and the user.
var validTeamReport = strings.Replace(validReport, `"branch": "main", "lever": "protection", "relax": ["admins"],`,
	`"branch": "", "lever": "team", "relax": ["member"], "team": "acme/oncall", "user": "dave",`, 1)

const validReport = `{
  "version": 1, "repo": "acme/payments", "branch": "main", "lever": "protection", "relax": ["admins"],
  "sandbox": true, "started_at": "2026-11-23T12:00:00Z", "duration_ms": 1000, "elapsed_ms": 1200,
  "slos_ms": {"time_to_grant": 15000},
  "passed": true,
  "scenarios": [{"name": "happy", "started_at": "2026-11-23T12:00:00Z", "override": "acme/payments#3", "passed": true,
    "checks": [{"name": "open", "passed": true, "detail": "ok"}],
    "metrics_ms": {"time_to_grant": 12, "hold_accuracy": 0}}]
}`
