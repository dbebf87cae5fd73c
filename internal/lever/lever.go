// Package lever defines what every kind of emergency change can do, and the
// generic field-level machinery (comparison and three-way restore) the engine
// uses on all of them. Each lever lives in its own sub-package and owns its
// GitHub GET→PUT conversion.
package lever

import (
	"context"
	"errors"
	"fmt"

	"github.com/glass-cli/glass/internal/override"
)

// RelaxOption is one thing a lever can relax, as offered to --relax and the
// interactive flow.
type RelaxOption struct {
	Name    string // the --relax name, e.g. "reviews"
	Summary string // one line for humans, e.g. "required pull request reviews"
}

// Snapshot is a lever's complete view of a live setting.
type Snapshot struct {
	Fields Fields // the comparable view
	Raw    []byte // the setting exactly as GitHub returned it (for the audit record)
}

// Notice is a side effect a human should see before confirming, such as a
// queued pull request that will merge once reviews are relaxed.
type Notice struct {
	Kind    string `json:"kind"`    // e.g. "auto-merge", "invitation", "team-access"
	Message string `json:"message"` // one line for humans
	URL     string `json:"url,omitempty"`
}

// Lever is one kind of emergency change. Implementations must be safe for
// concurrent use and must not keep per-override state: everything they need
// comes in through the arguments, so a crashed open can be finished by a
// different process.
type Lever interface {
	Kind() override.Lever
	// Relaxations lists what --relax may name for this lever.
	Relaxations() []RelaxOption
	// Validate checks a target and relax set without touching the network.
	Validate(t override.Target, relax []string) error
	// Read returns the live setting. It returns a *RefusalError when the
	// lever cannot act on the target at all (nothing to relax, a wildcard
	// rule glass cannot restore faithfully, ...), before anything changes.
	Read(ctx context.Context, t override.Target) (Snapshot, error)
	// Relax returns the fields that must be live while relax is in force on
	// top of orig. It is pure, and its result must equal what Read returns
	// once Write has made it live.
	Relax(t override.Target, orig Fields, relax []string) (Fields, error)
	// Write makes the live setting equal want, given that it is now live.
	// It may return the setting as GitHub reported it after the write (saving
	// a verification read), or nil when the caller must Read to verify.
	Write(ctx context.Context, t override.Target, live, want Fields) (Fields, error)
}

// Previewer is implemented by levers that can list side effects of a change
// before it is made.
type Previewer interface {
	Preview(ctx context.Context, t override.Target, orig, want Fields) ([]Notice, error)
}

// Completer is implemented by levers whose target is only fully known
// once the live setting has been read: an organization ruleset reached
// through one repository is the same setting as through any other, so its
// overlap key (override.Target.Key) names the organization. The engine
// calls Complete after its first read, before it looks for overlapping
// overrides, and records the completed target.
type Completer interface {
	Complete(t override.Target, s Snapshot) override.Target
}

// RefusalError means the lever will not act on the target; nothing was changed.
type RefusalError struct {
	Reason string // what is wrong
	Hint   string // what to do instead
}

func (e *RefusalError) Error() string {
	if e.Hint == "" {
		return e.Reason
	}
	return e.Reason + "; " + e.Hint
}

// IsRefusal reports whether err is (or wraps) a *RefusalError.
func IsRefusal(err error) bool {
	var r *RefusalError
	return errors.As(err, &r)
}

// UnknownRelax builds the error for a --relax name the lever does not know.
func UnknownRelax(l Lever, name string) error {
	names := make([]string, 0, len(l.Relaxations()))
	for _, o := range l.Relaxations() {
		names = append(names, o.Name)
	}
	return fmt.Errorf("unknown --relax %q for lever %s (valid: %v)", name, l.Kind(), names)
}
