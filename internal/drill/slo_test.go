package drill

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseSLO(t *testing.T) {
	tests := []struct {
		spec    string
		wantErr string
	}{
		{"time_to_grant=5s", ""},
		{"time_to_grant", "use METRIC=DURATION"},
		{"nope=1s", "unknown metric"},
		{"time_to_alert=-1s", "not a positive duration"},
	}
	for _, tt := range tests {
		s := DefaultSLOs()
		err := s.ParseSLO([]string{tt.spec})
		if tt.wantErr == "" {
			if err != nil || s[MetricGrant] != 5*time.Second {
				t.Errorf("%q: err=%v slo=%v", tt.spec, err, s[MetricGrant])
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%q: err=%v, want %q", tt.spec, err, tt.wantErr)
		}
	}
}

func TestReportFailsOnMissedSLO(t *testing.T) {
	sc := &Scenario{Name: "happy"}
	sc.check("open", true, "ok")
	sc.metric(MetricGrant, 20*time.Second)
	DefaultSLOs().apply(sc)
	sc.finish()
	r := &Report{Repo: "acme/x", Branch: "main", Scenarios: []*Scenario{sc}}
	r.Passed = len(r.Failures()) == 0
	if sc.Passed || r.Passed {
		t.Fatal("a missed SLO must fail the scenario and the report")
	}
	var b bytes.Buffer
	r.WriteText(&b)
	if !strings.Contains(b.String(), "FAIL  slo time_to_grant") || !strings.Contains(b.String(), "Result: FAIL") {
		t.Errorf("report does not name the failed SLO:\n%s", b.String())
	}
}
