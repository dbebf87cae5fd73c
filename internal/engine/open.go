package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"
	"golang.org/x/sync/errgroup"

	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/notify"
	"github.com/glass-cli/glass/internal/override"
)

// planned is the result of open's first round: everything read, nothing written.
type planned struct {
	req      OpenRequest
	lv       lever.Lever
	audit    string // audit repository
	actor    string
	snap     lever.Snapshot
	list     []*override.Override // live overrides in the audit repository
	others   []*override.Override // live overrides on the same setting
	orig     lever.Fields
	raw      json.RawMessage
	want     lever.Fields
	expected lever.Fields // what glass last made live (before this open)
	head     string
	// invalidNotices report audit records in the repository glass could not read.
	invalidNotices []lever.Notice
}

func (e *Engine) check(req *OpenRequest) (lever.Lever, error) {
	lv, err := e.lever(req.Lever)
	if err != nil {
		return nil, err
	}
	req.Relax = override.NormalizeRelax(req.Relax)
	vt := req.Target
	if req.selfPending() {
		// The login comes with the first round; any valid one will do to
		// check the rest of the target now, before any request.
		vt.User = selfPlaceholder
	}
	if err := lv.Validate(vt, req.Relax); err != nil {
		return nil, &RefusalError{Reason: err.Error(), Err: err}
	}
	// With policies on, a missing duration is the policy's default_duration
	// (admit) and a missing audit repository the policy's audit_repo
	// (round1); without, both must be given.
	if req.Duration < 0 || (req.Duration == 0 && e.policy == nil) {
		return nil, &RefusalError{Reason: "the duration must be positive", Hint: "pass --duration, e.g. --duration 30m"}
	}
	if req.AuditRepo == "" && e.policy == nil {
		req.AuditRepo = req.Target.Repo
	}
	if req.AuditRepo != "" {
		if _, _, err := splitRepo(req.AuditRepo); err != nil {
			return nil, &RefusalError{Reason: "audit repository: " + err.Error()}
		}
	}
	return lv, nil
}

// selfPlaceholder stands in for the actor's login when a Self request is
// validated before the identity read (any syntactically valid login).
const selfPlaceholder = "glass-self"

// selfPending reports whether the target's user is the actor, not yet known.
func (r OpenRequest) selfPending() bool { return r.Self && r.Target.User == "" }

