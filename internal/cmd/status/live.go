package status

import (
	"context"
	"strings"

	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/tui"
	"github.com/glass-cli/glass/internal/tui/statusview"
)

// live shows the overrides as a live table on a terminal
// (internal/tui/statusview). The first read is made here, so a bad audit
// repository fails exactly as plain `glass status` does.
func live(ctx context.Context, opts *StatusOptions, eng *engine.Engine) error {
	read := func(ctx context.Context) (*engine.StatusResult, error) {
		res, err := eng.Status(ctx, opts.AuditRepos...)
		if err != nil || opts.Target == "" {
			return res, err
		}
		kept := res.Entries[:0:0]
		for _, en := range res.Entries {
			if strings.EqualFold(en.Override.Target.Repo, opts.Target) {
				kept = append(kept, en)
			}
		}
		res.Entries = kept
		return res, nil
	}
	if _, err := read(ctx); err != nil {
		return ListErr(err, opts.AuditRepos)
	}
	return statusview.Run(ctx, statusview.Options{Status: read, Render: PrintTable, AuditRepos: opts.AuditRepos, Clock: opts.Clock,
		Styles: tui.NewStyles(opts.IO.Out, opts.IO.ColorEnabled()), Width: opts.IO.TerminalWidth()}, opts.IO.In, opts.IO.Out)
}
