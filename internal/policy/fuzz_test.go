package policy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds arbitrary bytes to Parse. It must never panic, every
// error must carry FILE:LINE:COL, and any accepted policy must pass
// Validate, describe itself and decide a request without panicking.
func FuzzParse(f *testing.F) {
	f.Add(StarterPolicy())
	f.Add([]byte(minimal))
	f.Add([]byte(decisionPolicy))
	f.Add([]byte(""))
	f.Add([]byte("version: 1\nrules: [{name: a, who: {users: ['*']}, branches: ['**'], levers: {protection: [all]}}]\n"))
	f.Add([]byte("version: 1\nx: &a [*a]\n"))
	if seeds, err := filepath.Glob(filepath.Join("testdata", "*.yml")); err == nil {
		for _, s := range seeds {
			if b, err := os.ReadFile(s); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yml", data)
		if err != nil {
			errs, ok := err.(Errors)
			if !ok || len(errs) == 0 {
				t.Fatalf("error %T %v is not a non-empty Errors", err, err)
			}
			for _, e := range errs {
				if e.Line < 1 || e.Col < 1 || !strings.HasPrefix(e.Error(), "fuzz.yml:") {
					t.Fatalf("error without a position: %q", e.Error())
				}
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted policy does not validate: %v\n%s", err, data)
		}
		if err := roundTrip(p); err != nil {
			t.Fatalf("%v\ninput:\n%s", err, data)
		}
		_ = p.Describe()
		r := Request{Repo: "acme/payments", Branch: "main", Lever: "protection", Relax: []string{"all"},
			User: "alice", Reason: "a reason long enough", At: time.Unix(0, 0)}
		d := p.Decide(context.Background(), r, teams{"acme/oncall": {"alice"}})
		if d.Allowed && d.Rule == "" {
			t.Fatalf("allowed without a rule: %+v", d)
		}
		if _, err := p.Explain(context.Background(), "acme/payments", "alice", teams{}); err != nil {
			t.Fatalf("explain: %v", err)
		}
	})
}
