package gate

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/auth"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/contract"
	"github.com/glass-cli/glass/internal/override"
)

func TestGate(t *testing.T) {
	s := ghsim.New()
	ts := httptest.NewServer(contract.ForTest(t)(s)) // every exchange validated against GitHub's description
	defer ts.Close()
	ep, _ := ghapi.Resolve(ts.URL+"/", "")
	req := engine.OpenRequest{Lever: override.LeverProtection, Target: override.Target{Repo: "acme/payments", Branch: "main"},
		Duration: time.Hour, Reason: "INC-1", AuditRepo: "acme/audit"}
	for _, tc := range []struct {
		login, refusal string
	}{{"alice", ""}, {"mallory", "strict check two-factor"}, {"dave", "strict check two-factor"}} {
		tok := s.Token(tc.login)
		if tc.login == "dave" { // dave has 2FA on; he fails on admin instead
			tc.refusal = "strict check permission: dave is not an administrator"
		}
		g := &Gate{Checker: &auth.Checker{GitHub: ghapi.NewClient(ghapi.Options{Endpoint: ep, Token: tok}), Token: auth.Token{Value: tok, Source: "GH_TOKEN"}}}
		g.Start(context.Background(), req)
		a, err := g.Check(context.Background(), req, tc.login)
		if tc.refusal == "" {
			if err != nil || a.Mode != "self" || !strings.Contains(a.Reason, "two-factor: on") {
				t.Fatalf("%s: %+v %v", tc.login, a, err)
			}
			continue
		}
		var r *engine.RefusalError
		if !errors.As(err, &r) || !strings.Contains(err.Error(), tc.refusal) || !strings.Contains(err.Error(), "nothing was changed") {
			t.Errorf("%s: err = %v", tc.login, err)
		}
	}
}
