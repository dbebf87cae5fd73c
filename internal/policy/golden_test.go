package policy

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/policy -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden file (go test -update to accept):\n%s", name, got)
	}
}

func TestDescribeGolden(t *testing.T) {
	golden(t, "describe-defaults.golden", Default().Describe())
	p, err := Parse(".github/glass.yml", StarterPolicy())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "describe-starter.golden", p.Describe())
	full := mustParse(t, decisionPolicy+"    repos: [payments]\n")
	full.Source = "acme/.github:.github/glass.yml"
	golden(t, "describe-decisions.golden", full.Describe())
}

func TestExplainGolden(t *testing.T) {
	p := mustParse(t, decisionPolicy)
	for _, user := range []string{"alice", "carol", "erin", "zed"} {
		perms, err := p.Explain(context.Background(), "acme/payments", user, testDirectory())
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "explain-"+user+".golden", FormatExplain("acme/payments", user, perms))
	}
	perms, err := Default().Explain(context.Background(), "acme/payments", "anyone", nil)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "explain-defaults.golden", FormatExplain("acme/payments", "anyone", perms))
}

func TestExplainReportsLookupFailures(t *testing.T) {
	p := mustParse(t, decisionPolicy+`  - name: flaky
    who: {teams: [broken]}
    levers: {access: [pull]}
`)
	perms, err := p.Explain(context.Background(), "acme/payments", "alice", testDirectory())
	if err == nil || len(perms) == 0 {
		t.Fatalf("perms = %d, err = %v; want the found permissions and an error", len(perms), err)
	}
}
