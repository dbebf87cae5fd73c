package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
)

// Design notes (where this differs from, or adds to, the first sketch):
//
//   - The expected state for the three-way restore is derived, never stored:
//     Relax(original, union of the live overrides' relax sets). Overrides in
//     state applying, closing or failed may or may not have reached GitHub,
//     so expectedFor takes several candidates and, per field, the one that
//     agrees with the live value. Nothing a crash can lose is needed.
//   - The original is the snapshot of the oldest live override on the
//     setting (ties: lowest issue number), so every process agrees on it.
//   - Races between two processes on one setting are settled after the
//     fact, off the critical path: open and close list the overrides again
//     beside their record, and if the set changed (a concurrent open or
//     close), make the setting what the live overrides need (settleRace,
//     settleClose). Both racers do it; at least one sees the other.
//   - A POST (audit issue, comment) is never retried blindly: create looks
//     for the issue it may have made (same actor, key and request time),
//     and every comment has an idempotency key (ledger.Append checks it).
//   - Plan + OpenPreview reuse Plan's reads when fresh (PlanFresh); Open
//     alone is four round trips. While a person decides, KeepFresh
//     revalidates the reads every PlanFresh/2 (Refresh: one round trip of
//     conditional GETs, adopted only when nothing shown has changed), so
//     open after a confirmation is three round trips however long it took. Plan writes nothing on the target, but it
//     does set up glass's labels in the audit repository on first use
//     (ledger.EnsureLabels), so that the audit write does not wait for it.
//   - Close's record and the closed state land in one PATCH: the events
//     that close an override go into the state block of the issue
//     (ledger.Store.SaveRecord), and the comments with the same events,
//     readable copies, are posted beside it. Close is four round trips,
//     and a crash can never leave a closed issue without its record (a
//     closed issue is invisible to sweep's one-request list). Before this,
//     close posted the comments and then closed the issue: five round trips.
//   - Two processes can roll back the same override at once (two sweeps,
//     a sweep and a close of an overdue override). GitHub has no
//     conditional create, so both may post "restored"; the racers then run
//     ledger.Dedupe before closing the issue (lowest comment id wins), so
//     one record remains whatever the interleaving. A fresh "closing"
//     record (issue updated less than the grace ago) that is not overdue
//     belongs to a closer still at work: sweep leaves it alone.
//   - Likewise two processes can apply the same approved request nobody
//     waits for (glass approve and a sweep, two sweeps). Each re-reads the
//     record first; those that still race both apply (the same relaxation),
//     then run ledger.DedupeKept on approved/applied (settleApply): one
//     record of each remains, the appliers whose applied comment was not
//     kept save the kept one's window again and report nothing, so the
//     apply is counted and announced once. An applier that finds the
//     request already live, or the setting already relaxed and the record
//     no longer requested, stops before writing (appliedElsewhere), so no
//     relaxed setting is ever recorded as the original.
//   - Errors: *RefusalError (exit 3, nothing changed), *RestoreIncompleteError
//     (exit 5, errors.Is ErrRestoreIncomplete), *SweepError (5 or 1), *Error
//     (exit 1; says what changed, what did not, and what to do next);
//     ErrAlreadyClosed and ErrNotFound via errors.Is. ExitCode(err) maps them.

// Gate is the policy and identity check the auth and policy packages plug
// in. An error is a refusal before anything changes (exit 3); the returned
// approval is recorded in the audit issue.
type Gate interface {
	Check(ctx context.Context, req OpenRequest, actor string) (*override.Approval, error)
}

// GateFunc adapts a function to Gate.
type GateFunc func(ctx context.Context, req OpenRequest, actor string) (*override.Approval, error)

func (f GateFunc) Check(ctx context.Context, req OpenRequest, actor string) (*override.Approval, error) {
	return f(ctx, req, actor)
}

// Config wires an Engine.
type Config struct {
	GitHub   *github.Client
	Levers   map[override.Lever]lever.Lever
	Ledger   *ledger.Store // the audit issue I/O; give it the same client as GitHub
	Clock    clock.Clock
	Gate     Gate       // nil: allow, recorded as Approval{Mode:"self", Rule:"no policy"}
	Progress func(Step) // nil: no progress events
	// ReconcileGrace is how long an override may stay in state applying
	// before sweep treats its opener as dead (default 2m).
	ReconcileGrace time.Duration
	// LoginHint, when set, names the account the token probably belongs
	// to without a request (the login `glass auth login` stored, or the
	// last GET /user answer in the HTTP cache). A Self request then reads
	// the setting for that login beside the identity read instead of after
	// it; a wrong hint costs one more round trip (the setting is read again
	// for the actual login), never a wrong read.
	LoginHint func() string
	// Policy turns on .github/glass.yml enforcement, approvals and
	// notifications (policy.go, approval.go, notify.go). nil: off.
	Policy *PolicyConfig
}

// Engine carries out open, close, extend, status and sweep.
type Engine struct {
	gh       *github.Client
	levers   map[override.Lever]lever.Lever
	ledger   *ledger.Store
	clock    clock.Clock
	gate     Gate
	progress func(Step)
	grace    time.Duration
	policy   *PolicyConfig
	hint     func() string
	ps       *policyState // shared by copies (WithProgress)
}

