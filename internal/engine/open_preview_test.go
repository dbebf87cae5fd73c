package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/override"
)

// TestPlanWritesNothingOnBadInput: Plan's label setup waits for the reads,
// so a mistyped branch or audit repository changes nothing anywhere (the
// CLI needs no preflight round for that).
func TestPlanWritesNothingOnBadInput(t *testing.T) {
	for _, c := range []struct {
		name string
		mod  func(*OpenRequest)
	}{
		{"unknown branch", func(r *OpenRequest) { r.Target.Branch = "no-such-branch" }},
		{"unknown repository", func(r *OpenRequest) { r.Target.Repo = "acme/nope" }},
		{"unknown audit repository", func(r *OpenRequest) { r.AuditRepo = "acme/nope" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			alice := e.user("alice")
			req := protReq("reviews")
			c.mod(&req)
			if _, err := alice.eng.Plan(bg, req); err == nil {
				t.Fatal("Plan succeeded")
			}
			for _, ex := range e.sim.Log() {
				if ex.Method != "GET" {
					t.Errorf("Plan on bad input wrote: %s %s", ex.Method, ex.Path)
				}
			}
		})
	}
}

// TestPlanSetsUpLabelsAfterTheReads: on an audit repository's first use,
// Plan makes glass's labels once the reads succeeded; the audit write
// then needs no label request at all.
func TestPlanSetsUpLabelsAfterTheReads(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	pv, err := alice.eng.Plan(bg, protReq("reviews"))
	if err != nil {
		t.Fatal(err)
	}
	labelPOSTs := 0
	for _, ex := range e.sim.Log() {
		if ex.Method == "POST" && strings.HasSuffix(ex.Path, "/labels") {
			labelPOSTs++
		}
	}
	if labelPOSTs == 0 {
		t.Fatal("Plan made no labels in a repository that has none")
	}
	alice.rec.reset()
	if _, err := alice.eng.OpenPreview(bg, pv); err != nil {
		t.Fatal(err)
	}
	// Round trips are measured by BenchmarkOpenClose50ms (no timed tests).
	n, _, log := alice.rec.stats()
	for _, l := range log {
		if strings.Contains(l, "/labels") || strings.Contains(l, "GET /repos/acme/payments") {
			t.Errorf("OpenPreview repeated a read Plan made: %s", l)
		}
	}
	if n != 5 {
		t.Errorf("OpenPreview after a fresh Plan: %d requests, want 5 (issue, PUT, comment, re-list, PATCH)\n%s", n, strings.Join(log, "\n"))
	}
}

// TestOpenWithPreview: `glass open --yes` in four round trips, with the
// same preview Plan would have shown, and every progress step in order.
func TestOpenWithPreview(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	// Labels exist (a repository glass has used before).
	if err := alice.ledg.EnsureLabels(bg, "acme/audit"); err != nil {
		t.Fatal(err)
	}
	alice = e.user("alice") // a fresh process
	o, pv, err := alice.eng.OpenWithPreview(bg, protReq("reviews"))
	if err != nil {
		t.Fatal(err)
	}
	// Round trips: BenchmarkOpenClose50ms (open-with-preview); no timed tests.
	n, _, log := alice.rec.stats()
	for _, l := range log {
		if strings.Contains(l, "POST /repos/acme/audit/labels") {
			t.Errorf("labels made again in a repository that has them: %s", l)
		}
	}
	t.Logf("OpenWithPreview: %d requests", n)
	if o.State != override.StateActive || pv == nil || len(pv.Changes) == 0 || pv.Actor != "alice" {
		t.Fatalf("override %+v preview %+v", o, pv)
	}
	auto := false
	for _, nt := range pv.Notices {
		auto = auto || nt.Kind == "auto-merge"
	}
	if !auto {
		t.Errorf("the preview lacks the queued auto-merge: %+v", pv.Notices)
	}
	var names []string
	var auditDetail, auditURL string
	for _, s := range alice.steps {
		if s.Err != nil {
			t.Errorf("step %s failed: %v", s.Name, s.Err)
		}
		names = append(names, s.Name)
		if s.Name == "audit" {
			auditDetail, auditURL = s.Detail, s.URL
		}
	}
	if got, want := strings.Join(names, ","), "identity,snapshot,policy,audit,apply,verify,record"; got != want {
		t.Errorf("steps %s, want %s", got, want)
	}
	if auditDetail != o.ID || !strings.HasPrefix(auditURL, "http") || !strings.HasSuffix(auditURL, "/acme/audit/issues/1") {
		t.Errorf("audit step: detail %q URL %q, want the ID and the issue's address", auditDetail, auditURL)
	}
}

