package engine

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
)

func mustOpen(t *testing.T, u *user, req OpenRequest) *override.Override {
	t.Helper()
	o, err := u.eng.Open(bg, req)
	if err != nil {
		t.Fatalf("%s: open %v: %v", u.login, req.Relax, err)
	}
	if o.State != override.StateActive || o.ID == "" {
		t.Fatalf("open: state %s id %q", o.State, o.ID)
	}
	return o
}

func mustClose(t *testing.T, u *user, id string) *CloseResult {
	t.Helper()
	r, err := u.eng.Close(bg, id, "done")
	if err != nil {
		t.Fatalf("%s: close %s: %v", u.login, id, err)
	}
	return r
}

func relaxNames(t *testing.T, u *user) []string {
	var names []string
	seenAll := false
	for _, r := range u.eng.levers[override.LeverProtection].Relaxations() {
		names = append(names, r.Name)
		seenAll = seenAll || r.Name == "all"
	}
	if !seenAll {
		names = append(names, "all")
	}
	return names
}

func TestOpenCloseRoundTripProtection(t *testing.T) {
	for _, name := range relaxNames(t, newEnv(t).user("alice")) {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			alice := e.user("alice")
			before := e.protection()
			o := mustOpen(t, alice, protReq(name))
			during := e.protection()
			orig, _ := snapshotFields(o)
			want, _ := alice.eng.levers[override.LeverProtection].Relax(o.Target, orig, o.Relax)
			if (during == before) != (len(lever.Diff(orig, want)) == 0) {
				t.Fatalf("relax %s: live changed %v, but the lever wants %v", name, during != before, lever.Diff(orig, want))
			}
			if o.Expires.Sub(o.Opened) != 30*time.Minute || o.HeadSHA == "" || len(o.Snapshot) == 0 {
				t.Fatalf("recorded override: opened %s expires %s head %q", o.Opened, o.Expires, o.HeadSHA)
			}
			r := mustClose(t, alice, o.ID)
			if after := e.protection(); after != before {
				t.Fatalf("not byte-identical after close:\nbefore %s\nafter  %s", before, after)
			}
			if len(r.Verified) != 0 || len(r.Plan.Drift) != 0 || len(r.Plan.Conflicts) != 0 || r.Remaining != 0 {
				t.Fatalf("close result: %+v", r)
			}
			iss := e.issues("acme/audit")
			if len(iss) != 1 || iss[0].State != "closed" {
				t.Fatalf("audit issues: %d, state %v", len(iss), iss[0].State)
			}
			if got := strings.Join(eventKinds(e, o.ID), ","); got != "activity,applied,restored" {
				t.Fatalf("events on the audit issue: %s", got)
			}
			if !strings.Contains(strings.Join(iss[0].Labels, ","), "break-glass") {
				t.Fatalf("labels: %v", iss[0].Labels)
			}
		})
	}
}

func TestOpenCloseRoundTripAccess(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	before := e.permission("mallory")
	o := mustOpen(t, alice, accessReq("mallory", "push"))
	if during := e.permission("mallory"); during == before {
		t.Fatalf("access open changed nothing: %s", during)
	}
	mustClose(t, alice, o.ID)
	if after := e.permission("mallory"); after != before {
		t.Fatalf("permission not restored:\nbefore %s\nafter  %s", before, after)
	}
}