// round1 reads, in parallel: the actor, the live overrides in the audit
// repository, the live setting and the branch head. No writes. For a Self
// request the setting is read as soon as the actor is known (the user is
// part of it); everything else runs beside that.
func (e *Engine) round1(ctx context.Context, req OpenRequest, lv lever.Lever, st *stepper) (*planned, error) {
	p := &planned{req: req, lv: lv, audit: req.AuditRepo}
	g, gctx := errgroup.WithContext(ctx)
	who := make(chan string, 1)
	g.Go(func() error {
		defer close(who)
		var u *github.User
		err := e.again(gctx, func() (err error) { u, _, err = e.gh.Users.Get(gctx, ""); return err })
		if err != nil {
			return stepErr("identity", fmt.Errorf("reading who the token belongs to (GET /user): %w", err))
		}
		p.actor = u.GetLogin()
		if p.actor == "" {
			return stepErr("identity", errors.New("GitHub answered GET /user without a login"))
		}
		who <- p.actor
		st.emit("identity", p.actor, nil)
		return nil
	})
	target := req.Target
	self := req.selfPending()
	g.Go(func() error {
		audit := req.AuditRepo
		if audit == "" {
			// The policy's audit_repo (the policy is being read already,
			// beside the other reads of this round), else the target;
			// the gate's reads need it (they outlive this round: ctx).
			audit = e.PolicyAuditRepo(gctx, req.Target.Repo)
			rq := req
			rq.AuditRepo = audit
			e.startGate(ctx, rq)
		}
		p.audit, p.req.AuditRepo = audit, audit
		// Which of glass's labels the audit repository lacks: a read, so
		// that nothing is written before the input is known to be good;
		// the missing ones (first use of a repository only) are made
		// after this round, off the critical path in Plan, before the
		// audit issue in Open.
		labels := make(chan struct{})
		go func() { defer close(labels); _ = e.ledger.CheckLabels(gctx, audit) }()
		defer func() { <-labels }()
		var list []*override.Override
		var invalid *ledger.InvalidRecordsError
		err := e.again(gctx, func() (err error) { list, _, invalid, err = e.listLive(gctx, audit); return err })
		if err != nil {
			return stepErr("audit", fmt.Errorf("listing open overrides in %s: %w", audit, err))
		}
		p.list = list
		if invalid != nil {
			// A record glass cannot read may be an override on this very
			// setting: say so before anything changes.
			p.invalidNotices = append(p.invalidNotices, lever.Notice{Kind: "unreadable-record", Message: invalid.Error()})
		}
		return nil
	})
	hint := ""
	if self && e.hint != nil {
		hint = e.hint()
	}
	g.Go(func() error {
		t := target
		var s lever.Snapshot
		var err error
		if self {
			if hint != "" {
				// Read for the likely login now; keep it if GET /user agrees.
				t.User = hint
				err = e.again(gctx, func() (err error) { s, err = lv.Read(gctx, t); return err })
			}
			login, ok := <-who
			if !ok {
				return nil // the identity read failed and says so
			}
			if hint != "" && strings.EqualFold(login, hint) {
				if err != nil {
					return stepErr("snapshot", err)
				}
				p.snap = s
				return nil
			}
			t.User = login // no hint, or a stale one: read for the actual login
		}
		err = e.again(gctx, func() (err error) { s, err = lv.Read(gctx, t); return err })
		if err != nil {
			return stepErr("snapshot", err)
		}
		p.snap = s
		return nil
	})
	// The head's error is reported only when the lever's read succeeded:
	// for a mistyped branch the lever says so in words, the ref a 404.
	var headErr error
	if req.Target.Branch != "" && (req.Lever == override.LeverProtection || req.Lever == override.LeverRuleset) {
		g.Go(func() error {
			var h string
			err := e.again(gctx, func() (err error) { h, err = e.headSHA(gctx, req.Target.Repo, req.Target.Branch); return err })
			if err != nil {
				headErr = stepErr("snapshot", fmt.Errorf("reading the head of %s: %w", req.Target, err))
				return nil
			}
			p.head = h
			return nil
		})
	}
	err := g.Wait()
	if err == nil {
		err = headErr
	}
	if err != nil {
		var se *stepError
		step := "snapshot"
		if errors.As(err, &se) {
			step = se.step
			err = se.err
		}
		st.emit(step, "", err)
		if lever.IsRefusal(err) {
			var r *lever.RefusalError
			errors.As(err, &r)
			return nil, &RefusalError{Reason: r.Reason, Hint: r.Hint, Err: err}
		}
		return nil, &Error{Op: "open", Step: step, Err: err, Unchanged: "nothing; glass made no change and wrote no audit record", Next: "check the target and your network, then run the same command again"}
	}
	if self {
		req.Target.User = p.actor
		p.req = req
	}
	if c, ok := lv.(lever.Completer); ok {
		// e.g. an organization ruleset: its overlap key names the organization.
		req.Target = c.Complete(req.Target, p.snap)
		p.req = req
	}
	st.emit("snapshot", req.Target.String(), nil)

	p.others = sameKey(p.list, req.Lever, req.Target, "")
	p.orig = p.snap.Fields
	p.raw = json.RawMessage(p.snap.Raw)
	if len(p.others) > 0 {
		// The second override reuses the first one's original snapshot,
		// never the already relaxed live state.
		f, err := snapshotFields(p.others[0])
		if err != nil {
			return nil, &Error{Op: "open", Step: "snapshot", Err: err, Unchanged: "nothing; glass made no change", Next: "close or repair " + p.others[0].ID + " first"}
		}
		p.orig = f
		if len(p.others[0].Raw) > 0 {
			p.raw = p.others[0].Raw
		}
	}
	p.want, err = relax(lv, req.Target, p.orig, union(relaxOf(p.others, nil), req.Relax))
	if err != nil {
		return nil, &RefusalError{Reason: err.Error(), Err: err}
	}
	p.expected, err = e.expected(lv, req.Target, p.orig, p.snap.Fields, p.others)
	if err != nil {
		return nil, &Error{Op: "open", Step: "snapshot", Err: err, Unchanged: "nothing; glass made no change"}
	}
	return p, nil
}

