package drill

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/notify"
	"github.com/glass-cli/glass/internal/override"
)

// kSignatures is the protection field the drift scenario's "someone else"
// changes: one glass's default drill relaxation (admins) leaves alone.
const kSignatures = "required_signatures"

// opened is one override a scenario opened, with its timings.
type opened struct {
	ov        *override.Override
	err       error
	start     time.Time
	auditAt   time.Time // the audit issue existed (progress step "audit")
	appliedAt time.Time // the change was applied and verified (progress step "apply")
	granted   time.Time // Open returned
}

// open opens an override through a fresh engine (one glass process) for gh.
// crash makes that process die right after its change is applied and
// verified: its context is cancelled from the progress hook, so nothing
// after the apply (the "applied" record, the state change) reaches GitHub.
func (d *driver) open(ctx context.Context, gh *github.Client, relax []string, crash bool) *opened {
	op := &opened{start: d.env.Now()}
	octx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	progress := func(s engine.Step) {
		mu.Lock()
		defer mu.Unlock()
		if s.Err != nil {
			return
		}
		switch s.Name {
		case "audit":
			if op.auditAt.IsZero() {
				op.auditAt = d.env.Now()
			}
		case "apply":
			if op.appliedAt.IsZero() {
				op.appliedAt = d.env.Now()
			}
			if crash {
				cancel()
			}
		}
	}
	eng := d.env.NewEngine(gh, d.o.Grace, progress)
	op.ov, op.err = eng.Open(octx, engine.OpenRequest{
		Lever: d.kind, Target: d.target,
		Relax: relax, Duration: d.o.Duration, Drill: true, AuditRepo: d.o.AuditRepo,
		Reason: "Fire drill: prove the emergency door opens, alerts and shuts again",
	})
	op.granted = d.env.Now()
	mu.Lock()
	defer mu.Unlock()
	if op.appliedAt.IsZero() {
		op.appliedAt = op.granted
	}
	return op
}

// alert is the drill's "granted" notification in flight.
type alert struct {
	done    chan struct{}
	results []notify.Result
	at      time.Time // when the last result came back
}

// notifyGranted sends the "granted" notification for ov to the configured
// webhooks, as the moment access exists is the moment people must know.
func (d *driver) notifyGranted(ctx context.Context, ov *override.Override, at time.Time) *alert {
	if d.env.Notifier == nil || ov == nil {
		return nil
	}
	a := &alert{done: make(chan struct{})}
	ch := d.env.Notifier.Dispatch(ctx, notify.Event{
		Kind: notify.KindGranted, OverrideID: ov.ID, Repo: d.o.Repo, Lever: string(ov.Lever), Target: ov.Target.String(),
		Actor: ov.Actor, Reason: ov.Reason, ExpiresAt: ov.Expires, At: at, Drill: true,
		Detail: "fire drill: nothing is wrong; this checks that alerts arrive",
	})
	go func() {
		defer close(a.done)
		for r := range ch {
			a.results = append(a.results, r)
			a.at = d.env.Now()
		}
	}()
	return a
}

// grantMetrics records time to grant and time to alert for op, waiting for
// the webhook delivery when one is configured.
func (d *driver) grantMetrics(ctx context.Context, s *Scenario, op *opened, a *alert) {
	s.metric(MetricGrant, op.appliedAt.Sub(op.start))
	alertAt := op.auditAt
	if alertAt.IsZero() {
		alertAt = op.granted
	}
	s.metric(MetricAudit, alertAt.Sub(op.start))
	if a != nil {
		select {
		case <-a.done:
		case <-ctx.Done():
		}
		delivered := len(a.results) > 0
		var why []string
		for _, r := range a.results {
			if !r.Delivered {
				delivered = false
				why = append(why, r.Describe())
			}
		}
		at := a.at
		if d.env.Receiver != nil && op.ov != nil {
			arr, ok := d.env.Receiver.first(string(notify.KindGranted), op.ov.ID)
			delivered = delivered && ok
			if ok {
				at = arr.At
			}
		}
		if s.check("webhook delivered", delivered, "the drill's granted notification reached %d webhook(s): %s", len(a.results), orOK(why)) {
			s.metric(MetricWebhook, at.Sub(op.start))
			if at.After(alertAt) {
				alertAt = at
			}
		}
	}
	s.metric(MetricAlert, alertAt.Sub(op.start))
}