func TestOverlapUnion(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.user("alice"), e.user("bob")
	lv := alice.eng.levers[override.LeverProtection]
	orig := e.protection()
	a := mustOpen(t, alice, protReq("reviews"))
	pv, err := bob.eng.Plan(bg, protReq("checks"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.Overlaps) != 1 || pv.Overlaps[0].ID != a.ID {
		t.Fatalf("plan overlaps: %+v", pv.Overlaps)
	}
	b := mustOpen(t, bob, protReq("checks"))
	origF, _ := snapshotFields(a)
	bF, _ := snapshotFields(b)
	if d := lever.Diff(origF, bF); len(d) != 0 {
		t.Fatalf("bob's snapshot is not alice's original: %v", d)
	}
	live := func() lever.Fields {
		s, err := lv.Read(bg, protReq().Target)
		if err != nil {
			t.Fatal(err)
		}
		return s.Fields
	}
	both, _ := lv.Relax(protReq().Target, origF, []string{"checks", "reviews"})
	if d := lever.Diff(both, live()); len(d) != 0 {
		t.Fatalf("live is not the union: %v", d)
	}
	r := mustClose(t, alice, a.ID)
	if r.Remaining != 1 {
		t.Fatalf("remaining = %d", r.Remaining)
	}
	onlyChecks, _ := lv.Relax(protReq().Target, origF, []string{"checks"})
	if d := lever.Diff(onlyChecks, live()); len(d) != 0 {
		t.Fatalf("after alice closes, live is not orig+checks: %v", d)
	}
	mustClose(t, bob, b.ID)
	if got := e.protection(); got != orig {
		t.Fatalf("last close did not restore the original:\n%s\n%s", orig, got)
	}
}

func setRule(e *env, fn func(p *ghsim.Protection)) {
	e.sim.Do(func(st *ghsim.State) { fn(st.Repo("acme/payments").ExactRule("main")) })
}

func TestDriftKeptAndConflictRestored(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	orig := e.protection()
	o := mustOpen(t, alice, protReq("reviews"))
	// Someone edits a field glass did not touch, and re-enables reviews
	// with one approval.
	setRule(e, func(p *ghsim.Protection) {
		p.AllowDeletions = true
		p.Reviews = &ghsim.Reviews{RequiredApprovingReviewCount: 1}
	})
	r := mustClose(t, alice, o.ID)
	if len(r.Plan.Drift) == 0 {
		t.Fatalf("drift not reported: %+v", r.Plan)
	}
	foundDel := false
	for _, c := range r.Plan.Drift {
		if strings.Contains(c.Field, "allow_deletions") {
			foundDel = true
		}
	}
	if !foundDel {
		t.Fatalf("allow_deletions drift not reported: %+v", r.Plan.Drift)
	}
	foundCount := false
	for _, c := range r.Plan.Conflicts {
		if strings.Contains(c.Field, "required_approving_review_count") {
			foundCount = true
			if !lever.Equal(c.Result, 2) {
				t.Fatalf("count restored to %v, want 2", c.Result)
			}
		}
	}
	if !foundCount {
		t.Fatalf("review count conflict not reported: %+v", r.Plan.Conflicts)
	}
	var del bool
	var count int
	e.sim.Do(func(st *ghsim.State) {
		p := st.Repo("acme/payments").ExactRule("main")
		del = p.AllowDeletions
		if p.Reviews != nil {
			count = p.Reviews.RequiredApprovingReviewCount
		}
	})
	if !del || count != 2 {
		t.Fatalf("after close: allow_deletions=%v (want kept true), count=%d (want 2)", del, count)
	}
	// Apart from the kept drift, the original is back.
	setRule(e, func(p *ghsim.Protection) { p.AllowDeletions = false })
	if got := e.protection(); got != orig {
		t.Fatalf("not the original apart from drift:\n%s\n%s", orig, got)
	}
}

func TestExtendAndStatus(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	o := mustOpen(t, alice, protReq("reviews"))
	st, err := alice.eng.Status(bg, "acme/audit")
	if err != nil || len(st.Entries) != 1 || st.Entries[0].Left != 30*time.Minute || st.Entries[0].Overdue {
		t.Fatalf("status: %+v %v", st, err)
	}
	x, err := alice.eng.Extend(bg, o.ID, 15*time.Minute, "still fixing")
	if err != nil {
		t.Fatal(err)
	}
	if !x.Expires.Equal(o.Expires.Add(15*time.Minute)) || len(x.Extensions) != 1 || x.Extensions[0].Actor != "alice" {
		t.Fatalf("extend: %s %+v", x.Expires, x.Extensions)
	}
	if got := strings.Join(eventKinds(e, o.ID), ","); got != "applied,extended" {
		t.Fatalf("events after extend: %s", got)
	}
	e.clk.Advance(40 * time.Minute)
	st, err = alice.eng.Status(bg, "acme/audit")
	if err != nil || len(st.Entries) != 1 || st.Entries[0].Left != 5*time.Minute || st.Entries[0].Overdue {
		t.Fatalf("status after extend: %+v %v", st.Entries, err)
	}
	// Not due yet: sweep does nothing.
	sr, err := alice.eng.Sweep(bg, "acme/audit")
	if err != nil || len(sr.Restored) != 0 {
		t.Fatalf("sweep before expiry: %+v %v", sr, err)
	}
	e.clk.Advance(6 * time.Minute)
	st, _ = alice.eng.Status(bg, "acme/audit")
	if !st.Entries[0].Overdue {
		t.Fatalf("not overdue: %+v", st.Entries[0])
	}
	if _, err := alice.eng.Extend(bg, "acme/audit#999", time.Minute, "x"); err == nil {
		t.Fatal("extend of a missing override succeeded")
	}
}

func TestCloseTwice(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	o := mustOpen(t, alice, protReq("reviews"))
	mustClose(t, alice, o.ID)
	_, err := alice.eng.Close(bg, o.ID, "again")
	if !errors.Is(err, ErrAlreadyClosed) {
		t.Fatalf("second close: %v", err)
	}
}

func TestSweepNothingDue(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	mustOpen(t, alice, protReq("reviews"))
	sweeper := e.user("bob")
	sr, err := sweeper.eng.Sweep(bg, "acme/audit")
	if err != nil || sr.Checked != 1 || len(sr.Restored) != 0 {
		t.Fatalf("sweep: %+v %v", sr, err)
	}
	if n, _, log := sweeper.rec.stats(); n != 1 {
		t.Fatalf("sweep with nothing due made %d requests: %v", n, log)
	}
	sweeper.rec.reset()
	sr, err = sweeper.eng.Sweep(bg, "acme/audit")
	if err != nil || !sr.NotModified {
		t.Fatalf("repeat sweep: %+v %v", sr, err)
	}
	n, _, _ := sweeper.rec.stats()
	if n != 1 || sweeper.rec.spans[0].status != 304 {
		t.Fatalf("repeat sweep: %d requests, status %d", n, sweeper.rec.spans[0].status)
	}
}

func TestSweepExpiredIdempotent(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	orig := e.protection()
	o := mustOpen(t, alice, protReq("reviews", "checks"))
	e.clk.Advance(31 * time.Minute)
	s1, s2 := e.user("bob"), e.user("alice")
	// Two sweepers that both saw the override live.
	list1, _, err := s1.ledg.ListLive(bg, "acme/audit")
	if err != nil || len(list1) != 1 {
		t.Fatal(err, len(list1))
	}
	sr, err := s2.eng.Sweep(bg, "acme/audit")
	if err != nil || len(sr.Restored) != 1 {
		t.Fatalf("sweep: %+v %v", sr, err)
	}
	// The slower sweeper acts on its stale list.
	if _, err := s1.eng.rollback(bg, list1[0], list1, ledger.KindRestored, "expired", true); err != nil {
		t.Fatalf("stale sweeper: %v", err)
	}
	sr, err = s1.eng.Sweep(bg, "acme/audit")
	if err != nil || len(sr.Restored) != 0 || sr.Checked != 0 {
		t.Fatalf("third sweep: %+v %v", sr, err)
	}
	if got := e.protection(); got != orig {
		t.Fatalf("not restored")
	}
	n := countRestored(e, o.ID)
	if n != 1 {
		t.Fatalf("%d restored records, want 1", n)
	}
}

func issueNumber(id string) int {
	_, n, _ := strings.Cut(id, "#")
	x := 0
	for _, c := range n {
		x = x*10 + int(c-'0')
	}
	return x
}

// bodyRestored counts the rollback records (restored or reconciled) in the
// state block of an audit issue (the closing record, ledger.BodyExtras.Record).
func bodyRestored(e *env, id string) int {
	repo, _ := repoOfID(id)
	n := 0
	for _, is := range e.issues(repo) {
		if is.Number != issueNumber(id) || is.Body == nil {
			continue
		}
		_, x, err := ledger.ParseBodyExtras(*is.Body)
		if err != nil {
			e.t.Fatalf("%s: %v", id, err)
		}
		for _, ev := range x.Record {
			if ev.Kind == ledger.KindRestored || ev.Kind == ledger.KindReconciled {
				n++
			}
		}
	}
	return n
}

// countRestored counts the rollback comments (restored or reconciled) on an
// audit issue: readable copies of the record in the state block.
func countRestored(e *env, id string) int {
	repo, _ := repoOfID(id)
	n := 0
	for _, c := range e.comments(repo, issueNumber(id)) {
		if isRestoredComment(c) {
			n++
		}
	}
	return n
}

func TestRefusals(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	// A wildcard rule glass cannot restore faithfully, or an unknown relax name.
	req := protReq("reviews")
	req.Target.Branch = "release/1.x"
	if _, err := alice.eng.Open(bg, req); err == nil {
		t.Log("release/1.x open allowed by the lever")
		_ = err
	} else if ExitCode(err) != ExitRefused && !strings.Contains(err.Error(), "not changed") {
		t.Fatalf("wildcard: %v (exit %d)", err, ExitCode(err))
	}
	if _, err := alice.eng.Open(bg, protReq("no-such-thing")); ExitCode(err) != ExitRefused {
		t.Fatalf("unknown relax: %v (exit %d)", err, ExitCode(err))
	}
	denied := e.user("alice", func(c *Config) {
		c.Gate = GateFunc(func(_ context.Context, _ OpenRequest, actor string) (*override.Approval, error) {
			return nil, &RefusalError{Reason: "policy: " + actor + " is not on call"}
		})
	})
	before := e.protection()
	_, err := denied.eng.Open(bg, protReq("reviews"))
	if ExitCode(err) != ExitRefused || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("gate refusal: %v", err)
	}
	if e.protection() != before || len(e.issues("acme/audit")) != 0 {
		t.Fatal("a refused open changed something")
	}
	// A gate that cannot decide (GitHub unreachable) is a failure, not a
	// refusal: exit 1, and still nothing changed.
	broken := e.user("alice", func(c *Config) {
		c.Gate = GateFunc(func(context.Context, OpenRequest, string) (*override.Approval, error) {
			return nil, errors.New("GET /user: connection reset")
		})
	})
	_, err = broken.eng.Open(bg, protReq("reviews"))
	if ExitCode(err) != ExitFailure || !strings.Contains(err.Error(), "made no change") {
		t.Fatalf("gate failure: %v (exit %d)", err, ExitCode(err))
	}
	if e.protection() != before || len(e.issues("acme/audit")) != 0 {
		t.Fatal("a failed gate changed something")
	}
	// Audit repository that does not exist: nothing changes.
	req = protReq("reviews")
	req.AuditRepo = "acme/nope"
	_, err = alice.eng.Open(bg, req)
	if err == nil || !strings.Contains(err.Error(), "not changed") || e.protection() != before {
		t.Fatalf("missing audit repo: %v", err)
	}
}

