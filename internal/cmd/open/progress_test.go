package open

import (
	"errors"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/iostreams"
)

func TestProgress(t *testing.T) {
	steps := []engine.Step{
		{Name: "identity", Detail: "alice", Elapsed: 52 * time.Millisecond},
		{Name: "policy", Detail: "self", Elapsed: 53 * time.Millisecond},
		{Name: "snapshot", Detail: "acme/payments@main", Elapsed: 104 * time.Millisecond},
		{Name: "audit", Detail: "acme/audit#7", URL: "https://github.com/acme/audit/issues/7", Elapsed: 158 * time.Millisecond},
		{Name: "apply", Detail: "acme/payments@main", Elapsed: 211 * time.Millisecond},
		{Name: "verify", Elapsed: 211 * time.Millisecond},
		{Name: "record", Detail: "acme/audit#7", Elapsed: 12500 * time.Millisecond},
		{Name: "apply", Elapsed: 300 * time.Millisecond, Err: errors.New("boom")},
	}
	for _, c := range []struct {
		name      string
		tty       bool
		wantLines string
	}{
		{"plain", false, `identity: alice (52ms)
policy: self (53ms)
snapshot: acme/payments@main (104ms)
audit issue: acme/audit#7 https://github.com/acme/audit/issues/7 (158ms)
applied: acme/payments@main (211ms)
verified: the live setting matches, field by field (211ms)
recorded: acme/audit#7 (12.5s)
applied: failed (300ms)
`},
		{"terminal", true, `✓ identity     alice 52ms
✓ policy       self 53ms
✓ snapshot     acme/payments@main 104ms
✓ audit issue  acme/audit#7 https://github.com/acme/audit/issues/7 158ms
✓ applied      acme/payments@main 211ms
✓ verified     the live setting matches, field by field 211ms
✓ recorded     acme/audit#7 12.5s
X applied      failed 300ms
`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ios, _, _, errOut := iostreams.Test()
			ios.SetStderrTTY(c.tty)
			p := newProgress(ios)
			for _, s := range steps {
				p.step(s)
			}
			if got := errOut.String(); got != c.wantLines {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.wantLines)
			}
		})
	}
}
