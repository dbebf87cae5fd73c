package engine

import (
	"context"
	"errors"

	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/override"
)

// listLive is Store.ListLive where records that cannot be read (edited
// by hand, written by a newer glass) do not stop the others: they come back
// in invalid, for the caller to report.
func (e *Engine) listLive(ctx context.Context, repo string) (list []*override.Override, notModified bool, invalid *ledger.InvalidRecordsError, err error) {
	list, notModified, err = e.ledger.ListLive(ctx, repo)
	if errors.As(err, &invalid) {
		err = nil
	}
	return list, notModified, invalid, err
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