func TestActivityDuringWindow(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	// An old-dated push before the window must not count.
	o := mustOpen(t, alice, protReq("reviews"))
	e.clk.Advance(5 * time.Minute)
	e.sim.Do(func(st *ghsim.State) {
		repo := st.Repo("acme/payments")
		st.Commit(repo, "main", "alice", "hotfix: stop double charges", map[string]string{"processor.go": "package payments\n\nfunc Charge() { /* once */ }\n"})
		st.MergePR(repo, 2, "bob")  // PR 2 has no approving review
		st.MergePR(repo, 1, "dave") // PR 1 was approved by alice
	})
	e.clk.Advance(5 * time.Minute)
	r := mustClose(t, alice, o.ID)
	a := r.Activity
	if a == nil {
		t.Fatal("no activity")
	}
	if a.FromSHA != o.HeadSHA || a.ToSHA == "" || a.ToSHA == a.FromSHA || len(a.Commits) != 3 {
		t.Fatalf("activity: from %s to %s, %d commits, errors %v", a.FromSHA, a.ToSHA, len(a.Commits), a.Errors)
	}
	if len(a.Pushes) != 3 || a.Pushes[0].Kind != "push" || a.Pushes[0].Actor != "alice" || a.DirectPushes != 1 {
		t.Fatalf("pushes: %+v", a.Pushes)
	}
	skipped := map[int]bool{}
	for _, p := range a.MergedPulls {
		skipped[p.Number] = p.SkippedReview
	}
	if len(a.MergedPulls) != 2 || !skipped[2] || skipped[1] {
		t.Fatalf("merged pulls: %+v", a.MergedPulls)
	}
	if len(a.Errors) != 0 {
		t.Fatalf("activity errors: %v", a.Errors)
	}
}

