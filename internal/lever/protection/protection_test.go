package protection_test

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/lever/levertest"
	"github.com/glass-cli/glass/internal/lever/protection"
	"github.com/glass-cli/glass/internal/override"
)

var ctx = context.Background()

var mainT = override.Target{Repo: "acme/payments", Branch: "main"}

func start(t *testing.T) *simtest.Sim {
	t.Helper()
	return simtest.Start(t, ghsim.WithSeed("acme"))
}

// everythingOn turns on every part of main's rule the seed leaves off, so
// each relax name changes something and every PUT shape is exercised.
func everythingOn(sim *simtest.Sim) {
	sim.Do(func(st *ghsim.State) {
		p := st.Repo("acme/payments").ExactRule("main")
		p.RequiredSignatures = true
		p.LockBranch = true
		p.AllowForkSyncing = true
		p.BlockCreations = true
		p.Reviews.DismissalRestrictions = &ghsim.Actors{Users: []string{"carol"}, Teams: []string{"security"}, Apps: []string{"acme-ci"}}
		p.Reviews.BypassAllowances = &ghsim.Actors{Users: []string{"dave"}, Teams: []string{"developers"}, Apps: []string{"acme-ci"}}
		p.Restrictions = &ghsim.Actors{Users: []string{"release-bot"}, Teams: []string{"release-managers"}, Apps: []string{"github-actions"}}
	})
}

// TestRoundTrip: Read → Relax → Write → Read equals Relax's prediction →
// Write(orig) → the protection GET is byte-identical to the original, for
// every relax name and all, on the seed and on a rule with everything on.
func TestRoundTrip(t *testing.T) {
	names := []string{"reviews", "checks", "admins", "force-push", "deletions", "restrictions", "linear-history", "signatures", "conversations", "lock", "all"}
	for _, variant := range []string{"seed", "everything-on"} {
		for _, name := range names {
			t.Run(variant+"/"+name, func(t *testing.T) {
				sim := start(t)
				if variant == "everything-on" {
					everythingOn(sim)
				}
				l := protection.New(sim.GitHub(t, "alice"))
				snap := levertest.Read(t, l, mainT)
				if len(snap.Raw) == 0 {
					t.Fatal("no raw snapshot")
				}
				orig := levertest.ViaJSON(t, snap.Fields)
				want, err := l.Relax(mainT, orig, []string{name})
				if err != nil {
					t.Fatal(err)
				}
				got := levertest.Write(t, l, mainT, snap.Fields, want)
				levertest.NoDiff(t, "Write's answer vs Relax", want, got)
				live := levertest.Read(t, l, mainT)
				levertest.NoDiff(t, "Read after Write vs Relax", want, live.Fields)

				back := levertest.Write(t, l, mainT, live.Fields, orig)
				levertest.NoDiff(t, "restore answer vs original", orig, back)
				after := levertest.Read(t, l, mainT)
				levertest.NoDiff(t, "Read after restore vs original", orig, after.Fields)
				if !bytes.Equal(after.Raw, snap.Raw) {
					t.Fatalf("GET after restore differs:\nbefore %s\nafter  %s", snap.Raw, after.Raw)
				}
			})
		}
	}
}

func TestRelaxPredictions(t *testing.T) {
	sim := start(t)
	l := protection.New(sim.GitHub(t, "alice"))
	orig := levertest.Read(t, l, mainT).Fields
	want, _ := l.Relax(mainT, orig, []string{"reviews"})
	for _, k := range protection.Keys() {
		if strings.HasPrefix(k, "required_pull_request_reviews.") && k != "required_pull_request_reviews.enabled" && want[k] != nil {
			t.Errorf("%s = %v after relaxing reviews, want absent (GitHub omits the object)", k, want[k])
		}
	}
	all, _ := l.Relax(mainT, orig, []string{"all"})
	if len(all) != 2 || all["protected"] != false {
		t.Errorf("all = %v", all)
	}
	if _, err := l.Relax(mainT, orig, []string{"nope"}); err == nil {
		t.Error("unknown relax name accepted")
	}
	for _, k := range protection.Keys() {
		if _, ok := orig[k]; !ok && !strings.Contains(k, "bypass") {
			t.Errorf("seed snapshot lacks %s", k)
		}
	}
}