// TestAlsoProgress: the Config's hook keeps its events when a command adds
// its own printer (WithProgress would replace it).
func TestAlsoProgress(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	var mine []string
	eng := alice.eng.AlsoProgress(func(s Step) { mine = append(mine, s.Name) })
	if _, err := eng.Open(bg, protReq("reviews")); err != nil {
		t.Fatal(err)
	}
	if len(mine) == 0 || len(alice.steps) != len(mine) {
		t.Fatalf("config hook got %d events, added hook %d", len(alice.steps), len(mine))
	}
}

// TestRefreshKeepsAPreviewFresh: a person takes longer than PlanFresh to
// confirm. Refreshed in between and unchanged, the preview's reads are
// reused (open writes at once: no GET before the audit issue); changed
// meanwhile, Refresh says so and open reads everything again and records
// the setting as it is now.
func TestRefreshKeepsAPreviewFresh(t *testing.T) {
	openWrites := func(u *user, pv *Preview) (firstIsWrite bool) {
		t.Helper()
		u.rec.reset()
		o, err := u.eng.OpenPreview(bg, pv)
		if err != nil {
			t.Fatal(err)
		}
		_, _, log := u.rec.stats()
		mustClose(t, u, o.ID)
		return strings.Contains(log[0], " POST ")
	}
	e := newEnv(t)
	alice := e.user("alice")
	pv, err := alice.eng.Plan(bg, protReq("reviews"))
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(PlanFresh / 2)
	if ok, err := alice.eng.Refresh(bg, pv); !ok || err != nil {
		t.Fatalf("Refresh of an unchanged preview: %v %v", ok, err)
	}
	e.clk.Advance(PlanFresh/2 + time.Second) // past PlanFresh since Plan, not since Refresh
	if !openWrites(alice, pv) {
		t.Fatal("a refreshed preview was read again")
	}

	// Someone turns on linear history while alice decides.
	pv, err = alice.eng.Plan(bg, protReq("reviews"))
	if err != nil {
		t.Fatal(err)
	}
	e.sim.Do(func(st *ghsim.State) {
		for _, r := range st.Repo("acme/payments").Rules {
			if r.Pattern == "main" {
				r.RequiredLinearHistory = !r.RequiredLinearHistory
			}
		}
	})
	if ok, err := alice.eng.Refresh(bg, pv); ok || err != nil {
		t.Fatalf("Refresh after a change: %v %v, want false", ok, err)
	}
	e.clk.Advance(PlanFresh + time.Second)
	if openWrites(alice, pv) {
		t.Fatal("a preview that no longer holds was opened without reading again")
	}

	// A refresh that fails leaves the preview as it was (it ages out).
	pv, err = alice.eng.Plan(bg, protReq("reviews"))
	if err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(ghsim.Faults{FailPath: `/protection$`, FailPathKind: ghsim.Fault500})
	_, err = alice.eng.Refresh(bg, pv)
	e.sim.SetFaults(ghsim.Faults{})
	if err == nil {
		t.Fatal("Refresh with the setting unreadable succeeded")
	}
	e.clk.Advance(PlanFresh + time.Second)
	if openWrites(alice, pv) {
		t.Fatal("a preview whose refresh failed was opened without reading again")
	}
}

// TestKeepFresh: KeepFresh refreshes in the background every PlanFresh/2;
// stop ends it and returns once nothing runs.
func TestKeepFresh(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	pv, err := alice.eng.Plan(bg, protReq("reviews"))
	if err != nil {
		t.Fatal(err)
	}
	_, planned := pv.reads()
	stop := alice.eng.KeepFresh(bg, pv)
	// The refresher waits on the fake clock; move it until a refresh landed.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, at := pv.reads(); at.After(planned) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no refresh after PlanFresh/2")
		}
		e.clk.Advance(PlanFresh / 2)
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	stop() // twice is fine
	_, at := pv.reads()
	e.clk.Advance(PlanFresh / 2)
	time.Sleep(50 * time.Millisecond)
	if _, after := pv.reads(); !after.Equal(at) {
		t.Fatal("refreshed after stop")
	}
}