func TestOverlapAccess(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.user("alice"), e.user("bob")
	before := e.permission("mallory")
	a := mustOpen(t, alice, accessReq("mallory", "push"))
	b := mustOpen(t, bob, accessReq("mallory", "admin"))
	if !strings.Contains(e.permission("mallory"), `"role_name":"admin"`) {
		t.Fatalf("union is not admin: %s", e.permission("mallory"))
	}
	mustClose(t, bob, b.ID)
	if !strings.Contains(e.permission("mallory"), `"role_name":"write"`) {
		t.Fatalf("after bob closes, alice's push should remain: %s", e.permission("mallory"))
	}
	mustClose(t, alice, a.ID)
	if got := e.permission("mallory"); got != before {
		t.Fatalf("not restored:\n%s\n%s", before, got)
	}
}

func countPath(u *user, method, path string) int {
	_, _, log := u.rec.stats()
	n := 0
	for _, l := range log {
		if strings.HasSuffix(l, method+" "+path) {
			n++
		}
	}
	return n
}

func TestOpenPreviewReusesFreshReads(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	pv, err := alice.eng.Plan(bg, protReq("reviews"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.Notices) == 0 || pv.Notices[0].Kind != "auto-merge" {
		t.Fatalf("notices: %+v", pv.Notices)
	}
	alice.rec.reset()
	o, err := alice.eng.OpenPreview(bg, pv)
	if err != nil {
		t.Fatal(err)
	}
	if n := countPath(alice, "GET", "/user"); n != 0 {
		t.Fatalf("OpenPreview re-read the actor %d times", n)
	}
	mustClose(t, alice, o.ID)
	// A preview a human looked at for a minute is read again.
	pv, err = alice.eng.Plan(bg, protReq("checks"))
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Minute)
	alice.rec.reset()
	o, err = alice.eng.OpenPreview(bg, pv)
	if err != nil {
		t.Fatal(err)
	}
	if n := countPath(alice, "GET", "/repos/acme/payments/branches/main/protection"); n != 1 {
		t.Fatalf("stale preview: protection read %d times, want 1", n)
	}
	mustClose(t, alice, o.ID)
}