// expected derives what glass last made live on a key from the original
// and the live overrides on it (see expectedFor).
func (e *Engine) expected(lv lever.Lever, t override.Target, orig, live lever.Fields, others []*override.Override) (lever.Fields, error) {
	all, err := relax(lv, t, orig, relaxOf(others, nil))
	if err != nil {
		return nil, err
	}
	certain, err := relax(lv, t, orig, relaxOf(others, func(o *override.Override) bool { return o.State == override.StateActive }))
	if err != nil {
		return nil, err
	}
	return expectedFor(live, all, certain), nil
}

func (p *planned) preview() *Preview {
	pv := &Preview{Request: p.req, Actor: p.actor, Original: p.orig, Live: p.snap.Fields, Want: p.want, Overlaps: p.others}
	pv.Changes = lever.Diff(p.want, p.snap.Fields)
	pv.Notices = append(pv.Notices, p.invalidNotices...)
	return pv
}

func (e *Engine) notices(ctx context.Context, p *planned) []lever.Notice {
	pr, ok := p.lv.(lever.Previewer)
	if !ok {
		return nil
	}
	n, err := pr.Preview(ctx, p.req.Target, p.orig, p.want)
	if err != nil {
		return []lever.Notice{{Kind: "preview-error", Message: "glass could not list the side effects of this change: " + err.Error()}}
	}
	return n
}

// Plan shows what Open would do, without writing anything: the actor, the
// original setting (an overlapping override's snapshot when there is one),
// the live setting, what will be live, and the side effects.
func (e *Engine) Plan(ctx context.Context, req OpenRequest) (*Preview, error) {
	lv, err := e.check(&req)
	if err != nil {
		return nil, err
	}
	st := e.steps()
	if req.AuditRepo != "" {
		e.startGate(ctx, req) // else round1 starts it once the audit repository is known
	}
	p, err := e.round1(ctx, req, lv, st)
	if err != nil {
		return nil, err
	}
	if p.req.Duration == 0 {
		// Show the window the policy will give (its default_duration).
		p.req.Duration = e.defaultDuration(ctx, p.req, p.actor)
	}
	pv := p.preview()
	// Beside the side-effect preview: the labels the audit issue will
	// carry, if the repository lacks them (Plan's only writes, made once
	// the reads have shown the input is good).
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = e.ledger.EnsureLabels(ctx, p.audit) }()
	notices := e.notices(ctx, p)
	wg.Wait()
	pv.Notices = append(pv.Notices, notices...)
	pv.plan, pv.at, pv.mu = p, e.clock.Now(), new(sync.Mutex)
	return pv, nil
}

// Open opens an override: snapshot → audit issue (state applying) → change
// → verify → record. It returns the override as recorded (state active).
//
// Round trips on the critical path: 1 reads (parallel), 2 the audit issue
// (the side-effect preview runs beside it; its notices go into the applied
// record), 3 the change (its answer is the verification), 4 the record
// (issue state and applied comment, parallel).
func (e *Engine) Open(ctx context.Context, req OpenRequest) (*override.Override, error) {
	return e.open(ctx, req, nil)
}

// OpenWithPreview is Open that also returns what Plan would have shown
// (the original and live setting, the field changes, overlaps and the side
// effects, read beside the audit write), for callers that need no
// confirmation: `glass open --yes` in four round trips instead of Plan's
// two plus OpenPreview's three. The preview is nil when the reads failed.
func (e *Engine) OpenWithPreview(ctx context.Context, req OpenRequest) (*override.Override, *Preview, error) {
	return e.openShown(ctx, req, nil)
}