func orOK(why []string) string {
	if len(why) == 0 {
		return "ok"
	}
	return strings.Join(why, "; ")
}

// sweep runs the sweep the scheduled workflow runs, in a fresh process, and
// returns what it did with id.
func (d *driver) sweep(ctx context.Context, id string) (res *engine.CloseResult, kind ledger.Kind, err error) {
	if d.beforeSweep != nil {
		d.beforeSweep()
		d.beforeSweep = nil
	}
	eng := d.env.NewEngine(d.env.GitHub, d.o.Grace, nil)
	sr, err := eng.Sweep(ctx, d.o.AuditRepo)
	if sr != nil {
		for _, r := range sr.Restored {
			if r.Override != nil && r.Override.ID == id {
				return r, ledger.KindRestored, nil
			}
		}
		for _, r := range sr.Reconciled {
			if r.Override != nil && r.Override.ID == id {
				return r, ledger.KindReconciled, nil
			}
		}
		for _, f := range sr.Failed {
			if f.ID == id {
				return nil, "", f.Err
			}
		}
	}
	if err == nil {
		err = fmt.Errorf("the sweep did not act on %s", id)
	}
	return nil, "", err
}

// waitUntil sleeps until t by the drill's clock.
func (d *driver) waitUntil(ctx context.Context, s *Scenario, t time.Time) bool {
	if wait := t.Sub(d.env.Now()); wait > 0 {
		if err := d.env.Sleep(ctx, wait); err != nil {
			s.check("wait for expiry", false, "%v", err)
			return false
		}
	}
	return true
}

// snapshot reads the setting twice over: as GitHub returns it (for the
// byte-for-byte restore check) and as the lever's fields.
func (d *driver) snapshot(ctx context.Context) ([]byte, lever.Fields, error) {
	if d.kind != override.LeverProtection {
		var snap lever.Snapshot
		err := try(ctx, func() (err error) { snap, err = d.lv.Read(ctx, d.target); return err })
		return snap.Raw, snap.Fields, err
	}
	raw, err := d.rawProtection(ctx)
	if err != nil {
		return nil, nil, err
	}
	f, err := d.fields(ctx)
	return raw, f, err
}

func (d *driver) fields(ctx context.Context) (lever.Fields, error) {
	var snap lever.Snapshot
	err := try(ctx, func() (err error) {
		snap, err = d.lv.Read(ctx, d.target)
		return err
	})
	return snap.Fields, err
}

// restoreVerified checks that the setting is back as it was: byte for byte
// for branch protection; field by field for a ruleset, whose updated_at
// GitHub moves on every write.
func (d *driver) restoreVerified(ctx context.Context, s *Scenario, before []byte, beforeF lever.Fields) {
	if d.kind == override.LeverTeam {
		after, err := d.fields(ctx)
		s.check("restore verified", err == nil && len(lever.Diff(beforeF, after)) == 0,
			"%s's membership of %s and of its organization after equals before (%s)", d.o.User, d.o.Team, strings.Join(fieldsDiffOr(beforeF, after, err), "; "))
		return
	}
	if d.kind != override.LeverProtection {
		// A ruleset as GitHub returns it, byte for byte, except updated_at,
		// which GitHub moves on every write (even one that restores).
		var snap lever.Snapshot
		err := try(ctx, func() (err error) { snap, err = d.lv.Read(ctx, d.target); return err })
		same := err == nil && bytes.Equal(withoutKey(before, "updated_at"), withoutKey(snap.Raw, "updated_at"))
		s.check("restore verified", same && len(lever.Diff(beforeF, snap.Fields)) == 0,
			"%s after equals before, byte for byte (updated_at aside; %s)", d.kind, strings.Join(fieldsDiffOr(beforeF, snap.Fields, err), "; "))
		return
	}
	after, err := d.rawProtection(ctx)
	s.check("restore verified", err == nil && bytes.Equal(before, after), "protection after equals before, byte for byte")
}

// withoutKey is a JSON object without one top-level key (keys sorted);
// nil when raw is not an object.
func withoutKey(raw []byte, key string) []byte {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	delete(m, key)
	out, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return out
}