// TestConcurrentOpens: two responders open on the same branch at the same
// moment; neither sees the other in its first list. The union ends up
// live, both records hold the original, and the last close restores it.
func TestConcurrentOpens(t *testing.T) {
	for i := 0; i < 5; i++ {
		e := newEnv(t)
		alice, bob := e.user("alice"), e.user("bob")
		orig := e.protection()
		// Latency makes both first lists happen before either audit issue.
		e.sim.SetFaults(ghsim.Faults{Latency: 10 * time.Millisecond})
		var a, b *override.Override
		var errA, errB error
		done := make(chan struct{})
		go func() { defer close(done); a, errA = alice.eng.Open(bg, protReq("reviews")) }()
		b, errB = bob.eng.Open(bg, protReq("checks"))
		<-done
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		e.sim.SetFaults(ghsim.Faults{})
		lv := alice.eng.levers[override.LeverProtection]
		s, _ := lv.Read(bg, protReq().Target)
		first := a
		if issueNumber(b.ID) < issueNumber(a.ID) {
			first = b
		}
		origF, _ := snapshotFields(first)
		both, _ := lv.Relax(protReq().Target, origF, []string{"checks", "reviews"})
		if d := lever.Diff(both, s.Fields); len(d) != 0 {
			t.Fatalf("run %d: live is not the union: %v", i, d)
		}
		mustClose(t, alice, a.ID)
		mustClose(t, bob, b.ID)
		if got := e.protection(); got != orig {
			t.Fatalf("run %d: not restored:\n%s\n%s", i, orig, got)
		}
	}
}

