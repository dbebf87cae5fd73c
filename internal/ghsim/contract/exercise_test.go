package contract_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/exercise"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
)

// rawCaller sends requests over HTTP to a validated simulator (simtest).
func rawCaller(t *testing.T, sim *simtest.Sim) func(method, path, tok string, body any, hdr ...string) exercise.Resp {
	base := strings.TrimSuffix(sim.URL, "/")
	return func(method, path, tok string, body any, hdr ...string) exercise.Resp {
		t.Helper()
		var rd io.Reader
		if body != nil {
			j, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			rd = bytes.NewReader(j)
		}
		req, err := http.NewRequest(method, base+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/vnd.github+json")
		req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := sim.Client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return exercise.Resp{Code: res.StatusCode, Header: res.Header, Body: b}
	}
}

// TestEveryRouteValidated drives every simulator route over HTTP (happy
// paths and the error answers glass handles) through the validating
// simtest server: any exchange GitHub's description rejects fails it.
func TestEveryRouteValidated(t *testing.T) {
	for _, prefix := range []string{"", "/api/v3"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			var opts []ghsim.Option
			if prefix != "" {
				opts = append(opts, ghsim.WithPrefix(prefix))
			}
			sim := simtest.Start(t, append(opts, ghsim.WithSeed("acme"))...)
			exerciseAll(t, sim)
		})
	}
}

func exerciseAll(t *testing.T, sim *simtest.Sim) {
	exercise.All(t, exercise.Env{
		Call:  rawCaller(t, sim),
		Token: sim.Token,
		ScopedToken: func(login string, scopes ...string) string {
			return sim.AddToken(ghsim.TokenSpec{Login: login, Scopes: scopes})
		},
		Faults: func(nth int, kind string) {
			sim.SetFaults(ghsim.Faults{FailNth: nth, FailNthKind: ghsim.FaultKind(kind)})
		},
	})
	// every REST route was exercised (and so validated)
	for _, r := range sim.Unexercised() {
		if !r.OAuth {
			t.Errorf("route not exercised: %s %s", r.Method, r.Pattern)
		}
	}
}
