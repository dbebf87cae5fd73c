package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/override"
)

const approvalPolicy = `version: 1
approval:
  required: true
  approvers:
    teams: [oncall]
  timeout: 30m
review:
  block_unreviewed_self_approved: true
rules:
  - name: hotfix
    who:
      teams: [oncall]
    branches: [main]
    levers:
      protection: [reviews, checks]
`

// TestRequestsNobodyWaitsFor: a --no-wait request approved ten minutes
// later is applied by the approver's Resume with the requester as actor
// and a full window from the grant; one nobody decides on is closed by
// sweep as timed out once its deadline passed, and nothing is applied.
func TestRequestsNobodyWaitsFor(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice", withPolicy(t, approvalPolicy, nil))
	bob := e.user("bob", withPolicy(t, approvalPolicy, nil))
	before := e.protection()

	req := protReq("reviews")
	req.NoWait = true
	o, err := alice.eng.Open(bg, req)
	var pe *PendingError
	if !errors.As(err, &pe) || o == nil || o.State != override.StateRequested {
		t.Fatalf("open --no-wait: %v %+v", err, o)
	}
	if !o.Approval.NoWait || !o.Approval.Until.Equal(t0.Add(30*time.Minute)) {
		t.Fatalf("approval: %+v", o.Approval)
	}
	// Nothing decided: sweep leaves it.
	if res, err := bob.eng.Sweep(bg, "acme/audit"); err != nil || len(res.Requests) != 0 {
		t.Fatalf("sweep before a decision: %v %+v", err, res)
	}
	e.clk.Advance(10 * time.Minute)
	if _, _, err := bob.eng.Decide(bg, o.ID, true, "ok"); err != nil {
		t.Fatal(err)
	}
	stale := *o
	stale.Approval = &override.Approval{}
	*stale.Approval = *o.Approval
	r, err := bob.eng.Resume(bg, o.ID)
	if err != nil || r == nil || r.Action != RequestApplied {
		t.Fatalf("resume: %v %+v", err, r)
	}
	got := r.Override
	if got.State != override.StateActive || got.Actor != "alice" || got.Approval.Approver != "bob" || got.Approval.Mode != ApprovalApproved {
		t.Fatalf("applied: %+v %+v", got, got.Approval)
	}
	if !got.Opened.Equal(t0.Add(10*time.Minute)) || !got.Expires.Equal(got.Opened.Add(30*time.Minute)) {
		t.Errorf("window %s..%s, want 30m from the grant at %s", got.Opened, got.Expires, t0.Add(10*time.Minute))
	}
	if e.protection() == before {
		t.Error("protection unchanged after the approved request was applied")
	}
	// A sweep that listed the request before it was applied leaves it
	// alone: it reads the record again before applying.
	if r, err := alice.eng.settleRequest(bg, &stale); err != nil || r != nil {
		t.Fatalf("stale settle: %v %+v", err, r)
	}
	applied := 0
	for _, c := range e.comments("acme/audit", 1) {
		if strings.Contains(c, "Applied and verified") || strings.Contains(c, "applied and verified") {
			applied++
		}
	}
	if applied != 1 {
		t.Errorf("%d applied records, want 1", applied)
	}

	// A second request nobody decides on.
	req2 := protReq("checks")
	req2.NoWait = true
	o2, _ := alice.eng.Open(bg, req2)
	if o2 == nil || o2.ID == "" {
		t.Fatal("second request not made")
	}
	e.clk.Advance(31 * time.Minute)
	if _, _, err := bob.eng.Decide(bg, o2.ID, true, "late"); err == nil || ExitCode(err) != 3 || !strings.Contains(err.Error(), "grants nothing") {
		t.Fatalf("late approve: %v", err)
	}
	res, err := bob.eng.Sweep(bg, "acme/audit")
	if err != nil {
		t.Fatal(err)
	}
	var timedOut *RequestResult
	for _, q := range res.Requests {
		if q.Override.ID == o2.ID {
			timedOut = q
		}
	}
	if timedOut == nil || timedOut.Action != RequestTimedOut || timedOut.Override.State != override.StateDenied {
		t.Fatalf("sweep: %+v", res.Requests)
	}
	for _, is := range e.issues("acme/audit") {
		if is.Number == 2 && is.State != "closed" {
			t.Errorf("timed-out request issue is %s", is.State)
		}
	}
}

func TestRequestDeadline(t *testing.T) {
	e := newEnv(t)
	u := e.user("alice")
	until := t0.Add(5 * time.Minute)
	for _, tc := range []struct {
		name string
		a    *override.Approval
		want time.Time
	}{
		{"recorded", &override.Approval{Rule: "hotfix", Until: until}, until},
		{"older record: the policy's timeout", &override.Approval{Rule: "hotfix"}, t0.Add(30 * time.Minute)},
		{"no approval block", nil, t0.Add(30 * time.Minute)},
	} {
		o := &override.Override{Requested: t0, Approval: tc.a}
		if got := u.eng.requestDeadline(nil, o); !got.Equal(tc.want) {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