// TestConcurrentCloses: both overlapping overrides are closed at the same
// moment; each would keep what the other needed. The original comes back.
func TestConcurrentCloses(t *testing.T) {
	for i := 0; i < 5; i++ {
		e := newEnv(t)
		alice, bob := e.user("alice"), e.user("bob")
		orig := e.protection()
		a := mustOpen(t, alice, protReq("reviews"))
		b := mustOpen(t, bob, protReq("checks"))
		e.sim.SetFaults(ghsim.Faults{Latency: 10 * time.Millisecond})
		var errA error
		done := make(chan struct{})
		go func() { defer close(done); _, errA = alice.eng.Close(bg, a.ID, "done") }()
		_, errB := bob.eng.Close(bg, b.ID, "done")
		<-done
		e.sim.SetFaults(ghsim.Faults{})
		if errA != nil || errB != nil {
			t.Fatal(errA, errB)
		}
		if got := e.protection(); got != orig {
			t.Fatalf("run %d: not restored after concurrent closes:\n%s\n%s", i, orig, got)
		}
	}
}

// deafLever wraps a real lever; its Write does not take (GitHub answered,
// the setting stayed: the 2026 report in github-api.md §12), so
// verification fails.
type deafLever struct{ lever.Lever }

func (l deafLever) Write(ctx context.Context, t override.Target, live, want lever.Fields) (lever.Fields, error) {
	s, err := l.Lever.Read(ctx, t)
	return s.Fields, err
}

func TestRestoreIncompleteThenSweep(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	orig := e.protection()
	o := mustOpen(t, alice, protReq("reviews"))
	liar := e.user("alice", func(c *Config) {
		c.Levers = map[override.Lever]lever.Lever{override.LeverProtection: deafLever{c.Levers[override.LeverProtection]}}
	})
	_, err := liar.eng.Close(bg, o.ID, "done")
	if !errors.Is(err, ErrRestoreIncomplete) || ExitCode(err) != ExitRestore || !strings.Contains(err.Error(), "required_pull_request_reviews") {
		t.Fatalf("close with a failed verification: %v (exit %d)", err, ExitCode(err))
	}
	iss := e.issues("acme/audit")
	if len(iss) != 1 || iss[0].State != "open" || !strings.Contains(strings.Join(iss[0].Labels, ","), "failed") {
		t.Fatalf("audit issue after a failed rollback: %+v", iss[0])
	}
	st, err := alice.eng.Status(bg, "acme/audit")
	if err != nil || len(st.Entries) != 1 || !st.Entries[0].Failed {
		t.Fatalf("status: %+v %v", st, err)
	}
	// A sweep with the liar fails (exit 5); a sweep with the real lever
	// finishes the rollback.
	for i := 0; i < 2; i++ {
		if _, err := liar.eng.Sweep(bg, "acme/audit"); ExitCode(err) != ExitRestore {
			t.Fatalf("sweep that cannot restore: %v (exit %d)", err, ExitCode(err))
		}
	}
	if got := strings.Join(eventKinds(e, o.ID), ","); got != "activity,applied,restore-failed" {
		t.Fatalf("repeated failures must not repeat the record: %s", got)
	}
	sr, err := e.user("bob").eng.Sweep(bg, "acme/audit")
	if err != nil || len(sr.Reconciled) != 1 {
		t.Fatalf("sweep: %+v %v", sr, err)
	}
	if got := e.protection(); got != orig {
		t.Fatal("not restored")
	}
	if iss := e.issues("acme/audit"); iss[0].State != "closed" {
		t.Fatalf("issue %s", iss[0].State)
	}
}