// PlanFresh is how long OpenPreview trusts a Preview's reads. Older (a
// human took time to confirm), it reads again: a PUT replaces the whole
// rule, so acting on a stale read could undo someone's change.
const PlanFresh = 10 * time.Second

// OpenPreview opens the override pv shows. When pv came from Plan less than
// PlanFresh ago, its reads are reused (saving open's first round trip, and
// the side-effect preview, whose notices go into the audit record);
// otherwise it is Open(pv.Request). After a person confirmed: three round
// trips, four when the preview went stale (KeepFresh prevents that).
func (e *Engine) OpenPreview(ctx context.Context, pv *Preview) (*override.Override, error) {
	if pv == nil {
		return nil, &RefusalError{Reason: "no preview to open"}
	}
	cp := *pv
	cp.plan, cp.at = pv.reads()
	if cp.plan == nil || e.clock.Now().Sub(cp.at) > PlanFresh || e.clock.Now().Before(cp.at) {
		return e.open(ctx, pv.Request, nil)
	}
	return e.open(ctx, pv.Request, &cp)
}

func (e *Engine) open(ctx context.Context, req OpenRequest, pv *Preview) (*override.Override, error) {
	o, _, err := e.openShown(ctx, req, pv)
	return o, err
}

// openShown carries out Open; shown is the preview of what it did (pv
// itself when given), nil when the reads failed.
func (e *Engine) openShown(ctx context.Context, req OpenRequest, pv *Preview) (o *override.Override, shown *Preview, err error) {
	lv, err := e.check(&req)
	if err != nil {
		return nil, nil, err
	}
	st := e.steps()
	if req.AuditRepo != "" {
		e.startGate(ctx, req) // else round1 starts it once the audit repository is known
	}
	var p *planned
	if pv != nil {
		p = pv.plan
		shown = pv
	} else if p, err = e.round1(ctx, req, lv, st); err != nil {
		return nil, nil, err
	} else {
		req = p.req // a Self request now names the user
		shown = p.preview()
	}
	o, err = e.openPlanned(ctx, req, lv, p, pv, shown, st)
	return o, shown, err
}