func (d *driver) rawProtection(ctx context.Context) ([]byte, error) {
	var raw json.RawMessage
	err := try(ctx, func() error {
		req, err := d.env.GitHub.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/branches/%s/protection", d.owner, d.repo, d.o.Branch), nil)
		if err != nil {
			return err
		}
		_, err = d.env.GitHub.Do(ctx, req, &raw)
		return err
	})
	return raw, err
}

// door is the door test: a direct commit of a throw-away file to the
// branch, which must be refused (wantOpen false) or go through (true). A
// commit that went through is removed again.
func (d *driver) door(ctx context.Context, s *Scenario, name, path string, wantOpen bool) string {
	if d.kind == override.LeverTeam {
		d.teamDoor(ctx, s, name, wantOpen)
		return ""
	}
	var res *github.RepositoryContentResponse
	err := try(ctx, func() (err error) {
		res, _, err = d.env.GitHub.Repositories.CreateFile(ctx, d.owner, d.repo, path, &github.RepositoryContentFileOptions{
			Message: github.String("glass drill: door test"), Content: []byte("glass drill\n"), Branch: github.String(d.o.Branch)})
		return err
	})
	sha := ""
	if err == nil {
		sha = res.GetContent().GetSHA()
	}
	switch {
	case err == nil && wantOpen:
		s.check(name, true, "direct write to %s went through", d.o.Branch)
	case err == nil:
		s.check(name, false, "direct write to %s went through: the door is open", d.o.Branch)
	case transient(err):
		s.check(name, false, "could not test the door: %s", describe(err))
	case wantOpen:
		s.check(name, false, "direct write to %s was refused: %s", d.o.Branch, describe(err))
	default:
		s.check(name, true, "direct write to %s refused: %s", d.o.Branch, describe(err))
	}
	if err == nil {
		derr := try(ctx, func() error {
			_, _, err := d.env.GitHub.Repositories.DeleteFile(ctx, d.owner, d.repo, path, &github.RepositoryContentFileOptions{
				Message: github.String("glass drill: remove throw-away file"), SHA: github.String(sha), Branch: github.String(d.o.Branch)})
			return err
		})
		if wantOpen {
			s.check("drill file cleaned up", derr == nil, "throw-away file removed: %s", describe(derr))
		} else if derr != nil {
			s.Notes = append(s.Notes, fmt.Sprintf("could not remove the throw-away file %s: %s", path, describe(derr)))
		}
	}
	return sha
}

func (d *driver) drillPath(s *Scenario) string {
	return fmt.Sprintf(".glass-drill/%s-%d.txt", s.Name, d.env.Now().UnixNano())
}

// restoreMetrics records hold accuracy, time to restore and how long the
// door was open, relative to when the rollback was due.
// before reads the setting before opening; ok is false (the scenario
// stops) when it cannot.
func (d *driver) before(ctx context.Context, s *Scenario) (raw []byte, f lever.Fields, ok bool) {
	raw, f, err := d.snapshot(ctx)
	return raw, f, s.check("snapshot", err == nil, "read the %s before opening: %s", d.kind, describe(err))
}

// begin reads the setting before opening (see before) and tries the door
// at the scenario's path, which must still be shut.
func (d *driver) begin(ctx context.Context, s *Scenario) (raw []byte, f lever.Fields, path string, ok bool) {
	raw, f, ok = d.before(ctx, s)
	if !ok {
		return raw, f, "", false
	}
	path = d.drillPath(s)
	d.door(ctx, s, "door shut before", path, false)
	return raw, f, path, true
}

// openDoor opens the drill's override through the engine, announces it,
// walks through the open door at path and records the grant metrics. It
// returns the open and the door test's commit; ok is false (the scenario
// stops) when the open failed.
func (d *driver) openDoor(ctx context.Context, s *Scenario, path string) (op *opened, sha string, ok bool) {
	op = d.open(ctx, d.env.GitHub, d.o.Relax, false)
	if !s.check("open", op.err == nil && op.ov != nil, "override opened through the engine: %s", describe(op.err)) {
		return op, "", false
	}
	s.Override = op.ov.ID
	a := d.notifyGranted(ctx, op.ov, op.granted)
	sha = d.door(ctx, s, "door open during", path, true)
	d.grantMetrics(ctx, s, op, a)
	return op, sha, true
}