func TestValidate(t *testing.T) {
	l := protection.New(github.NewClient(nil))
	cases := []struct {
		t     override.Target
		relax []string
		ok    bool
	}{
		{mainT, []string{"reviews", "checks"}, true},
		{mainT, []string{"all"}, true},
		{mainT, nil, false},
		{mainT, []string{"bogus"}, false},
		{override.Target{Repo: "acme", Branch: "main"}, []string{"reviews"}, false},
		{override.Target{Repo: "acme/payments"}, []string{"reviews"}, false},
		{override.Target{Repo: "acme/payments", Branch: "release/*"}, []string{"reviews"}, false},
	}
	for _, c := range cases {
		if err := l.Validate(c.t, c.relax); (err == nil) != c.ok {
			t.Errorf("Validate(%v, %v) = %v", c.t, c.relax, err)
		}
	}
	if len(l.Relaxations()) != 11 || l.Kind() != override.LeverProtection {
		t.Error("relaxations/kind")
	}
}

// TestOverlap: two overrides (reviews; checks+admins) open together, then
// the first closes: the union is live, then only the second's part.
func TestOverlap(t *testing.T) {
	sim := start(t)
	l := protection.New(sim.GitHub(t, "alice"))
	snap := levertest.Read(t, l, mainT)
	orig := levertest.ViaJSON(t, snap.Fields)
	union, _ := l.Relax(mainT, orig, []string{"admins", "checks", "reviews"})
	levertest.Write(t, l, mainT, snap.Fields, union)
	live := levertest.Read(t, l, mainT).Fields
	levertest.NoDiff(t, "union live", union, live)

	desired, _ := l.Relax(mainT, orig, []string{"admins", "checks"})
	plan := lever.Merge(orig, union, live, desired)
	if len(plan.Drift)+len(plan.Conflicts) != 0 {
		t.Fatalf("unexpected drift: %+v", plan)
	}
	levertest.Write(t, l, mainT, live, plan.Want)
	live = levertest.Read(t, l, mainT).Fields
	levertest.NoDiff(t, "partial restore", desired, live)
	if live["required_pull_request_reviews.enabled"] != true || live["enforce_admins"] != false {
		t.Fatalf("partial restore: %v", live)
	}
	plan = lever.Merge(orig, desired, live, orig)
	levertest.Write(t, l, mainT, live, plan.Want)
	after := levertest.Read(t, l, mainT)
	if !bytes.Equal(after.Raw, snap.Raw) {
		t.Fatalf("not byte-identical after the last close")
	}
}

// TestDrift: during the window someone turns off linear history (a field
// glass did not touch: kept) and re-enables reviews with 1 approval (a
// field glass relaxed: put back, reported as a conflict).
func TestDrift(t *testing.T) {
	sim := start(t)
	l := protection.New(sim.GitHub(t, "alice"))
	snap := levertest.Read(t, l, mainT)
	orig := levertest.ViaJSON(t, snap.Fields)
	want, _ := l.Relax(mainT, orig, []string{"reviews"})
	levertest.Write(t, l, mainT, snap.Fields, want)
	sim.Do(func(st *ghsim.State) {
		p := st.Repo("acme/payments").ExactRule("main")
		p.RequiredLinearHistory = false
		p.Reviews = &ghsim.Reviews{RequiredApprovingReviewCount: 1}
	})
	live := levertest.Read(t, l, mainT).Fields
	plan := lever.Merge(orig, want, live, orig)
	if len(plan.Drift) != 1 || plan.Drift[0].Field != "required_linear_history" {
		t.Fatalf("drift = %+v", plan.Drift)
	}
	if len(plan.Conflicts) == 0 {
		t.Fatalf("no conflicts reported for the re-enabled reviews")
	}
	got := levertest.Write(t, l, mainT, live, plan.Want)
	levertest.NoDiff(t, "restore with drift (answer)", plan.Want, got)
	levertest.NoDiff(t, "restore with drift (read)", plan.Want, levertest.Read(t, l, mainT).Fields)
	if got["required_pull_request_reviews.required_approving_review_count"] != 2 {
		t.Fatalf("review count not put back: %v", got)
	}
}

func onlyGETs(t *testing.T, sim *simtest.Sim) {
	t.Helper()
	if w := levertest.Writes(sim); len(w) > 0 {
		t.Fatalf("refusal made writes: %v", w)
	}
}

func TestUnprotectedRefused(t *testing.T) {
	sim := start(t)
	l := protection.New(sim.GitHub(t, "alice"))
	tg := override.Target{Repo: "acme/payments", Branch: "feature/refund-limits"}
	s := levertest.Read(t, l, tg)
	if s.Fields["protected"] != false {
		t.Fatalf("fields = %v", s.Fields)
	}
	_, err := l.Relax(tg, s.Fields, []string{"reviews"})
	var r *lever.RefusalError
	if !errors.As(err, &r) || !strings.Contains(r.Reason, "is not protected: there is nothing to relax") {
		t.Fatalf("err = %v", err)
	}
	onlyGETs(t, sim)
}