func (e *Engine) openPlanned(ctx context.Context, req OpenRequest, lv lever.Lever, p *planned, pv, shown *Preview, st *stepper) (*override.Override, error) {
	req.AuditRepo = p.audit   // resolved by round1 (the policy's audit_repo when none was given)
	req.Target = p.req.Target // as completed by the first read (lever.Completer)
	adm, err := e.admission(ctx, &req, p)
	if err != nil {
		st.emit("policy", "", err)
		return nil, err
	}
	if adm.approval == nil { // a second person must approve first (approval.go)
		st.emit("policy", ApprovalRequired, nil)
		return e.openWithApproval(ctx, req, p, adm, st)
	}
	approval := adm.approval
	st.emit("policy", approval.Mode, nil)
	if ar := req.approved; ar != nil && ar.contested {
		if lost, err := e.appliedElsewhere(ctx, p, ar); err != nil || lost {
			return ar.o, err
		}
	}

	now := e.clock.Now()
	// After an approval the requester stays the override's actor, whoever
	// applies it (their waiting open, or `glass approve` / `glass sweep`
	// for a request nobody waited for, see requests.go).
	requester := p.actor
	if req.approved != nil && req.approved.o.Actor != "" {
		requester = req.approved.o.Actor
	}
	o := &override.Override{
		Lever: req.Lever, Target: req.Target, Relax: req.Relax, Actor: requester, Reason: req.Reason, Incident: req.Incident,
		Duration: override.Duration(req.Duration), Drill: req.Drill, State: override.StateApplying, Requested: now,
		Raw: p.raw, HeadSHA: p.head, Approval: approval,
	}
	if o.Snapshot, err = json.Marshal(p.orig); err != nil {
		return nil, &Error{Op: "open", Step: "snapshot", Err: err, Unchanged: "nothing"}
	}

	// Round 2: the write-ahead record, and the side-effect preview beside it.
	var notices []lever.Notice
	g, gctx := errgroup.WithContext(ctx)
	if pv != nil {
		notices = pv.Notices
	} else {
		g.Go(func() error {
			notices = e.notices(gctx, p)
			shown.Notices = append(shown.Notices, notices...)
			return nil
		})
	}
	x := adm.bodyExtras(p.invalidNotices, approval)
	g.Go(func() error { return e.writeAhead(gctx, p.audit, o, x, req, adm) })
	if err := g.Wait(); err != nil {
		st.emit("audit", "", err)
		return nil, &Error{Op: "open", Step: "audit", Err: err,
			Unchanged: fmt.Sprintf("%s; glass made no change because it could not write the audit record first", req.Target),
			Next:      fmt.Sprintf("check that you can create issues in %s, then run the same command again; if an audit issue did appear, `glass sweep -R %s` closes it", p.audit, p.audit)}
	}
	st.emitURL("audit", o.ID, e.ledger.IssueURL(o.ID))

	// Round 3: the change. Someone may have changed fields since the
	// overlapping overrides were applied: keep their changes.
	plan := lever.Merge(p.orig, p.expected, p.snap.Fields, p.want)
	var got lever.Fields
	werr := e.again(ctx, func() (err error) { got, err = lv.Write(ctx, req.Target, p.snap.Fields, plan.Want); return err })
	if werr == nil && got == nil {
		var s lever.Snapshot
		s, werr = lv.Read(ctx, req.Target)
		got = s.Fields
	}
	if werr != nil {
		st.emit("apply", o.ID, werr)
		return nil, e.undoOpen(ctx, p, o, "apply", werr, nil)
	}
	if mm := lever.Diff(plan.Want, got); len(mm) > 0 {
		st.emit("verify", o.ID, fmt.Errorf("%d fields differ", len(mm)))
		return nil, e.undoOpen(ctx, p, o, "verify", fmt.Errorf("the live setting does not match what glass wrote"), got)
	}
	st.emit("apply", req.Target.String(), nil)
	st.emit("verify", "", nil)

	// Round 4: record. The window starts when access is granted.
	opened := e.clock.Now()
	o.State = override.StateActive
	o.Opened = opened
	o.Expires = opened.Add(req.Duration)
	if pv == nil {
		notices = append(notices, p.invalidNotices...) // Plan's notices already have them
	}
	ev := ledger.Event{Kind: ledger.KindApplied, At: opened, Actor: p.actor, Notices: notices,
		Fields:  &ledger.FieldTable{Before: p.orig, During: got},
		Summary: fmt.Sprintf("applied and verified: %s relaxed (%v) until %s", req.Target, req.Relax, o.Expires.UTC().Format(time.RFC3339))}
	if requester != p.actor {
		ev.Summary += fmt.Sprintf(" (applied by %s for %s after the approval)", p.actor, requester)
	}
	// Beside the record, list the overrides again: one opened on the same
	// setting at the same time (two responders, one branch) was invisible
	// to the first list, and its PUT may have replaced ours.
	var again []*override.Override
	relist := make(chan struct{})
	go func() {
		defer close(relist)
		again, _, _, _ = e.listLive(ctx, p.audit)
	}()
	err = e.record(ctx, o, adm.withPolicyEvent(o, ev)...)
	<-relist
	if err == nil {
		err = e.settleRace(ctx, p, o, again)
	}
	if ar := req.approved; err == nil && ar != nil && ar.contested {
		if err := e.settleApply(ctx, o, ar); err != nil {
			st.emit("record", o.ID, err)
			return o, &Error{Op: "open", Step: "record", Err: err,
				Changed:   fmt.Sprintf("%s is relaxed (%v), verified, and recorded as active in %s", req.Target, req.Relax, o.ID),
				Unchanged: "nothing else",
				Next:      fmt.Sprintf("nothing is needed for the override; another glass may have applied %s at the same moment, and if %s shows two applied records, the first is the record", o.ID, o.ID)}
		}
		if ar.lost {
			st.emit("record", o.ID, nil)
			return o, nil // the other applier's record stands; it announces the grant
		}
	}
	if err != nil {
		st.emit("record", o.ID, err)
		return o, &Error{Op: "open", Step: "record", Err: err,
			Changed:   fmt.Sprintf("%s is relaxed (%v), verified; the audit issue %s exists but still says applying", req.Target, req.Relax, o.ID),
			Next:      fmt.Sprintf("the override is in force; `glass close %s` rolls it back, and `glass sweep` will roll it back %s after it was requested if nobody does", o.ID, e.grace),
			Unchanged: "nothing else"}
	}
	st.emit("record", o.ID, nil)
	e.announce(ctx, adm.pol, o, notify.KindGranted, requester, approvalText(approval))
	return o, nil
}