// swept is what the sweep said about one override.
type swept struct {
	res  *engine.CloseResult
	kind ledger.Kind
	err  error
}

// expire waits until wake, runs the sweep the scheduled workflow runs on
// id, and records the restore metrics counted from due (granted: when the
// change was applied). ok is false (the scenario stops) when the wait was
// cut short.
func (d *driver) expire(ctx context.Context, s *Scenario, id string, wake, due, granted time.Time) (sw swept, ok bool) {
	if !d.waitUntil(ctx, s, wake) {
		return sw, false
	}
	at := d.env.Now()
	sw.res, sw.kind, sw.err = d.sweep(ctx, id)
	restoreMetrics(s, due, at, d.env.Now(), granted)
	return sw, true
}

func restoreMetrics(s *Scenario, due, swept, restored, granted time.Time) {
	s.metric(MetricHold, swept.Sub(due))
	s.metric(MetricRestore, restored.Sub(due))
	s.metric(MetricOpenFor, restored.Sub(granted))
}

// audit checks the audit record of id: the state block reads back (its
// digest is valid), the issue is closed, every expected event is there, and
// (when sha is set) the activity section lists the drill's own commit.
func (d *driver) audit(ctx context.Context, s *Scenario, id string, want []ledger.Kind, commit bool, label string) []ledger.Event {
	st := ledger.NewStore(d.env.GitHub) // a fresh reader: nothing cached from the drill's own writes
	var o *override.Override
	var events []ledger.Event
	err := try(ctx, func() (err error) { o, events, err = st.Load(ctx, id); return err })
	seen := map[ledger.Kind]bool{}
	listsCommit := false
	for _, ev := range events {
		seen[ev.Kind] = true
		if ev.Activity != nil {
			for _, c := range ev.Activity.Commits {
				if strings.Contains(c.Message, "glass drill: door test") {
					listsCommit = true
				}
			}
		}
	}
	var missing []string
	for _, k := range want {
		if !seen[k] {
			missing = append(missing, string(k))
		}
	}
	var kinds []string
	for _, k := range want {
		kinds = append(kinds, string(k))
	}
	name := "audit record complete"
	if label != "" {
		name += " (" + label + ")"
	}
	closed := o != nil && o.State == override.StateClosed
	detail := fmt.Sprintf("%s: state block valid, closed, events %s present", id, strings.Join(kinds, ", "))
	switch {
	case err != nil:
		detail = fmt.Sprintf("%s: %s", id, describe(err))
	case !closed:
		detail = fmt.Sprintf("%s: the record says %s, not closed", id, o.State)
	case len(missing) > 0:
		detail = fmt.Sprintf("%s: missing events: %s", id, strings.Join(missing, ", "))
	}
	s.check(name, err == nil && closed && len(missing) == 0, "%s", detail)
	if commit {
		s.check("activity lists the drill commit", listsCommit, "the audit issue's activity section names the drill's own commit")
	}
	return events
}

// ---- scenarios ----

// happy opens the door, walks through it, and watches it shut on time.
func (d *driver) happy(ctx context.Context, s *Scenario) {
	before, beforeF, path, ok := d.begin(ctx, s)
	if !ok {
		return
	}

	op, sha, ok := d.openDoor(ctx, s, path)
	if !ok {
		return
	}
	ov := op.ov

	// Wait for the expiry, then run the same sweep the scheduled workflow runs.
	sw, ok := d.expire(ctx, s, ov.ID, ov.Expires, ov.Expires, op.appliedAt)
	if !ok {
		return
	}
	s.check("sweep rolled back", sw.err == nil && sw.kind == ledger.KindRestored, "the sweep restored the expired override: %s", describe(sw.err))

	d.restoreVerified(ctx, s, before, beforeF)
	d.door(ctx, s, "door shut after", path, false)
	d.audit(ctx, s, ov.ID, d.wantEvents(ledger.KindApplied, ledger.KindRestored), sha != "" && d.activity(), "")
}