func TestWildcardRefused(t *testing.T) {
	sim := start(t)
	l := protection.New(sim.GitHub(t, "alice"))
	tg := override.Target{Repo: "acme/payments", Branch: "release/1.x"}
	s := levertest.Read(t, l, tg)
	if s.Fields["protected"] != "pattern" {
		t.Fatalf("fields = %v", s.Fields)
	}
	for _, names := range [][]string{{"reviews"}, {"all"}} {
		_, err := l.Relax(tg, levertest.ViaJSON(t, s.Fields), names)
		var r *lever.RefusalError
		if !errors.As(err, &r) || !strings.Contains(r.Hint, "ruleset") || !strings.Contains(r.Reason, "wildcard") {
			t.Fatalf("err = %v", err)
		}
	}
	onlyGETs(t, sim)
	// The branch GET says protected and …/protection 404s: that is the signal.
	var sawBranch, saw404 bool
	for _, e := range sim.Log() {
		if e.Route == "/repos/{owner}/{repo}/branches/{branch}" && bytes.Contains(e.RespBody, []byte(`"protected":true`)) {
			sawBranch = true
		}
		if strings.HasSuffix(e.Path, "/protection") && e.Status == 404 {
			saw404 = true
		}
	}
	if !sawBranch || !saw404 {
		t.Fatalf("expected protected:true and a 404 in the log (branch %v, 404 %v)", sawBranch, saw404)
	}
}

// TestAllOverWildcard: main has an exact rule and a wildcard rule also
// matches it. After `all`, the wildcard rule governs main; close reads
// protected:"pattern", Merge calls it a conflict, and the restore PUT brings
// the exact rule back byte for byte.
func TestAllOverWildcard(t *testing.T) {
	sim := start(t)
	sim.Do(func(st *ghsim.State) {
		st.Repo("acme/payments").SetProtection(&ghsim.Protection{Pattern: "ma*", EnforceAdmins: true})
	})
	l := protection.New(sim.GitHub(t, "alice"))
	snap := levertest.Read(t, l, mainT)
	orig := levertest.ViaJSON(t, snap.Fields)
	want, _ := l.Relax(mainT, orig, []string{"all"})
	levertest.Write(t, l, mainT, snap.Fields, want)
	live := levertest.Read(t, l, mainT).Fields
	if live["protected"] != "pattern" {
		t.Fatalf("live = %v", live)
	}
	plan := lever.Merge(orig, want, live, orig)
	if len(plan.Conflicts) != 1 || plan.Conflicts[0].Field != "protected" {
		t.Fatalf("plan = %+v", plan)
	}
	got := levertest.Write(t, l, mainT, live, plan.Want)
	levertest.NoDiff(t, "restore", orig, got)
	if after := levertest.Read(t, l, mainT); !bytes.Equal(after.Raw, snap.Raw) {
		t.Fatal("not byte-identical")
	}
}

func TestUnknownBranchAndRepo(t *testing.T) {
	sim := start(t)
	l := protection.New(sim.GitHub(t, "alice"))
	_, err := l.Read(ctx, override.Target{Repo: "acme/payments", Branch: "nope"})
	if !lever.IsRefusal(err) || !strings.Contains(err.Error(), "branch nope not found in acme/payments") {
		t.Fatalf("unknown branch: %v", err)
	}
	_, err = l.Read(ctx, override.Target{Repo: "acme/nope", Branch: "main"})
	if err == nil || lever.IsRefusal(err) || !strings.Contains(err.Error(), "does not exist or the token cannot see it") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("unknown repo: %v", err)
	}
	onlyGETs(t, sim)
}