// record saves o and appends events, in parallel.
func (e *Engine) record(ctx context.Context, o *override.Override, evs ...ledger.Event) error {
	return e.recordEvents(ctx, o, false, evs...)
}

// recordEvents is record. For a record that closes the issue (closed,
// denied) the events go into the state block of the PATCH that closes it
// (ledger.Store.SaveRecord), so the issue is never closed without its
// record; the comments carrying the same events are readable copies,
// posted beside that PATCH (one round trip for both). With dedupe (a racer
// may be recording the same rollback: sweep, or a close of an overdue
// override) the comments go first, then ledger.Dedupe makes each keyed one
// single, and only then is the issue closed: a crash anywhere in between
// leaves an open issue for the next sweep to finish.
func (e *Engine) recordEvents(ctx context.Context, o *override.Override, dedupe bool, evs ...ledger.Event) error {
	// Writes are never cancelled by a sibling's failure (a PATCH cut off
	// mid-body helps nobody).
	var g errgroup.Group
	gctx := ctx
	cp := *o
	if ledger.IssueOpen(o.State) {
		g.Go(func() error { return e.again(gctx, func() error { return e.ledger.Save(gctx, &cp) }) })
		for _, ev := range evs {
			g.Go(func() error { return e.appendEvent(gctx, o, ev) })
		}
		return g.Wait()
	}
	// The comment copies and the block carry the same step numbers.
	evs = e.ledger.Number(o.ID, evs...)
	if dedupe {
		for _, ev := range evs {
			g.Go(func() error { return e.appendEvent(gctx, o, ev) })
		}
		if err := g.Wait(); err != nil {
			return err
		}
		var keys []string
		for _, ev := range evs {
			if ev.Key != "" {
				keys = append(keys, ev.Key)
			}
		}
		if err := e.again(ctx, func() error { _, err := e.ledger.Dedupe(ctx, o.ID, keys...); return err }); err != nil {
			return err
		}
		return e.saveRecord(ctx, &cp, evs)
	}
	var saveErr error
	postErrs := make([]error, len(evs))
	g.Go(func() error {
		saveErr = e.again(gctx, func() error { return e.ledger.SaveRecord(gctx, &cp, evs...) })
		return nil
	})
	for i, ev := range evs {
		g.Go(func() error { postErrs[i] = e.appendEvent(gctx, o, ev); return nil })
	}
	_ = g.Wait()
	if saveErr == nil {
		// The record is in the state block; a comment copy that failed
		// loses nothing (the body shows the same events).
		return nil
	}
	if errors.Is(saveErr, ledger.ErrTooLarge) {
		// No PATCH was sent: the record does not fit beside the snapshot.
		// Records first, then close, as comments alone.
		if err := errors.Join(postErrs...); err != nil {
			return err
		}
		return e.again(ctx, func() error { return e.ledger.Save(ctx, &cp) })
	}
	return saveErr
}

// saveRecord closes the issue with evs in its state block, or, when they
// do not fit, with the comments (already posted) as the only record.
func (e *Engine) saveRecord(ctx context.Context, o *override.Override, evs []ledger.Event) error {
	err := e.again(ctx, func() error { return e.ledger.SaveRecord(ctx, o, evs...) })
	if errors.Is(err, ledger.ErrTooLarge) {
		err = e.again(ctx, func() error { return e.ledger.Save(ctx, o) })
	}
	return err
}