func TestSweepWithoutAdminFails(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	mustOpen(t, alice, protReq("reviews"))
	e.clk.Advance(time.Hour)
	_, err := e.user("carol").eng.Sweep(bg, "acme/audit") // security: maintain, not admin
	var se *SweepError
	if !errors.As(err, &se) || len(se.Failed) != 1 || ExitCode(err) != ExitFailure || !strings.Contains(err.Error(), "still relaxed") {
		t.Fatalf("sweep by a non-admin: %v", err)
	}
}

// eventKinds lists the kinds of the glass events on an audit issue, sorted.
func eventKinds(e *env, id string) []string {
	repo, _ := repoOfID(id)
	var out []string
	for _, c := range e.comments(repo, issueNumber(id)) {
		if ev, ok := ledger.ParseEvent(c); ok {
			out = append(out, string(ev.Kind))
		}
	}
	sort.Strings(out)
	return out
}

// TestOpenSelf: an access or team request for yourself (Self, no user)
// names the actor, learnt from the identity read of open's first round:
// exactly the requests of the same open with the login given, one GET /user
// among them, and the login in the preview and the record.
func TestOpenSelf(t *testing.T) {
	count := func(req OpenRequest) (*override.Override, int, int) {
		e := newEnv(t)
		alice := e.user("alice")
		o := mustOpen(t, alice, req)
		n, _, log := alice.rec.stats()
		users := 0
		for _, l := range log {
			if strings.HasSuffix(l, " GET /user") {
				users++
			}
		}
		mustClose(t, alice, o.ID)
		return o, n, users
	}
	self := accessReq("", "push")
	self.Self = true
	o, n, users := count(self)
	_, want, _ := count(accessReq("alice", "push"))
	if o.Target.User != "alice" || n != want || users != 1 {
		t.Fatalf("Self open: user %q, %d requests (%d GET /user); with --user alice: %d requests", o.Target.User, n, users, want)
	}

	// With a login hint (the stored or cached login) the setting is read
	// beside GET /user: the same requests when the hint is right; a stale
	// hint costs the lever's read once more and still names the actor.
	for _, c := range []struct {
		hint  string
		extra int
	}{{"alice", 0}, {"ALICE", 0}, {"bob", 4}} {
		e := newEnv(t)
		alice := e.user("alice", func(cfg *Config) { cfg.LoginHint = func() string { return c.hint } })
		o := mustOpen(t, alice, self)
		n, _, _ := alice.rec.stats()
		if o.Target.User != "alice" || n != want+c.extra {
			t.Errorf("hint %q: user %q, %d requests; want alice, %d", c.hint, o.Target.User, n, want+c.extra)
		}
		mustClose(t, alice, o.ID)
	}

	e := newEnv(t)
	alice := e.user("alice")
	pv, err := alice.eng.Plan(bg, self)
	if err != nil || pv.Request.Target.User != "alice" || pv.Actor != "alice" {
		t.Fatalf("Self plan: %+v %v", pv, err)
	}
	// Without Self, an empty user is still bad input, before any request.
	alice.rec.reset()
	if _, err := alice.eng.Open(bg, accessReq("", "push")); ExitCode(err) != ExitRefused {
		t.Fatalf("no user, no Self: %v (exit %d)", err, ExitCode(err))
	}
	if n, _, _ := alice.rec.stats(); n != 0 {
		t.Fatalf("no user, no Self: %d requests", n)
	}
	// The identity read fails: nothing is read on a guessed user, nothing written.
	alice.rec.reset()
	e.sim.SetFaults(ghsim.Faults{FailPath: `^/user$`, FailPathKind: ghsim.Fault502})
	_, err = alice.eng.Open(bg, self)
	e.sim.SetFaults(ghsim.Faults{})
	if err == nil || !strings.Contains(err.Error(), "GET /user") || !strings.Contains(err.Error(), "not changed: nothing") {
		t.Fatalf("Self open with GET /user failing: %v", err)
	}
	_, _, log := alice.rec.stats()
	for _, l := range log {
		if strings.Contains(l, "/collaborators") || strings.Contains(l, "POST ") {
			t.Fatalf("Self open read or wrote without a login: %s", l)
		}
	}
}
