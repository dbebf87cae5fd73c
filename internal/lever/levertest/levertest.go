// Package levertest holds the steps every lever's tests take against the
// simulator: read a setting, write one, compare fields, list the writes.
package levertest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
)

// ViaJSON gives fields the shape they have after the engine stored them in
// the audit record (float64 numbers, []any lists).
func ViaJSON(t testing.TB, f lever.Fields) lever.Fields {
	t.Helper()
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var out lever.Fields
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Read reads tg with l; an error fails t.
func Read(t testing.TB, l lever.Lever, tg override.Target) lever.Snapshot {
	t.Helper()
	s, err := l.Read(context.Background(), tg)
	if err != nil {
		t.Fatalf("Read(%s): %v", tg, err)
	}
	return s
}

// Write writes want over live with l and returns the fields after it (the
// answer's, or read back when Write gives none); an error fails t.
func Write(t testing.TB, l lever.Lever, tg override.Target, live, want lever.Fields) lever.Fields {
	t.Helper()
	got, err := l.Write(context.Background(), tg, live, want)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if got == nil {
		got = Read(t, l, tg).Fields
	}
	return got
}

// NoDiff fails t, naming what, when got's fields differ from want's.
func NoDiff(t testing.TB, what string, want, got lever.Fields) {
	t.Helper()
	if mm := lever.Diff(want, got); len(mm) > 0 {
		t.Fatalf("%s: %d fields differ: %+v (want %v, got %v)", what, len(mm), mm, want, got)
	}
}

// Writes lists the simulator's logged requests that are not GETs, as
// "METHOD /path".
func Writes(sim *simtest.Sim) []string {
	var out []string
	for _, e := range sim.Log() {
		if e.Method != http.MethodGet {
			out = append(out, e.Method+" "+e.Path)
		}
	}
	return out
}

// ReadFailsUnchanged runs read on a fresh acme simulator whose nth request
// fails with kind, for each kind and each n from 1 to upTo (FaultDrop drops
// every request: net/http silently retries a GET whose reused connection
// drops, so a single drop may not surface), and checks that it fails
// saying nothing was changed.
func ReadFailsUnchanged(t *testing.T, kinds []ghsim.FaultKind, upTo int, read func(t *testing.T, sim *simtest.Sim) error) {
	t.Helper()
	for _, k := range kinds {
		for n := 1; n <= upTo; n++ {
			t.Run(string(k), func(t *testing.T) {
				sim := simtest.Start(t, ghsim.WithSeed("acme"))
				f := ghsim.Faults{FailNth: n, FailNthKind: k}
				if k == ghsim.FaultDrop {
					f = ghsim.Faults{DropRate: 1, HasSeed: true}
				}
				sim.SetFaults(f)
				if err := read(t, sim); err == nil || !strings.Contains(err.Error(), "nothing was changed") {
					t.Fatalf("err = %v", err)
				}
			})
		}
	}
}

// WantUnknownOutcome checks the error of a write whose answer never came:
// it says glass does not know whether GitHub applied it, points to glass
// status and glass sweep, and does not make claim (e.g. "not replaced"),
// which would be false if the write did land.
func WantUnknownOutcome(t testing.TB, err error, claim string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, s := range []string{"does not know whether GitHub applied", "`glass status`", "`glass sweep`"} {
		if !strings.Contains(msg, s) {
			t.Errorf("error lacks %q: %s", s, msg)
		}
	}
	if strings.Contains(msg, claim) {
		t.Errorf("error claims %q: %s", claim, msg)
	}
}