// appendEvent is Store.Append, retried on transient failures. The POST is
// not retried by the transport (its answer may be lost after GitHub made
// the comment); every event glass writes has a key, so a retried Append
// first looks for the comment and never records a step twice.
func (e *Engine) appendEvent(ctx context.Context, o *override.Override, ev ledger.Event) error {
	err := e.ledger.Append(ctx, o, ev)
	for attempt := 1; err != nil && attempt < 4 && transient(err); attempt++ {
		if werr := e.waitFor(ctx, err, attempt); werr != nil {
			return err
		}
		err = e.ledger.Append(ctx, o, ev)
	}
	return err
}

// undoOpen handles an open whose change failed or could not be verified:
// find out what is live, put back what glass may have changed, and close the
// audit record saying so.
func (e *Engine) undoOpen(ctx context.Context, p *planned, o *override.Override, step string, cause error, got lever.Fields) error {
	t := p.req.Target
	// What the setting must be without this override.
	desired, err := relax(p.lv, t, p.orig, relaxOf(p.others, nil))
	if err != nil {
		desired = p.snap.Fields
	}
	if got == nil {
		s, rerr := p.lv.Read(ctx, t)
		if rerr != nil {
			return &Error{Op: "open", Step: step, Err: fmt.Errorf("%w (and reading %s back failed: %v)", cause, t, rerr),
				Changed:   fmt.Sprintf("the audit issue %s (state applying); %s may or may not have been relaxed", o.ID, t),
				Unchanged: "glass could not tell whether the change reached GitHub",
				Next:      fmt.Sprintf("run `glass sweep -R %s` once GitHub is reachable: it puts the setting back and closes %s", p.audit, o.ID)}
		}
		got = s.Fields
	}
	changed := len(lever.Diff(p.snap.Fields, got)) > 0
	var restoreErr error
	if changed {
		exp := expectedFor(got, p.want, p.expected)
		plan := lever.Merge(p.orig, exp, got, desired)
		back, werr := p.lv.Write(ctx, t, got, plan.Want)
		if werr == nil && back == nil {
			var s lever.Snapshot
			s, werr = p.lv.Read(ctx, t)
			back = s.Fields
		}
		if werr != nil {
			restoreErr = werr
		} else if mm := lever.Diff(plan.Want, back); len(mm) > 0 {
			restoreErr = &RestoreIncompleteError{ID: o.ID, Target: t.String(), Mismatches: mm}
		}
	}
	now := e.clock.Now()
	o.Closed = now
	o.State = override.StateClosed
	summary := fmt.Sprintf("open failed at %s: %v; nothing was left changed", step, cause)
	if changed {
		summary = fmt.Sprintf("open failed at %s: %v; the partial change was put back and verified", step, cause)
	}
	if restoreErr != nil {
		o.State = override.StateFailed
		summary = fmt.Sprintf("open failed at %s: %v; putting the partial change back failed: %v", step, cause, restoreErr)
	}
	recErr := e.record(ctx, o, ledger.Event{Kind: ledger.KindOpenFailed, At: now, Actor: o.Actor, Summary: summary, Text: cause.Error()})
	if restoreErr != nil {
		var ri *RestoreIncompleteError
		if errors.As(restoreErr, &ri) {
			ri.Err = fmt.Errorf("open failed at %s (%v) and undoing it", step, cause)
			return ri
		}
		return &RestoreIncompleteError{ID: o.ID, Target: t.String(), Err: fmt.Errorf("open failed at %s (%v); undoing the partial change failed: %w", step, cause, restoreErr)}
	}
	ch := "nothing on " + t.String()
	if changed {
		ch = fmt.Sprintf("%s was changed partially and has been put back (verified)", t)
	}
	next := "fix the cause and run the same command again"
	if recErr != nil {
		next = fmt.Sprintf("the audit issue %s could not be updated (%v); `glass sweep -R %s` will close it", o.ID, recErr, p.audit)
	}
	return &Error{Op: "open", Step: step, Err: cause, Changed: "the audit issue " + o.ID + " (now closed as failed to open)",
		Unchanged: ch, Next: next}
}

