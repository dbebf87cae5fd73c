package ghsim

import (
	"testing"

	"github.com/glass-cli/glass/internal/ghsim/exercise"
)

// TestEveryRouteExercised drives every route (internal/ghsim/exercise, with
// the requests GitHub's description rejects) and the device flow in-process,
// each exchange validated (see validated), and checks that each route
// answered at least once below 500.
func TestEveryRouteExercised(t *testing.T) {
	s, _ := newAcme(t)
	exercise.All(t, exercise.Env{
		Call: func(m, p, tok string, body any, hdr ...string) exercise.Resp {
			return exercise.Resp(call(t, s, m, p, tok, body, hdr...))
		},
		Token: s.Token,
		ScopedToken: func(login string, scopes ...string) string {
			return s.AddToken(TokenSpec{Login: login, Scopes: scopes})
		},
		Faults:  func(nth int, kind string) { s.SetFaults(Faults{FailNth: nth, FailNthKind: FaultKind(kind)}) },
		Lenient: true,
	})
	// device flow
	call(t, s, "POST", "/login/device/code", "", "client_id="+SimClientID, "Accept", "application/json")
	call(t, s, "POST", "/login/oauth/access_token", "", "client_id="+SimClientID, "Accept", "application/json")
	for _, r := range s.Unexercised() {
		t.Errorf("route not exercised: %s %s", r.Method, r.Pattern)
	}
}