// TestPersonalRepo: a user-owned repo gets no users/teams/apps keys in the
// PUT (GitHub rejects them), and still round-trips byte for byte.
func TestPersonalRepo(t *testing.T) {
	sim := start(t)
	sim.Do(func(st *ghsim.State) {
		st.Repo("alice/dotfiles").SetProtection(&ghsim.Protection{Pattern: "main", EnforceAdmins: true,
			RequiredStatusChecks: &ghsim.StatusChecks{Strict: true, Checks: []ghsim.Check{{Context: "lint"}}},
			Reviews:              &ghsim.Reviews{RequiredApprovingReviewCount: 1, DismissStaleReviews: true},
			RequiredSignatures:   true})
	})
	tg := override.Target{Repo: "alice/dotfiles", Branch: "main"}
	for _, name := range []string{"reviews", "admins", "signatures", "all"} {
		t.Run(name, func(t *testing.T) {
			l := protection.New(sim.GitHub(t, "alice"))
			snap := levertest.Read(t, l, tg)
			if snap.Fields["owner_type"] != "User" {
				t.Fatalf("owner_type = %v", snap.Fields["owner_type"])
			}
			orig := levertest.ViaJSON(t, snap.Fields)
			want, _ := l.Relax(tg, orig, []string{name})
			levertest.NoDiff(t, "relaxed", want, levertest.Write(t, l, tg, snap.Fields, want))
			live := levertest.Read(t, l, tg)
			levertest.NoDiff(t, "relaxed read", want, live.Fields)
			sim.ResetLog()
			levertest.Write(t, l, tg, live.Fields, orig)
			for _, e := range sim.Log() {
				if e.Method == "PUT" && (bytes.Contains(e.ReqBody, []byte("dismissal_restrictions")) || bytes.Contains(e.ReqBody, []byte("bypass")) || !bytes.Contains(e.ReqBody, []byte(`"restrictions":null`))) {
					t.Fatalf("personal repo PUT body: %s", e.ReqBody)
				}
			}
			if after := levertest.Read(t, l, tg); !bytes.Equal(after.Raw, snap.Raw) {
				t.Fatalf("not byte-identical:\n%s\n%s", snap.Raw, after.Raw)
			}
		})
	}
}

// TestPUTBody checks the wire shape: every key, checks only (never
// contexts), app_id -1 for "any", no null lists.
func TestPUTBody(t *testing.T) {
	sim := start(t)
	l := protection.New(sim.GitHub(t, "alice"))
	snap := levertest.Read(t, l, mainT)
	want, _ := l.Relax(mainT, snap.Fields, []string{"admins"})
	sim.ResetLog()
	levertest.Write(t, l, mainT, snap.Fields, want)
	var put []byte
	for _, e := range sim.Log() {
		if e.Method == "PUT" {
			put = e.ReqBody
		}
	}
	for _, s := range []string{`"app_id":-1`, `"app_id":15368`, `"required_approving_review_count":2`, `"lock_branch":false`, `"allow_fork_syncing":false`, `"teams":["release-managers"]`, `"bypass_pull_request_allowances":{"apps":[],"teams":[],"users":[]}`} {
		if !bytes.Contains(put, []byte(s)) {
			t.Errorf("PUT body lacks %s: %s", s, put)
		}
	}
	for _, s := range []string{`"contexts"`, `null]`, `:null,"teams"`} {
		if bytes.Contains(put, []byte(s)) {
			t.Errorf("PUT body has %s: %s", s, put)
		}
	}
}

func TestPreview(t *testing.T) {
	sim := start(t)
	l := protection.New(sim.GitHub(t, "alice"))
	pv := l.(lever.Previewer)
	orig := levertest.Read(t, l, mainT).Fields
	for _, c := range []struct {
		relax []string
		n     int
	}{{[]string{"reviews"}, 1}, {[]string{"checks"}, 1}, {[]string{"admins"}, 0}, {[]string{"all"}, 2}, {[]string{"signatures", "lock"}, 1}} {
		want, _ := l.Relax(mainT, orig, c.relax)
		notes, err := pv.Preview(ctx, mainT, orig, want)
		if err != nil {
			t.Fatal(err)
		}
		if len(notes) != c.n {
			t.Fatalf("%v: notices = %+v", c.relax, notes)
		}
		for _, n := range notes {
			if len(c.relax) == 2 && n.Kind != "no-op" {
				t.Errorf("signatures+lock (both off in the seed): %+v", n)
			}
			if n.Kind == "auto-merge" && (!strings.Contains(n.Message, "#1 ") || n.URL == "") {
				t.Errorf("notice = %+v", n)
			}
		}
	}
	sim.SetFaults(ghsim.Faults{FailNth: 1, FailNthKind: ghsim.Fault503})
	want, _ := l.Relax(mainT, orig, []string{"reviews"})
	if _, err := pv.Preview(ctx, mainT, orig, want); err == nil {
		t.Fatal("Preview: no error on 503")
	}
}

// ---- network failures ----

