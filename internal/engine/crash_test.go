package engine

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/override"
)

// countOpenRequests measures how many requests a clean open (or close) makes.
func countRequests(t *testing.T, closeToo bool, sc ...scenario) (open, close int) {
	e := newEnv(t)
	alice := e.user("alice")
	req := protReq("reviews")
	if len(sc) > 0 {
		req = sc[0].req
	}
	o := mustOpen(t, alice, req)
	open, _, _ = alice.rec.stats()
	if closeToo {
		alice.rec.reset()
		mustClose(t, alice, o.ID)
		close, _, _ = alice.rec.stats()
	}
	return open, close
}

// afterCrash runs the recovery and checks the invariants: no change
// without an audit issue, at most one audit issue for the attempt, after a
// sweep past the expiry the original is back byte-identical and every
// audit issue is closed, with at most one rollback record each.
func afterCrash(t *testing.T, e *env, before string, err error, wantIssue bool, state ...func(*env) string) {
	read := (*env).protection
	if len(state) > 0 {
		read = state[0]
	}
	t.Helper()
	// No error is fine when only a best-effort request died (the re-list
	// beside the record); the invariants below must hold either way.
	if err != nil && !strings.Contains(err.Error(), "changed") && !errors.Is(err, ErrRestoreIncomplete) && ExitCode(err) != ExitRefused {
		t.Errorf("error does not say what was and was not changed: %v", err)
	}
	e.sim.SetFaults(ghsim.Faults{})
	iss := e.issues("acme/audit")
	if read(e) != before && len(iss) == 0 {
		t.Fatalf("a change exists without an audit issue")
	}
	if len(iss) > 1 {
		t.Fatalf("%d audit issues for one attempt", len(iss))
	}
	if wantIssue && len(iss) != 1 {
		t.Fatalf("the audit issue is missing")
	}
	e.clk.Advance(31*time.Minute + 3*time.Minute)
	sweeper := e.user("bob")
	if _, err := sweeper.eng.Sweep(bg, "acme/audit"); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	if got := read(e); got != before {
		t.Fatalf("after sweep the setting is not the original:\nwant %s\ngot  %s", before, got)
	}
	for _, is := range e.issues("acme/audit") {
		if is.State != "closed" {
			t.Fatalf("audit issue #%d is %s after sweep (labels %v)", is.Number, is.State, is.Labels)
		}
		id := "acme/audit#" + itoa(is.Number)
		if n, c := bodyRestored(e, id), countRestored(e, id); n > 1 || c > 1 {
			t.Fatalf("audit issue #%d has %d rollback records in its state block and %d as comments", is.Number, n, c)
		}
	}
	// A second sweep finds nothing to do.
	sr, err := sweeper.eng.Sweep(bg, "acme/audit")
	if err != nil || sr.Checked != 0 {
		t.Fatalf("second sweep: %+v %v", sr, err)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

// TestCrashDuringOpen kills glass (every connection dropped) after each
// single request of open, then sweeps.
func TestCrashDuringOpen(t *testing.T) {
	m, _ := countRequests(t, false)
	t.Logf("open makes %d requests; testing %d crash positions", m, m)
	for n := 1; n <= m; n++ {
		t.Run("after-"+itoa(n), func(t *testing.T) {
			e := newEnv(t)
			alice := e.user("alice")
			before := e.protection()
			e.sim.SetFaults(ghsim.Faults{BlackoutAfter: n})
			_, err := alice.eng.Open(bg, protReq("reviews"))
			afterCrash(t, e, before, err, false)
		})
	}
}

// TestCrashDuringClose kills glass after each single request of close.
func TestCrashDuringClose(t *testing.T) {
	_, m := countRequests(t, true)
	t.Logf("close makes %d requests; testing %d crash positions", m, m)
	for n := 1; n <= m; n++ {
		t.Run("after-"+itoa(n), func(t *testing.T) {
			e := newEnv(t)
			alice := e.user("alice")
			before := e.protection()
			o := mustOpen(t, alice, protReq("reviews"))
			e.sim.SetFaults(ghsim.Faults{BlackoutAfter: n})
			_, err := alice.eng.Close(bg, o.ID, "done")
			e.sim.SetFaults(ghsim.Faults{})
			// Right after the crash: a closed issue carries its rollback
			// record in its state block (the PATCH that closes it carries
			// it), the comment copy at most once; an open one is what
			// status lists, so the next sweep finishes it.
			is := e.issues("acme/audit")[0]
			if is.State == "closed" {
				if n, c := bodyRestored(e, o.ID), countRestored(e, o.ID); n != 1 || c > 1 {
					t.Fatalf("closed audit issue with %d rollback records in its state block, %d as comments", n, c)
				}
			} else {
				st, serr := e.user("carol").eng.Status(bg, "acme/audit")
				if serr != nil || len(st.Entries) != 1 || st.Entries[0].Override.ID != o.ID {
					t.Fatalf("status after the crash does not list %s: %+v %v", o.ID, st, serr)
				}
			}
			afterCrash(t, e, before, err, true)
			if n := bodyRestored(e, o.ID); n != 1 {
				t.Fatalf("%d rollback records in the state block after the sweep", n)
			}
		})
	}
}

// TestSweepLeavesAFreshClosingAlone: a close that died after marking the
// record closing (not yet overdue) may belong to a closer still at work;
// sweep waits for the grace, status does not call it stuck before then,
// and afterwards sweep finishes it with one record.
func TestSweepLeavesAFreshClosingAlone(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	before := e.protection()
	o := mustOpen(t, alice, protReq("reviews"))
	var id string
	for cut := 1; cut < 10; cut++ {
		e.sim.SetFaults(ghsim.Faults{BlackoutAfter: cut})
		alice.eng.Close(bg, o.ID, "done")
		e.sim.SetFaults(ghsim.Faults{})
		l, _, _ := e.user("carol").ledg.ListLive(bg, "acme/audit")
		if len(l) == 1 && l[0].State == override.StateClosing {
			id = l[0].ID
			break
		}
	}
	if id == "" {
		t.Fatal("no crash position left the override closing")
	}
	e.clk.Advance(30 * time.Second)
	sweeper := e.user("bob")
	sr, err := sweeper.eng.Sweep(bg, "acme/audit")
	if err != nil || len(sr.Reconciled) != 0 {
		t.Fatalf("sweep within the grace touched a fresh closing: %+v %v", sr, err)
	}
	st, _ := sweeper.eng.Status(bg, "acme/audit")
	if len(st.Entries) != 1 || st.Entries[0].Stuck {
		t.Fatalf("fresh closing reported stuck: %+v", st.Entries)
	}
	e.clk.Advance(3 * time.Minute)
	st, _ = sweeper.eng.Status(bg, "acme/audit")
	if len(st.Entries) != 1 || !st.Entries[0].Stuck {
		t.Fatalf("stale closing not reported stuck: %+v", st.Entries)
	}
	sr, err = sweeper.eng.Sweep(bg, "acme/audit")
	if err != nil || len(sr.Reconciled) != 1 || e.protection() != before || countRestored(e, id) != 1 {
		t.Fatalf("sweep after the grace: %+v %v (records %d)", sr, err, countRestored(e, id))
	}
}

// TestTransientFaultsDuringOpen fails each single request of open once
// (503, secondary rate limit with Retry-After, dropped connection): open
// succeeds with exactly one audit issue.
func TestTransientFaultsDuringOpen(t *testing.T) {
	m, _ := countRequests(t, false)
	for _, kind := range []ghsim.FaultKind{ghsim.Fault503, ghsim.FaultSecondary, ghsim.FaultDrop} {
		for n := 1; n <= m; n++ {
			t.Run(string(kind)+"-"+itoa(n), func(t *testing.T) {
				e := newEnv(t)
				alice := e.user("alice")
				e.sim.SetFaults(ghsim.Faults{FailNth: n, FailNthKind: kind, RetryAfter: 1})
				o, err := alice.eng.Open(bg, protReq("reviews"))
				if err != nil {
					t.Fatalf("open with one %s at request %d: %v", kind, n, err)
				}
				e.sim.SetFaults(ghsim.Faults{})
				if iss := e.issues("acme/audit"); len(iss) != 1 || iss[0].State != "open" {
					t.Fatalf("%d audit issues", len(iss))
				}
				mustClose(t, alice, o.ID)
			})
		}
	}
}

// lostAnswer forwards the first POST to .../issues and then reports a
// dropped connection: GitHub made the issue, glass never heard.
type lostAnswer struct {
	next http.RoundTripper
	done atomic.Bool
}

func (l *lostAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	if err == nil && r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/issues") && l.done.CompareAndSwap(false, true) {
		resp.Body.Close()
		return nil, errors.New("read tcp: connection reset by peer")
	}
	return resp, err
}

func TestLostCreateAnswerMakesNoSecondIssue(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	alice.rec.next = &lostAnswer{next: alice.rec.next}
	o, err := alice.eng.Open(bg, protReq("reviews"))
	if err != nil {
		t.Fatal(err)
	}
	if iss := e.issues("acme/audit"); len(iss) != 1 {
		t.Fatalf("%d audit issues after a lost POST answer", len(iss))
	}
	mustClose(t, alice, o.ID)
}

// TestFailurePaths: a step that keeps failing yields an error that says
// what was and was not changed, and a sweep cleans up.
func TestFailurePaths(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	before := e.protection()
	// GitHub down from the first request: nothing changed, nothing written.
	e.sim.SetFaults(ghsim.Faults{ErrorRate: 1, ErrorStatus: 502})
	_, err := alice.eng.Open(bg, protReq("reviews"))
	if err == nil || !strings.Contains(err.Error(), "not changed: nothing") {
		t.Fatalf("open while GitHub is down: %v", err)
	}
	e.sim.SetFaults(ghsim.Faults{})
	if e.protection() != before || len(e.issues("acme/audit")) != 0 {
		t.Fatal("changed something")
	}
	// Close while GitHub is down: still relaxed, says so.
	o := mustOpen(t, alice, protReq("reviews"))
	e.sim.SetFaults(ghsim.Faults{ErrorRate: 1, ErrorStatus: 503})
	_, err = alice.eng.Close(bg, o.ID, "x")
	if err == nil || !strings.Contains(err.Error(), "not changed") {
		t.Fatalf("close while GitHub is down: %v", err)
	}
	e.sim.SetFaults(ghsim.Faults{})
	ctx, cancel := context.WithCancel(bg)
	cancel()
	if _, err := alice.eng.Close(ctx, o.ID, "x"); err == nil {
		t.Fatal("close with a cancelled context succeeded")
	}
	mustClose(t, alice, o.ID)
	if e.protection() != before {
		t.Fatal("not restored")
	}
}

type scenario struct {
	name  string
	req   OpenRequest
	state func(*env) string
}

// TestCrashAccess runs the crash at every position of open and of close
// for the access lever (mallory: pull → push).
func TestCrashAccess(t *testing.T) {
	sc := scenario{"access", accessReq("mallory", "push"), func(e *env) string { return e.permission("mallory") }}
	mo, mc := countRequests(t, true, sc)
	t.Logf("access: open makes %d requests, close %d; testing %d crash positions", mo, mc, mo+mc)
	for n := 1; n <= mo; n++ {
		t.Run("open-after-"+itoa(n), func(t *testing.T) {
			e := newEnv(t)
			alice := e.user("alice")
			before := sc.state(e)
			e.sim.SetFaults(ghsim.Faults{BlackoutAfter: n})
			_, err := alice.eng.Open(bg, sc.req)
			afterCrash(t, e, before, err, false, sc.state)
		})
	}
	for n := 1; n <= mc; n++ {
		t.Run("close-after-"+itoa(n), func(t *testing.T) {
			e := newEnv(t)
			alice := e.user("alice")
			before := sc.state(e)
			o := mustOpen(t, alice, sc.req)
			e.sim.SetFaults(ghsim.Faults{BlackoutAfter: n})
			_, err := alice.eng.Close(bg, o.ID, "done")
			afterCrash(t, e, before, err, true, sc.state)
		})
	}
}

// TestSweepLeavesAFreshApplyingAlone: an override in state applying may
// belong to an opener that is still running; sweep waits for the grace.
func TestSweepLeavesAFreshApplyingAlone(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	before := e.protection()
	// Let open get as far as the change, then kill it: the issue says
	// applying, the branch is relaxed.
	n, _ := countRequests(t, false)
	for cut := 1; cut <= n; cut++ {
		e = newEnv(t)
		alice = e.user("alice")
		before = e.protection() // URLs name this server's port
		e.sim.SetFaults(ghsim.Faults{BlackoutAfter: cut})
		alice.eng.Open(bg, protReq("reviews"))
		e.sim.SetFaults(ghsim.Faults{})
		if e.protection() != before && len(e.issues("acme/audit")) == 1 {
			break
		}
	}
	sweeper := e.user("bob")
	st, err := sweeper.eng.Status(bg, "acme/audit")
	if err != nil || len(st.Entries) != 1 || st.Entries[0].Override.State != override.StateApplying || st.Entries[0].Stuck {
		t.Fatalf("status right after the crash: %+v %v", st.Entries, err)
	}
	sr, err := sweeper.eng.Sweep(bg, "acme/audit")
	if err != nil || len(sr.Reconciled) != 0 || e.protection() == before {
		t.Fatalf("sweep within the grace touched it: %+v %v", sr, err)
	}
	e.clk.Advance(3 * time.Minute)
	st, _ = sweeper.eng.Status(bg, "acme/audit")
	if !st.Entries[0].Stuck {
		t.Fatalf("not reported stuck after the grace: %+v", st.Entries[0])
	}
	sr, err = sweeper.eng.Sweep(bg, "acme/audit")
	if err != nil || len(sr.Reconciled) != 1 || e.protection() != before {
		t.Fatalf("sweep after the grace: %+v %v", sr, err)
	}
}

// TestCloseCommentCopiesFail: the comments that copy the closing record
// cannot be posted (every comment request of the audit issue answers 502):
// close still succeeds, because the PATCH that closed the issue carries the
// record in its state block; nothing is left for sweep.
func TestCloseCommentCopiesFail(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	before := e.protection()
	o := mustOpen(t, alice, protReq("reviews"))
	e.sim.SetFaults(ghsim.Faults{FailPath: `/issues/[0-9]+/comments$`, FailPathKind: ghsim.Fault502})
	if _, err := alice.eng.Close(bg, o.ID, "done"); err != nil {
		t.Fatalf("close with the comment copies failing: %v", err)
	}
	e.sim.SetFaults(ghsim.Faults{})
	if e.protection() != before {
		t.Fatal("not restored")
	}
	is := e.issues("acme/audit")[0]
	if is.State != "closed" || bodyRestored(e, o.ID) != 1 || countRestored(e, o.ID) != 0 {
		t.Fatalf("issue %s, %d records in the state block, %d comments; want closed, 1, 0", is.State, bodyRestored(e, o.ID), countRestored(e, o.ID))
	}
	if sr, err := e.user("bob").eng.Sweep(bg, "acme/audit"); err != nil || sr.Checked != 0 {
		t.Fatalf("sweep after: %+v %v", sr, err)
	}
}

// TestCloseRecordTooLargeForTheBody: a closing record that would push the
// body past GitHub's 65,536 characters (here a very long close reason, kept
// whole in the event) falls back to the order that needs no room in the
// body: the comments first, then the PATCH that closes the issue.
func TestCloseRecordTooLargeForTheBody(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	before := e.protection()
	o := mustOpen(t, alice, protReq("reviews"))
	reason := strings.Repeat("why ", 9_750) // 39,000 characters: fits a comment, not the body with it
	if _, err := alice.eng.Close(bg, o.ID, reason); err != nil {
		t.Fatalf("close: %v", err)
	}
	is := e.issues("acme/audit")[0]
	if e.protection() != before || is.State != "closed" {
		t.Fatalf("not rolled back and closed: %s", is.State)
	}
	if n, c := bodyRestored(e, o.ID), countRestored(e, o.ID); n != 0 || c != 1 {
		t.Fatalf("%d records in the state block, %d comments; want 0 and 1 (the comment is the record)", n, c)
	}
}