// activity reports whether the lever's records list what landed on the
// branch (the engine collects activity for protection overrides).
func (d *driver) activity() bool { return d.kind == override.LeverProtection }

// wantEvents adds the activity record where the lever has one.
func (d *driver) wantEvents(kinds ...ledger.Kind) []ledger.Kind {
	if d.activity() {
		kinds = append(kinds, ledger.KindActivity)
	}
	return kinds
}

// crash: the opening process dies right after its change is applied and
// verified, before it records anything else. The audit issue says
// "applying"; the sweep must find it, put the protection back and close it.
func (d *driver) crash(ctx context.Context, s *Scenario) {
	before, beforeF, path, ok := d.begin(ctx, s)
	if !ok {
		return
	}

	op := d.open(ctx, d.env.GitHub, d.o.Relax, true)
	// Which of the record's parallel writes noticed the cancellation first
	// varies: report the step, not the error text.
	step := describe(op.err)
	var ee *engine.Error
	if errors.As(op.err, &ee) {
		step = "open failed at step " + ee.Step
	}
	if !s.check("opener died after apply", op.err != nil && op.ov != nil && op.ov.ID != "",
		"the opening process was stopped right after its change was verified: %s", step) {
		if op.ov != nil && op.err == nil {
			s.Override = op.ov.ID // it did not die: still roll it back below
		} else {
			return
		}
	}
	ov := op.ov
	s.Override = ov.ID
	// What the crash left behind: the record still says applying, and the
	// protection is relaxed with nobody to put it back.
	var rec *override.Override
	rerr := try(ctx, func() (err error) { rec, err = ledger.NewStore(d.env.GitHub).LoadOverride(ctx, ov.ID); return err })
	live, ferr := d.fields(ctx)
	want, _ := d.lv.Relax(ov.Target, beforeF, d.o.Relax)
	state := "unreadable: " + describe(rerr)
	if rerr == nil {
		state = string(rec.State)
	}
	s.check("left half-done", rerr == nil && ferr == nil && rec.State == override.StateApplying && len(lever.Diff(want, live)) == 0,
		"audit record says %s, %s is relaxed (%s)", state, d.kind, strings.Join(fieldsDiffOr(want, live, ferr), "; "))
	sha := d.door(ctx, s, "door open during", path, true)
	// A dead process sends no notification: the alert is the audit issue.
	d.grantMetrics(ctx, s, op, nil)

	// The sweep may treat the opener as dead once the reconcile grace has
	// passed since the request (engine.Engine.due: strictly after).
	due := ov.Requested.Add(d.o.Grace)
	sw, ok := d.expire(ctx, s, ov.ID, due.Add(time.Millisecond), due, op.appliedAt)
	if !ok {
		return
	}
	s.check("sweep reconciled", sw.err == nil && sw.kind == ledger.KindReconciled, "the sweep found the half-done override and rolled it back: %s", describe(sw.err))

	d.restoreVerified(ctx, s, before, beforeF)
	d.door(ctx, s, "door shut after", path, false)
	d.audit(ctx, s, ov.ID, d.wantEvents(ledger.KindReconciled), sha != "" && d.activity(), "")
}

func fieldsDiffOr(want, got lever.Fields, err error) []string {
	if err != nil {
		return []string{"could not read it: " + describe(err)}
	}
	if diff := fieldsDiff(want, got); len(diff) > 0 {
		return append([]string{"differs, want → got"}, diff...)
	}
	return []string{"matches field by field"}
}

