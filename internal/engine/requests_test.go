package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
	"github.com/glass-cli/glass/internal/ledger"
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

// holdFor sends the first n requests match picks through a barrier b (so
// that every racer's is in flight before any reaches GitHub), the others
// straight to next.
type holdFor struct {
	next  http.RoundTripper
	match func(*http.Request) bool
	b     *simtest.Barrier
	n     int64
	seen  *atomic.Int64
}

func (h holdFor) RoundTrip(r *http.Request) (*http.Response, error) {
	if h.match(r) && h.seen.Add(1) <= h.n {
		return h.b.RoundTrip(r)
	}
	return h.next.RoundTrip(r)
}

// postsEvent reports whether r posts a comment on acme/audit#1 recording kind.
func postsEvent(r *http.Request, kind ledger.Kind) bool {
	if r.Method != http.MethodPost || r.URL.Path != "/repos/acme/audit/issues/1/comments" || r.Body == nil {
		return false
	}
	b, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return false
	}
	var c struct{ Body string }
	if json.Unmarshal(b, &c) != nil {
		return false
	}
	ev, ok := ledger.ParseEvent(c.Body)
	return ok && ev.Kind == kind
}

// TestContestedApply: an approved --no-wait request applied by three
// processes at once (the approver's `glass approve` and two sweeps, each
// with its own clock a second apart). A barrier holds their write-ahead
// PATCHes until all three are in flight, so every one has passed the
// re-read of the record (settleRequest) and applies; a second barrier
// holds their applied comments the same way, so all three post one.
// Afterwards exactly one approved and one applied record remain, exactly
// one applier reports the request applied (counted once), and the issue
// says active with the window of the applied record that stayed.
func TestContestedApply(t *testing.T) {
	const racers = 3
	e := newEnv(t)
	alice := e.user("alice", withPolicy(t, approvalPolicy, nil))
	bob := e.user("bob", withPolicy(t, approvalPolicy, nil))
	before := e.protection()
	req := protReq("reviews")
	req.NoWait = true
	o, err := alice.eng.Open(bg, req)
	var pe *PendingError
	if !errors.As(err, &pe) || o == nil {
		t.Fatalf("open --no-wait: %v %+v", err, o)
	}
	e.clk.Advance(10 * time.Minute)
	if _, _, err := bob.eng.Decide(bg, o.ID, true, "ok"); err != nil {
		t.Fatal(err)
	}

	writeAhead := simtest.NewBarrier(e.sim.Client.Transport)
	writeAhead.Expect(racers)
	appliedPost := simtest.NewBarrier(e.sim.Client.Transport)
	appliedPost.Expect(racers)
	e.rt = holdFor{next: holdFor{next: e.sim.Client.Transport, b: appliedPost, n: racers, seen: new(atomic.Int64),
		match: func(r *http.Request) bool { return postsEvent(r, ledger.KindApplied) }},
		b: writeAhead, n: racers, seen: new(atomic.Int64), match: func(r *http.Request) bool {
			return r.Method == http.MethodPatch && r.URL.Path == "/repos/acme/audit/issues/1"
		}}
	clocks := map[time.Time]bool{}
	var us []*user
	for i, login := range []string{"bob", "bob", "acme-admin"} {
		at := t0.Add(10*time.Minute + time.Duration(i)*time.Second)
		clocks[at] = true
		us = append(us, e.user(login, withPolicy(t, approvalPolicy, nil), func(c *Config) { c.Clock = clock.NewFake(at) }))
	}
	results := make([][]*RequestResult, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i, u := range us {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 0 { // glass approve, after its /approve
				r, err := u.eng.Resume(bg, o.ID)
				if r != nil {
					results[i] = append(results[i], r)
				}
				errs[i] = err
				return
			}
			res, err := u.eng.Sweep(bg, "acme/audit")
			if res != nil {
				results[i] = res.Requests
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if writeAhead.MaxInFlight() != racers || appliedPost.MaxInFlight() != racers {
		t.Fatalf("in flight together: %d write-ahead PATCHes, %d applied POSTs; want %d of each (the race did not happen)",
			writeAhead.MaxInFlight(), appliedPost.MaxInFlight(), racers)
	}
	var applied []*RequestResult
	for i := range us {
		if errs[i] != nil {
			t.Fatalf("applier %d: %v", i, errs[i])
		}
		for _, r := range results[i] {
			if r.Action != RequestApplied {
				t.Errorf("applier %d: %s %s", i, r.Action, r.Override.ID)
			}
			applied = append(applied, r)
		}
	}
	if len(applied) != 1 {
		t.Errorf("%d appliers report the request applied, want 1", len(applied))
	}

	kinds := map[ledger.Kind][]ledger.Event{}
	for _, c := range e.comments("acme/audit", 1) {
		if ev, ok := ledger.ParseEvent(c); ok {
			kinds[ev.Kind] = append(kinds[ev.Kind], ev)
		}
	}
	if len(kinds[ledger.KindApplied]) != 1 || len(kinds[ledger.KindApproved]) != 1 {
		t.Fatalf("%d applied and %d approved records, want 1 of each", len(kinds[ledger.KindApplied]), len(kinds[ledger.KindApproved]))
	}
	grant := kinds[ledger.KindApplied][0].At
	got, err := ledger.NewStore(e.sim.GitHub(t, "acme-admin")).LoadOverride(bg, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != override.StateActive || got.Actor != "alice" || got.Approval == nil || got.Approval.Approver != "bob" {
		t.Fatalf("record: state %s, actor %s, approval %+v", got.State, got.Actor, got.Approval)
	}
	if !clocks[grant] || !got.Opened.Equal(grant) || !got.Expires.Equal(grant.Add(30*time.Minute)) {
		t.Errorf("window %s..%s, want 30m from the kept applied record's grant %s", got.Opened, got.Expires, grant)
	}
	if len(applied) == 1 && !applied[0].Override.Expires.Equal(got.Expires) {
		t.Errorf("the applier that reports it says until %s, the record %s", applied[0].Override.Expires, got.Expires)
	}
	open := 0
	for _, is := range e.issues("acme/audit") {
		if is.State == "open" {
			open++
		}
	}
	if open != 1 || e.protection() == before {
		t.Errorf("%d open audit issues (want 1); protection relaxed: %v", open, e.protection() != before)
	}
}