func TestReadFailures(t *testing.T) {
	kinds := []ghsim.FaultKind{ghsim.Fault500, ghsim.Fault502, ghsim.Fault503, ghsim.FaultDrop, ghsim.Fault429}
	levertest.ReadFailsUnchanged(t, kinds, 3, func(t *testing.T, sim *simtest.Sim) error {
		_, err := protection.New(sim.GitHub(t, "alice")).Read(ctx, mainT)
		return err
	})
}

func TestReadForbidden(t *testing.T) {
	sim := start(t)
	l := protection.New(sim.GitHub(t, "dave")) // push, not admin
	_, err := l.Read(ctx, mainT)
	if err == nil || !strings.Contains(err.Error(), "Administration: write") || !strings.Contains(err.Error(), "scope repo") || !strings.Contains(err.Error(), "Must have admin rights") {
		t.Fatalf("err = %v", err)
	}
}

func TestWriteFailures(t *testing.T) {
	for _, c := range []struct {
		name  string
		relax []string
		setup func(sim *simtest.Sim)
		kind  ghsim.FaultKind
		want  string
	}{
		{"put-500", []string{"reviews"}, nil, ghsim.Fault500, "was not replaced"},
		// A dropped connection or a gateway error leaves the outcome open:
		// the message must not claim "not replaced" and must say what reconciles.
		{"put-drop", []string{"reviews"}, nil, ghsim.FaultDrop, "does not know whether GitHub applied this change: the request was sent but the connection dropped"},
		{"put-502", []string{"reviews"}, nil, ghsim.Fault502, "`glass sweep`"},
		{"delete-502", []string{"all"}, nil, ghsim.Fault502, "does not know whether GitHub applied this change: GitHub's gateway answered 502"},
		{"delete-500", []string{"all"}, nil, ghsim.Fault500, "may or may not have been removed"},
		{"sig-only-503", []string{"signatures"}, everythingOn, ghsim.Fault503, "required_signatures"},
		{"put+sig-500", []string{"signatures", "reviews"}, everythingOn, ghsim.Fault500, "acme/payments@main"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim := start(t)
			if c.setup != nil {
				c.setup(sim)
			}
			l := protection.New(sim.GitHub(t, "alice"))
			snap := levertest.Read(t, l, mainT)
			want, _ := l.Relax(mainT, snap.Fields, c.relax)
			sim.SetFaults(ghsim.Faults{FailNth: 1, FailNthKind: c.kind})
			_, err := l.Write(ctx, mainT, snap.Fields, want)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// TestWriteDroppedAfterApply: GitHub carried out the PUT, then the
// connection died before the answer (blackout after request 1). The error
// must say glass does not know, and point to status and sweep; claiming
// "not replaced" would be false, as the read-back shows.
func TestWriteDroppedAfterApply(t *testing.T) {
	sim := start(t)
	l := protection.New(sim.GitHub(t, "alice"))
	snap := levertest.Read(t, l, mainT)
	want, _ := l.Relax(mainT, snap.Fields, []string{"reviews"})
	sim.SetFaults(ghsim.Faults{BlackoutAfter: 1})
	_, err := l.Write(ctx, mainT, snap.Fields, want)
	sim.SetFaults(ghsim.Faults{})
	levertest.WantUnknownOutcome(t, err, "not replaced")
	levertest.NoDiff(t, "applied despite the drop", want, levertest.Read(t, l, mainT).Fields)
}

func TestWriteForbidden(t *testing.T) {
	sim := start(t)
	l := protection.New(sim.GitHub(t, "alice"))
	snap := levertest.Read(t, l, mainT)
	want, _ := l.Relax(mainT, snap.Fields, []string{"reviews"})
	_, err := protection.New(sim.GitHub(t, "dave")).Write(ctx, mainT, snap.Fields, want)
	if err == nil || !strings.Contains(err.Error(), "Administration: write") || !strings.Contains(err.Error(), "was not replaced") {
		t.Fatalf("err = %v", err)
	}
	levertest.NoDiff(t, "unchanged", snap.Fields, levertest.Read(t, l, mainT).Fields)
}

// TestRestore422: the repo stopped allowing squash and rebase during the
// window, so GitHub refuses to restore required linear history.
func TestRestore422(t *testing.T) {
	sim := start(t)
	l := protection.New(sim.GitHub(t, "alice"))
	snap := levertest.Read(t, l, mainT)
	want, _ := l.Relax(mainT, snap.Fields, []string{"linear-history"})
	levertest.Write(t, l, mainT, snap.Fields, want)
	sim.Do(func(st *ghsim.State) {
		r := st.Repo("acme/payments")
		r.AllowSquash, r.AllowRebase, r.AllowMerge = false, false, true
	})
	live := levertest.Read(t, l, mainT).Fields
	_, err := l.Write(ctx, mainT, live, snap.Fields)
	if err == nil || !strings.Contains(err.Error(), "rejected the request as invalid") || !strings.Contains(err.Error(), "422") {
		t.Fatalf("err = %v", err)
	}
}

// TestRoundTrips measures sequential round trips with 50 ms added per
// request: Read and Write are one each (the signatures call runs beside the PUT).
// TestRoundTrips: Read and Write each cost one round trip. A barrier
// holds every request until all expected ones are in flight, so the test
// counts requests sent together instead of timing them.
func TestRoundTrips(t *testing.T) {
	sim := start(t)
	everythingOn(sim)
	b := simtest.NewBarrier(sim.Client.Transport)
	l := protection.New(sim.GitHubOver(t, "alice", b))
	b.Expect(3)
	snap := levertest.Read(t, l, mainT)
	if got, n := b.MaxInFlight(), len(sim.Log()); got != 3 || n != 3 {
		t.Fatalf("Read: %d requests, at most %d in flight together; want 3 in one round trip", n, got)
	}
	want, _ := l.Relax(mainT, snap.Fields, []string{"reviews", "signatures"})
	sim.ResetLog()
	b.Expect(2)
	got, err := l.Write(ctx, mainT, snap.Fields, want)
	if err != nil || got == nil {
		t.Fatalf("Write: %v %v", got, err)
	}
	if inFlight, n := b.MaxInFlight(), len(sim.Log()); inFlight != 2 || n != 2 {
		t.Fatalf("Write (PUT + signatures): %d requests, at most %d in flight together; want 2 in one round trip", n, inFlight)
	}
}

// TestRawIsTheBody: Snapshot.Raw is the GET body byte for byte.
func TestRawIsTheBody(t *testing.T) {
	sim := start(t)
	l := protection.New(sim.GitHub(t, "alice"))
	snap := levertest.Read(t, l, mainT)
	for _, e := range sim.Log() {
		if e.Route == "/repos/{owner}/{repo}/branches/{branch}/protection" {
			if !bytes.Equal(e.RespBody, snap.Raw) {
				t.Fatalf("Raw differs from the body:\n%s\n%s", e.RespBody, snap.Raw)
			}
			return
		}
	}
	t.Fatal("no protection GET in the log")
}

func TestSecondaryRateLimitIsNotBlamedOnPermissions(t *testing.T) {
	sim := start(t)
	l := protection.New(sim.GitHub(t, "alice"))
	sim.SetFaults(ghsim.Faults{SecondaryRate: 1, HasSeed: true, RetryAfter: 1})
	_, err := l.Read(ctx, mainT)
	if err == nil || strings.Contains(err.Error(), "needs admin") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("err = %v", err)
	}
}

// TestFineGrainedForbidden: a fine-grained token without Administration
// gets 403 with X-Accepted-GitHub-Permissions; the error names it, and
// nothing changes.
func TestFineGrainedForbidden(t *testing.T) {
	sim := start(t)
	admin := protection.New(sim.GitHub(t, "alice"))
	snap := levertest.Read(t, admin, mainT)
	for _, c := range []struct {
		perms map[string]string
		write bool
		need  string
	}{
		{map[string]string{"metadata": "read", "contents": "read"}, false, "administration=read"},
		{map[string]string{"metadata": "read", "contents": "read", "administration": "read"}, true, "administration=write"},
	} {
		tok := sim.AddToken(ghsim.TokenSpec{Login: "alice", FineGrained: true, Permissions: c.perms})
		gc := github.NewClient(sim.Client).WithAuthToken(tok)
		gc.BaseURL, _ = url.Parse(sim.URL)
		l := protection.New(gc)
		var err error
		if c.write {
			want, _ := l.Relax(mainT, snap.Fields, []string{"reviews"})
			_, err = l.Write(ctx, mainT, snap.Fields, want)
		} else {
			_, err = l.Read(ctx, mainT)
		}
		if err == nil || !strings.Contains(err.Error(), "Administration: write") || !strings.Contains(err.Error(), c.need) {
			t.Fatalf("err = %v", err)
		}
	}
	if after := levertest.Read(t, admin, mainT); !bytes.Equal(after.Raw, snap.Raw) {
		t.Fatal("changed")
	}
}
