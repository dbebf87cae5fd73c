// Package engine carries out glass's verbs (open, close, extend, status,
// sweep) on any lever, in the crash-safe order: snapshot → audit issue
// (state applying) → change → verify → record. It owns the overlap rule (the
// live state is the original relaxed by the union of the open overrides)
// and the three-way restore.
package engine

import (
	"sync"
	"time"

	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
)

// OpenRequest is everything `glass open` needs, already parsed and checked
// for form (flags → options → request).
type OpenRequest struct {
	Lever     override.Lever
	Target    override.Target // Repo is OWNER/REPO of the target repository
	Relax     []string        // protection: relax names; access: the permission
	Duration  time.Duration
	Reason    string
	Incident  string
	AuditRepo string // OWNER/REPO; empty means Target.Repo
	Drill     bool
	// When the policy requires approval: NoWait records the request and
	// returns a *PendingError (exit 8) at once; Wait bounds the wait below
	// the policy's timeout (0: the policy's timeout).
	NoWait bool
	Wait   time.Duration
	// Self, with an empty Target.User (access and team levers), makes the
	// actor the user: the engine fills Target.User in from its identity read
	// (GET /user, in open's first round), so `--user`'s default costs no
	// request or round trip of its own. Previews and the record carry the
	// login.
	Self bool

	approved *approvedRequest // set by the approval flow (approval.go)
}

// Preview is what `glass open` shows before it changes anything.
type Preview struct {
	Request  OpenRequest
	Actor    string               // the token's login
	Original lever.Fields         // the original setting (from an overlapping override's snapshot when there is one)
	Live     lever.Fields         // the setting now
	Want     lever.Fields         // what will be live while the override is open
	Changes  []lever.Mismatch     // Live → Want, field by field
	Notices  []lever.Notice       // side effects: queued auto-merges, invitations, team access
	Overlaps []*override.Override // other open overrides on the same setting

	plan *planned    // the reads behind this preview, for OpenPreview
	at   time.Time   // when they were made, or last found unchanged (Refresh)
	mu   *sync.Mutex // guards plan and at against KeepFresh
}

// Step is one progress event, for the progress view and --debug timings.
type Step struct {
	Name    string        // identity, policy, snapshot, audit, apply, verify, record, restore, activity
	Detail  string        // e.g. the login, the target, the audit issue's ID
	URL     string        // the audit issue's web address (step audit), when known
	Elapsed time.Duration // since the verb started
	Err     error
}

// CloseResult is the outcome of a rollback.
type CloseResult struct {
	Override  *override.Override
	Plan      lever.Plan       // what was restored, with drift and conflicts
	Verified  []lever.Mismatch // empty when the live state equals the plan
	Remaining int              // other overrides still open on the same setting
	Activity  *Activity
}

// Activity is what landed on the branch while the door was open.
type Activity struct {
	FromSHA, ToSHA string
	Commits        []Commit
	Pushes         []Push
	MergedPulls    []Pull
	Since, Until   time.Time // the window
	Status         string    // compare status: ahead, behind, diverged (a force push), identical
	DirectPushes   int       // push and force_push events: changes that skipped review
	Truncated      bool      // more than one page; the record lists the first 100
	Errors         []string  // lookups that failed (activity never blocks a rollback)
}

type Commit struct {
	SHA, Message, Author string
}

type Push struct {
	Kind          string // push, force_push, pr_merge, branch_deletion, ...
	Actor         string
	Before, After string
	At            time.Time
}

type Pull struct {
	Number        int
	Title, Author string
	MergedAt      time.Time
	MergedBy      string
	SkippedReview bool // merged without an approving review by someone other than the author
}

// SweepResult lists what one sweep did.
type SweepResult struct {
	Checked     int              // live overrides looked at
	Restored    []*CloseResult   // expired overrides rolled back
	Reconciled  []*CloseResult   // overrides left half-done by a crash, finished
	Failed      []SweepFailure   // could not be restored: exit non-zero
	Requests    []*RequestResult // requests nobody waited for: applied after an approval, or closed (denied, timed out)
	NotModified bool             // the live list was answered with 304
}

// StatusEntry is one override as `glass status` shows it.
type StatusEntry struct {
	Override *override.Override
	Left     time.Duration // time left until expiry (negative when overdue)
	Overdue  bool          // should already have been rolled back
	Failed   bool          // a rollback could not be verified (label break-glass:failed)
	Stuck    bool          // left half-done (applying or closing) longer than the reconcile grace
	TimedOut bool          // a request past its approval deadline: nothing was applied, and the next sweep closes it
}

// StatusResult is what `glass status` found.
type StatusResult struct {
	Entries     []StatusEntry
	NotModified bool           // every list was answered with 304
	Invalid     []SweepFailure // open break-glass issues whose record glass cannot read
}

type SweepFailure struct {
	ID  string
	Err error
}
