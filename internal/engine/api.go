// Package engine carries out glass's verbs (open, close, extend, status,
// sweep) on any lever, in the crash-safe order: snapshot → audit issue
// (state applying) → change → verify → record. It owns the overlap rule (the
// live state is the original relaxed by the union of the open overrides)
// and the three-way restore.
package engine

import (
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
}

// Step is one progress event, for the progress view and --debug timings.
type Step struct {
	Name    string        // identity, policy, snapshot, audit, apply, verify, record, restore, activity
	Detail  string        // e.g. the audit issue URL
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
	Checked     int            // live overrides looked at
	Restored    []*CloseResult // expired overrides rolled back
	Reconciled  []*CloseResult // overrides left half-done by a crash, finished
	Failed      []SweepFailure // could not be restored: exit non-zero
	NotModified bool           // the live list was answered with 304
}

type SweepFailure struct {
	ID  string
	Err error
}
