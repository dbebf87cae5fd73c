package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/override"
)

// Get reads one override as its audit issue says now: one GET of the issue
// (issues/get). Through ghapi's client it is a conditional request, so
// re-reading an unchanged issue is answered 304 and costs no rate limit;
// `glass open --wait` uses it to see extensions and closes made elsewhere.
//
// Errors: ErrNotFound (errors.Is) when the issue does not exist or is not
// an override; otherwise the read failed and nothing is known.
func (e *Engine) Get(ctx context.Context, id string) (*override.Override, error) {
	var o *override.Override
	err := e.again(ctx, func() (err error) { o, err = e.ledger.LoadOverride(ctx, id); return err })
	if err != nil {
		if errors.Is(err, ledger.ErrNotFound) {
			return nil, fmt.Errorf("%w: %v", ErrNotFound, err)
		}
		return nil, err
	}
	return o, nil
}
