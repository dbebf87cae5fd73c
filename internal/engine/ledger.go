package engine

import (
	"context"

	"github.com/glass-cli/glass/internal/ledger"
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
	Append(ctx context.Context, o *override.Override, ev ledger.Event) error
}

// toLedgerActivity converts the engine's activity for the record.
func toLedgerActivity(a *Activity) *ledger.Activity {
	if a == nil {
		return nil
	}
	la := &ledger.Activity{FromSHA: a.FromSHA, ToSHA: a.ToSHA, Since: a.Since, Until: a.Until, Status: a.Status, Truncated: a.Truncated, Errors: a.Errors}
	for _, c := range a.Commits {
		la.Commits = append(la.Commits, ledger.Commit{SHA: c.SHA, Author: c.Author, Message: c.Message})
	}
	for _, p := range a.Pushes {
		la.Pushes = append(la.Pushes, ledger.Push{Kind: p.Kind, Actor: p.Actor, Before: p.Before, After: p.After, At: p.At})
	}
	for _, p := range a.MergedPulls {
		la.MergedPulls = append(la.MergedPulls, ledger.Pull{Number: p.Number, Title: p.Title, Author: p.Author, MergedBy: p.MergedBy, MergedAt: p.MergedAt, SkippedReview: p.SkippedReview})
	}
	return la
}
