// Package cmdutil is the plumbing every command shares: the Factory, typed
// errors that map to exit codes, and --json output.
package cmdutil

import (
	"errors"
	"fmt"
)

// Exit codes, documented in docs/exit-codes.md and `glass help exit-codes`.
const (
	ExitOK        = 0   // success
	ExitFailure   = 1   // something failed; the message says what glass did and did not change
	ExitUsage     = 2   // bad flags, arguments or input; nothing was changed
	ExitRefused   = 3   // policy, identity or a safety check refused; nothing was changed
	ExitAuth      = 4   // no usable credentials
	ExitRestore   = 5   // a rollback could not be verified: a human must look
	ExitDrill     = 6   // a drill check or SLO failed
	ExitPending   = 8   // the request waits for approval (open --no-wait); a denial or timeout is ExitRefused
	ExitCancelled = 130 // cancelled by the user before anything changed
)

// FlagError is a usage error: exit 2, and the command's usage is shown.
// It is a pointer type with an inner error (not struct{error}) so that only
// *FlagError satisfies errors.As.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

// FlagErrorf builds a usage error.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{err: fmt.Errorf(format, args...)}
}

// FlagErrorWrap marks err as a usage error.
func FlagErrorWrap(err error) error { return &FlagError{err: err} }

// ExitError carries an exit code and a message that already says what
// happened, what glass did not change and what to do next.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// Refused builds an exit-3 error: a check said no before anything changed.
func Refused(format string, args ...any) error {
	return &ExitError{Code: ExitRefused, Err: fmt.Errorf(format, args...)}
}

// WithCode wraps err so that glass exits with code.
func WithCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: code, Err: err}
}

// ErrSilent means the failure was already reported; exit 1 without printing.
var ErrSilent = errors.New("silent")

// ErrCancel means the user cancelled before anything changed.
var ErrCancel = errors.New("cancelled")

// CodeOf maps an error to glass's exit code.
func CodeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var fe *FlagError
	var ee *ExitError
	switch {
	case errors.As(err, &fe):
		return ExitUsage
	case errors.As(err, &ee):
		return ee.Code
	case errors.Is(err, ErrCancel):
		return ExitCancelled
	}
	return ExitFailure
}
