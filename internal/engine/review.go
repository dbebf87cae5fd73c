package engine

import (
	"context"
	"strings"

	"github.com/glass-cli/glass/internal/override"
)

// recentWindow is how many of a person's latest audit issues the
// unreviewed-override check reads (one request).
const recentWindow = 30

// lastUnreviewedSelfApproved returns the ID of login's most recent
// self-approved override in auditRepo when nobody has reviewed it yet, or
// "" (policy review.block_unreviewed_self_approved). One request: the
// issues login opened, newest first. Drills and requests that never opened
// do not count; only the latest self-approved override matters.
func (e *Engine) lastUnreviewedSelfApproved(ctx context.Context, auditRepo, login string) (string, error) {
	var list []*override.Override
	err := e.again(ctx, func() (err error) { list, err = e.ledger.ListRecentBy(ctx, auditRepo, login, recentWindow); return err })
	if err != nil {
		return "", err
	}
	sortNewest(list)
	for _, o := range list {
		if !selfApproved(o) || !strings.EqualFold(o.Actor, login) {
			continue
		}
		if o.Review == nil {
			return o.ID, nil
		}
		return "", nil
	}
	return "", nil
}

// selfApproved reports whether o opened without a second person (and is
// not a drill): the overrides a post-incident review signs off.
func selfApproved(o *override.Override) bool {
	if o.Drill || o.Approval == nil || o.Approval.Mode != ApprovalSelf {
		return false
	}
	return o.State != override.StateRequested && o.State != override.StateDenied && !o.Opened.IsZero()
}

// sortNewest orders overrides newest request first (ties: higher number).
func sortNewest(list []*override.Override) {
	sortOverrides(list)
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
}