// drift: while the door is open, someone else turns required signatures
// on (or off). The three-way restore must put back what glass relaxed,
// keep their change, and report it; the drill then undoes their change so
// the target is left as it was found.
func (d *driver) drift(ctx context.Context, s *Scenario) {
	before, beforeF, ok := d.before(ctx, s)
	if !ok {
		return
	}
	if slices.Contains(d.o.Relax, "signatures") || slices.Contains(d.o.Relax, "all") {
		s.check("drift field not relaxed", false, "the drift scenario changes required signatures, which --relax %s relaxes; drill with another --relax", strings.Join(d.o.Relax, ","))
		return
	}
	path := d.drillPath(s)
	d.door(ctx, s, "door shut before", path, false)
	op, sha, ok := d.openDoor(ctx, s, path)
	if !ok {
		return
	}
	ov := op.ov

	// Someone else edits the protection mid-window.
	was, _ := beforeF[kSignatures].(bool)
	editErr := d.setSignatures(ctx, d.env.editor(), !was)
	if !s.check("someone else edits mid-window", editErr == nil, "%s turned from %t to %t by another API client: %s", kSignatures, was, !was, describe(editErr)) {
		d.sweep(ctx, ov.ID) // still close the door
		return
	}

	sw, ok := d.expire(ctx, s, ov.ID, ov.Expires, ov.Expires, op.appliedAt)
	if !ok {
		return
	}
	s.check("sweep rolled back", sw.err == nil && sw.kind == ledger.KindRestored, "the sweep restored the expired override: %s", describe(sw.err))

	reported := false
	if sw.res != nil {
		for _, c := range sw.res.Plan.Drift {
			if c.Field == kSignatures {
				reported = true
			}
			s.Drift = append(s.Drift, fmt.Sprintf("%s: %s → %s (kept)", c.Field, jsonish(c.Original), jsonish(c.Live)))
		}
	}
	s.check("drift reported", reported, "the restore reports %s as changed by someone else", kSignatures)
	afterF, ferr := d.fields(ctx)
	wantF := beforeF.Clone()
	wantF[kSignatures] = !was
	s.check("drift kept, rest restored", ferr == nil && len(lever.Diff(wantF, afterF)) == 0,
		"protection equals the original except %s, which keeps their value (%s)", kSignatures, strings.Join(fieldsDiffOr(wantF, afterF, ferr), "; "))
	evs := d.audit(ctx, s, ov.ID, []ledger.Kind{ledger.KindApplied, ledger.KindRestored, ledger.KindActivity}, sha != "", "")
	recorded := false
	for _, ev := range evs {
		if ev.Kind == ledger.KindRestored && ev.Plan != nil {
			for _, c := range ev.Plan.Drift {
				recorded = recorded || c.Field == kSignatures
			}
		}
	}
	s.check("drift recorded", recorded, "the audit issue's restore record lists the drift")

	// Leave the target as it was found.
	undoErr := d.setSignatures(ctx, d.env.editor(), was)
	after, err := d.rawProtection(ctx)
	s.check("target left as found", undoErr == nil && err == nil && bytes.Equal(before, after), "after undoing the edit, protection equals before, byte for byte: %s", describe(errors.Join(undoErr, err)))
	d.door(ctx, s, "door shut after", path, false)
}

// setSignatures turns required signatures on or off (POST or DELETE
// .../protection/required_signatures; docs.github.com/rest/branches/branch-protection).
func (d *driver) setSignatures(ctx context.Context, gh *github.Client, on bool) error {
	return try(ctx, func() error {
		var err error
		if on {
			_, _, err = gh.Repositories.RequireSignaturesOnProtectedBranch(ctx, d.owner, d.repo, d.o.Branch)
		} else {
			_, err = gh.Repositories.OptionalSignaturesOnProtectedBranch(ctx, d.owner, d.repo, d.o.Branch)
		}
		return err
	})
}

// overlapRelax picks the second responder's relaxation: one that changes
// a field the first one does not.
func overlapRelax(first []string) []string {
	for _, r := range []string{"force-push", "deletions"} {
		if !slices.Contains(first, r) {
			return []string{r}
		}
	}
	return []string{"admins"}
}