// create writes the audit issue. A POST is not retried by the transport
// (its answer may be lost after GitHub made the issue), so on a transient
// failure the engine looks for the issue it may have made (same actor,
// key and request time: unique per attempt) before trying again; a lost
// answer never yields a second audit issue.
func (e *Engine) create(ctx context.Context, repo string, o *override.Override, x ledger.BodyExtras) error {
	_, _, _, err := e.ledger.Create(ctx, repo, o, x)
	for attempt := 1; err != nil && attempt < 4; attempt++ {
		if !transient(err) {
			return err
		}
		if werr := e.waitFor(ctx, err, attempt); werr != nil {
			return err
		}
		list, _, _, lerr := e.listLive(ctx, repo)
		if lerr != nil {
			return fmt.Errorf("%w (then listing %s to see whether the issue was made: %v)", err, repo, lerr)
		}
		for _, x := range list {
			if sameAttempt(x, o) {
				o.ID = x.ID
				return nil
			}
		}
		_, _, _, err = e.ledger.Create(ctx, repo, o, x)
	}
	return err
}

func sameAttempt(x, o *override.Override) bool {
	return x.Actor == o.Actor && x.Lever == o.Lever && x.Target.Key(x.Lever) == o.Target.Key(o.Lever) &&
		x.Requested.Equal(o.Requested) && x.Reason == o.Reason
}

// settleRace makes the live setting the union again when another override
// on the same setting was opened concurrently with o (absent from o's first
// list). Both openers run it, and at least one of them sees the other, so
// the union ends up live. The original is the snapshot of the oldest
// override on the setting: a concurrent opener may have read the setting
// after the other's change, so o adopts the oldest snapshot. Costs nothing
// (beyond the parallel list) when there was no race.
func (e *Engine) settleRace(ctx context.Context, p *planned, o *override.Override, list []*override.Override) error {
	seen := map[string]bool{}
	for _, x := range p.others {
		seen[x.ID] = true
	}
	others := sameKey(list, o.Lever, o.Target, o.ID)
	race := false
	for _, x := range others {
		race = race || !seen[x.ID]
	}
	if !race {
		return nil
	}
	all := sortOverrides(append(append([]*override.Override(nil), others...), o))
	saveSnap := false
	if oldest := all[0]; oldest != o && len(oldest.Snapshot) > 0 && !bytes.Equal(oldest.Snapshot, o.Snapshot) {
		o.Snapshot, o.Raw = oldest.Snapshot, oldest.Raw
		saveSnap = true
	}
	orig, err := snapshotFields(o)
	if err != nil {
		return err
	}
	lv, t := p.lv, o.Target
	var live lever.Snapshot
	if err := e.again(ctx, func() (err error) { live, err = lv.Read(ctx, t); return err }); err != nil {
		return fmt.Errorf("re-reading %s after a concurrent open: %w", t, err)
	}
	want, err1 := relax(lv, t, orig, relaxOf(all, nil))
	mine, err2 := relax(lv, t, orig, o.Relax)
	theirs, err3 := relax(lv, t, orig, relaxOf(others, nil))
	if err := errors.Join(err1, err2, err3); err != nil {
		return err
	}
	plan := lever.Merge(orig, expectedFor(live.Fields, want, mine, theirs, orig), live.Fields, want)
	if len(lever.Diff(plan.Want, live.Fields)) > 0 {
		var got lever.Fields
		werr := e.again(ctx, func() (err error) { got, err = lv.Write(ctx, t, live.Fields, plan.Want); return err })
		if werr == nil && got == nil {
			var s lever.Snapshot
			s, werr = lv.Read(ctx, t)
			got = s.Fields
		}
		if werr != nil {
			return fmt.Errorf("applying the union with a concurrent override on %s: %w", t, werr)
		}
		if mm := lever.Diff(plan.Want, got); len(mm) > 0 {
			return fmt.Errorf("applying the union with a concurrent override on %s: %d field(s) differ after the write", t, len(mm))
		}
	}
	if saveSnap {
		cp := *o
		return e.again(ctx, func() error { return e.ledger.Save(ctx, &cp) })
	}
	return nil
}