// New builds an Engine. GitHub, Levers and Ledger are required.
func New(c Config) *Engine {
	e := &Engine{gh: c.GitHub, levers: c.Levers, ledger: c.Ledger, clock: c.Clock, gate: c.Gate, progress: c.Progress, grace: c.ReconcileGrace, policy: c.Policy, hint: c.LoginHint}
	e.ps = &policyState{dir: teamDirectory{gh: c.GitHub}}
	if e.clock == nil {
		e.clock = clock.Real{}
	}
	if e.grace <= 0 {
		e.grace = 2 * time.Minute
	}
	return e
}

func (e *Engine) lever(l override.Lever) (lever.Lever, error) {
	lv, ok := e.levers[l]
	if !ok || lv == nil {
		return nil, &RefusalError{Reason: fmt.Sprintf("lever %q is not available in this build", l), Hint: "use one of: " + e.leverNames()}
	}
	return lv, nil
}

func (e *Engine) leverNames() string {
	var n []string
	for k := range e.levers {
		n = append(n, string(k))
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

// stepper reports progress events relative to the start of a verb.
type stepper struct {
	e     *Engine
	start time.Time
}

func (e *Engine) steps() *stepper { return &stepper{e: e, start: time.Now()} }

func (s *stepper) emit(name, detail string, err error) {
	if s.e.progress == nil {
		return
	}
	s.e.progress(Step{Name: name, Detail: detail, Elapsed: time.Since(s.start), Err: err})
}

// emitURL is emit with a web address (the audit issue's).
func (s *stepper) emitURL(name, detail, url string) {
	if s.e.progress == nil {
		return
	}
	s.e.progress(Step{Name: name, Detail: detail, URL: url, Elapsed: time.Since(s.start)})
}

// ---- the overlap rule ----

// live reports whether o still holds (or may hold) its relaxation: anything
// written ahead and not yet finished.
func live(o *override.Override) bool {
	return o.State == override.StateApplying || o.State == override.StateActive || o.State == override.StateClosing
}

// sameKey lists the live overrides in list on the setting key of (l, t),
// oldest first, leaving out the one with id skip.
func sameKey(list []*override.Override, l override.Lever, t override.Target, skip string) []*override.Override {
	key := t.Key(l)
	var out []*override.Override
	for _, o := range list {
		if o == nil || o.ID == skip || o.Lever != l || !live(o) || o.Target.Key(o.Lever) != key {
			continue
		}
		out = append(out, o)
	}
	return sortOverrides(out)
}

// sortOverrides orders overrides oldest first (ties: lower issue number),
// so that every process agrees which one holds the original snapshot.
func sortOverrides(list []*override.Override) []*override.Override {
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if !a.Requested.Equal(b.Requested) {
			return a.Requested.Before(b.Requested)
		}
		return issueNum(a.ID) < issueNum(b.ID)
	})
	return list
}

func issueNum(id string) int {
	_, n, err := ledger.ParseID(id, "")
	if err != nil {
		return 0
	}
	return n
}

func union(sets ...[]string) []string {
	var all []string
	for _, s := range sets {
		all = append(all, s...)
	}
	return override.NormalizeRelax(all)
}

func relaxOf(list []*override.Override, keep func(*override.Override) bool) []string {
	var all []string
	for _, o := range list {
		if keep == nil || keep(o) {
			all = append(all, o.Relax...)
		}
	}
	return override.NormalizeRelax(all)
}

func snapshotFields(o *override.Override) (lever.Fields, error) {
	var f lever.Fields
	if len(o.Snapshot) == 0 {
		return nil, fmt.Errorf("audit issue %s has no snapshot of the original setting", o.ID)
	}
	if err := json.Unmarshal(o.Snapshot, &f); err != nil {
		return nil, fmt.Errorf("audit issue %s: reading the snapshot: %w", o.ID, err)
	}
	return f, nil
}

// relax is lever.Relax that treats an empty set as "the original".
func relax(lv lever.Lever, t override.Target, orig lever.Fields, names []string) (lever.Fields, error) {
	if len(names) == 0 {
		return orig.Clone(), nil
	}
	return lv.Relax(t, orig, names)
}

// expectedFor builds what glass may last have made live, field by field.
// Overrides in state applying or closing may or may not have reached
// GitHub, so there can be several candidates; for each field the candidate
// that agrees with live wins (glass wrote it), else the first. A field that
// matches no candidate was changed by someone else and Merge reports it.
// This is why the expected state is derived rather than stored: it needs
// nothing a crash could lose.
func expectedFor(live lever.Fields, cands ...lever.Fields) lever.Fields {
	out := lever.Fields{}
	all := append([]lever.Fields{live}, cands...)
	for _, k := range lever.Keys(all...) {
		out[k] = cands[0][k]
		for _, c := range cands {
			if lever.Equal(c[k], live[k]) {
				out[k] = c[k]
				break
			}
		}
	}
	return out
}

func splitRepo(full string) (owner, repo string, err error) {
	o, r, ok := strings.Cut(full, "/")
	if !ok || o == "" || r == "" || strings.Contains(r, "/") {
		return "", "", fmt.Errorf("%q is not OWNER/REPO", full)
	}
	return o, r, nil
}