// overlap: two responders open overrides on the same branch. The live
// setting must be the original relaxed by both; the first close must keep
// what the second still needs; only the last one restores the original.
func (d *driver) overlap(ctx context.Context, s *Scenario) {
	before, beforeF, path, ok := d.begin(ctx, s)
	if !ok {
		return
	}

	first := d.open(ctx, d.env.GitHub, d.o.Relax, false)
	if !s.check("first open", first.err == nil && first.ov != nil, "first responder's override opened: %s", describe(first.err)) {
		return
	}
	s.Override = first.ov.ID
	a := d.notifyGranted(ctx, first.ov, first.granted)
	relax2 := overlapRelax(d.o.Relax)
	second := d.open(ctx, d.env.second(), relax2, false)
	if !s.check("second open", second.err == nil && second.ov != nil, "second responder's override (relax %s) opened on the same branch: %s", strings.Join(relax2, ","), describe(second.err)) {
		d.sweepAfter(ctx, first.ov)
		return
	}
	s.Others = append(s.Others, second.ov.ID)
	union := append(append([]string{}, d.o.Relax...), relax2...)
	want, _ := d.lv.Relax(first.ov.Target, beforeF, override.NormalizeRelax(union))
	live, ferr := d.fields(ctx)
	s.check("state follows the union", ferr == nil && len(lever.Diff(want, live)) == 0,
		"live protection is the original relaxed by %s (%s)", strings.Join(override.NormalizeRelax(union), " + "), strings.Join(fieldsDiffOr(want, live, ferr), "; "))
	sha := d.door(ctx, s, "door open during", path, true)
	d.grantMetrics(ctx, s, first, a)

	// The first responder is done early.
	res, cerr := d.env.NewEngine(d.env.GitHub, d.o.Grace, nil).Close(ctx, first.ov.ID, "drill: first responder done")
	want2, _ := d.lv.Relax(first.ov.Target, beforeF, relax2)
	live2, ferr := d.fields(ctx)
	remaining := -1
	if res != nil {
		remaining = res.Remaining
	}
	s.check("first close keeps the other's relaxation", cerr == nil && remaining == 1 && ferr == nil && len(lever.Diff(want2, live2)) == 0,
		"after the first close (%s), 1 override remains (got %d) and the protection is relaxed by %s only (%s)",
		describe(cerr), remaining, strings.Join(relax2, ","), strings.Join(fieldsDiffOr(want2, live2, ferr), "; "))

	ov := second.ov
	sw, ok := d.expire(ctx, s, ov.ID, ov.Expires, ov.Expires, first.appliedAt)
	if !ok {
		return
	}
	s.check("last close restores", sw.err == nil && sw.kind == ledger.KindRestored, "the sweep restored the second override at its expiry: %s", describe(sw.err))
	after, err := d.rawProtection(ctx)
	s.check("restore verified", err == nil && bytes.Equal(before, after), "protection after equals before, byte for byte")
	d.door(ctx, s, "door shut after", path, false)
	d.audit(ctx, s, first.ov.ID, []ledger.Kind{ledger.KindApplied, ledger.KindRestored}, false, "first")
	d.audit(ctx, s, ov.ID, []ledger.Kind{ledger.KindApplied, ledger.KindRestored, ledger.KindActivity}, sha != "", "second")
}

// sweepAfter rolls back ov at its expiry after a scenario gave up early,
// so a failed drill never leaves the door open.
func (d *driver) sweepAfter(ctx context.Context, ov *override.Override) {
	if wait := ov.Expires.Sub(d.env.Now()); wait > 0 {
		_ = d.env.Sleep(ctx, wait)
	}
	_, _, _ = d.sweep(ctx, ov.ID)
}

// faults (sandbox only): the happy drill while the simulator fails every
// fifth request with a 5xx, a rate limit or a dropped connection. Glass
// must get through on retries alone; the report lists what it survived.
func (d *driver) faults(ctx context.Context, s *Scenario) {
	if d.env.Sim == nil {
		s.check("sandbox", false, "the faults scenario needs the embedded simulator (--sandbox)")
		return
	}
	spec, atRestore := strings.CutPrefix(d.o.Faults, "restore:")
	f, err := ghsim.ParseFaults(spec)
	if !s.check("fault schedule", err == nil, "%s: %s", d.o.Faults, describe(err)) {
		return
	}
	since := lastSeq(d.env.Sim)
	if atRestore {
		d.beforeSweep = func() { d.env.Sim.SetFaults(f) }
	} else {
		d.env.Sim.SetFaults(f)
	}
	d.happy(ctx, s)
	d.beforeSweep = nil
	d.env.Sim.SetFaults(ghsim.Faults{})
	s.Faults = faultCounts(d.env.Sim, since)
	total := 0
	var kinds []string
	for k, n := range s.Faults {
		total += n
		kinds = append(kinds, fmt.Sprintf("%s ×%d", k, n))
	}
	sort.Strings(kinds)
	s.check("faults injected", total > 0, "%d injected (%s)", total, strings.Join(kinds, ", "))
}
