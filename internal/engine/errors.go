package engine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/glass-cli/glass/internal/lever"
)

// Exit codes the CLI maps engine errors to (docs/exit-codes.md). Every
// engine error type has an ExitCode method; anything else is exit 1.
//
//	*RefusalError            → 3 (nothing was changed)
//	*RestoreIncompleteError  → 5 (a rollback could not be verified)
//	*Error                   → 1 (the message says what changed and what did not)
const (
	ExitFailure = 1
	ExitRefused = 3
	ExitRestore = 5
)

// ExitCode returns the exit code for err: the ExitCode of the first error in
// its chain that has one, else 1 (0 for nil).
func ExitCode(err error) int {
	if err == nil {
		return 0
	}
	var c interface{ ExitCode() int }
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return ExitFailure
}

// RefusalError means glass refused before anything changed: the gate
// (policy, identity), a lever's safety check, or an invalid request.
type RefusalError struct {
	Reason string
	Hint   string
	Err    error
}

func (e *RefusalError) Error() string {
	s := e.Reason + "; nothing was changed"
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}
func (e *RefusalError) Unwrap() error { return e.Err }
func (e *RefusalError) ExitCode() int { return ExitRefused }

// ErrRestoreIncomplete is matched (errors.Is) by every *RestoreIncompleteError.
var ErrRestoreIncomplete = errors.New("restore incomplete")

// ErrAlreadyClosed: the override was already rolled back (close is a no-op).
var ErrAlreadyClosed = errors.New("override already closed")

// ErrNotFound: no override with that ID.
var ErrNotFound = errors.New("override not found")

// RestoreIncompleteError means a rollback was written but the live setting
// does not match what glass restored: the audit issue stays open, labelled
// break-glass:failed, and a human must look (exit 5).
type RestoreIncompleteError struct {
	ID         string
	Target     string
	Mismatches []lever.Mismatch // want = what glass restored, got = what is live
	Err        error            // the write or verification error, if any
}

func (e *RestoreIncompleteError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rollback of %s (%s) could not be verified", e.Target, e.ID)
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if len(e.Mismatches) > 0 {
		var f []string
		for _, m := range e.Mismatches {
			f = append(f, fmt.Sprintf("%s (want %v, live %v)", m.Field, jsonish(m.Want), jsonish(m.Got)))
		}
		fmt.Fprintf(&b, "; still different: %s", strings.Join(f, ", "))
	}
	fmt.Fprintf(&b, "; the audit issue %s is marked failed; check the setting by hand, then run `glass sweep` to retry", e.ID)
	return b.String()
}
func (e *RestoreIncompleteError) Unwrap() error        { return e.Err }
func (e *RestoreIncompleteError) Is(target error) bool { return target == ErrRestoreIncomplete }
func (e *RestoreIncompleteError) ExitCode() int        { return ExitRestore }

// Error is a failed step. Its message says what happened, what glass
// changed and did not change, and what to do next.
type Error struct {
	Op        string // open, close, extend, status, sweep
	Step      string // identity, snapshot, audit, apply, verify, record, restore, ...
	Changed   string // what glass did change ("" = nothing)
	Unchanged string // what glass did not change
	Next      string // what to do next
	Err       error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s failed: %v", e.Op, e.Step, e.Err)
	if e.Changed != "" {
		fmt.Fprintf(&b, "; changed: %s", e.Changed)
	}
	if e.Unchanged != "" {
		fmt.Fprintf(&b, "; not changed: %s", e.Unchanged)
	}
	if e.Next != "" {
		fmt.Fprintf(&b, "; next: %s", e.Next)
	}
	return b.String()
}
func (e *Error) Unwrap() error { return e.Err }
func (e *Error) ExitCode() int { return ExitFailure }

func jsonish(v any) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(v)
}
