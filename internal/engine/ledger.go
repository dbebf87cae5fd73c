package engine

import (
	"context"
	"time"

	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
)

// Ledger is the audit issue I/O the engine needs. internal/ledger's *Store
// provides it (see LedgerStore). Each method is one request unless noted.
type Ledger interface {
	// ListLive lists the open break-glass issues of an audit repository
	// (one request, conditional: notModified is true when GitHub said 304).
	ListLive(ctx context.Context, repo string) (list []*override.Override, notModified bool, err error)
	// Load reads one audit issue by ID ("OWNER/REPO#N"), open or closed.
	Load(ctx context.Context, id string) (*override.Override, error)
	// Create writes a new audit issue (o.State applying) in repo and sets o.ID.
	Create(ctx context.Context, repo string, o *override.Override) error
	// Save rewrites the issue body, labels and open/closed state from o.
	Save(ctx context.Context, o *override.Override) error
	// Append adds an event comment. It is idempotent per ev.Key: an event
	// whose key is already on the issue is not written again.
	Append(ctx context.Context, o *override.Override, ev Event) error
}

// Event kinds recorded as comments on the audit issue.
const (
	EventApplied    = "applied"     // change applied and verified
	EventOpenFailed = "open-failed" // the change could not be made or verified; what was undone
	EventExtended   = "extended"
	EventRestored   = "restored"   // rolled back and verified, with drift and conflicts
	EventReconciled = "reconciled" // a half-done open/close finished by sweep
	EventFailed     = "failed"     // rollback could not be verified
	EventActivity   = "activity"   // what landed on the branch during the window
)

// Event is one step recorded on the audit issue.
type Event struct {
	Key      string // idempotency key, unique per override and step
	Kind     string
	At       time.Time
	Actor    string
	Summary  string           // one line for humans
	Plan     *lever.Plan      // restored/reconciled: the three-way result
	Verified []lever.Mismatch // mismatches after the write (empty = verified)
	Notices  []lever.Notice   // applied: side effects
	Activity *Activity        // activity
	Reason   string
}
