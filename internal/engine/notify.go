package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/notify"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/policy"
)

// announce delivers a notification about o to the policy's webhooks in the
// background and records the outcome in the audit issue (one comment per
// event: delivered, or not and why). It never blocks the caller and never
// fails it: a webhook that cannot be reached is recorded and warned about
// (WaitNotifications), never a reason to hold back access. The mentions
// are in the audit issue's body (BodyExtras.Mentions).
func (e *Engine) announce(ctx context.Context, pol *policy.Policy, o *override.Override, kind notify.Kind, actor, detail string) {
	e.announceWith(ctx, pol, o, kind, actor, detail, nil)
}

// announceWith is announce that also @mentions people in the comment that
// records the outcome (rollbacks: the mentions in the body were notified
// when the issue was made, so a rollback's alert mentions them again). With
// mentions and no webhooks, the comment is the whole alert.
func (e *Engine) announceWith(ctx context.Context, pol *policy.Policy, o *override.Override, kind notify.Kind, actor, detail string, mentions []string) {
	if e.policy == nil || pol == nil || o == nil || o.ID == "" {
		return
	}
	if len(pol.Notify.Webhooks) == 0 {
		if len(mentions) == 0 {
			return
		}
		cp := *o
		bctx := context.WithoutCancel(ctx)
		e.ps.bg.Add(1)
		go func() {
			defer e.ps.bg.Done()
			_ = e.appendEvent(bctx, &cp, ledger.Event{Kind: ledger.KindNotified, Key: "notify-" + string(kind), At: e.clock.Now(), Actor: actor,
				Summary: fmt.Sprintf("%s: %s", kind, detail), Mentions: mentions})
		}()
		return
	}
	var targets []notify.Target
	for _, w := range pol.Notify.Webhooks {
		t := notify.Target{Name: w.Name, Kind: w.Kind, URLEnv: w.URLEnv}
		for _, ev := range w.Events {
			t.Events = append(t.Events, notify.Kind(ev))
		}
		targets = append(targets, t)
	}
	opt := e.policy.Notify
	opt.Getenv = e.policy.Getenv
	n := notify.New(targets, opt)
	ev := notify.Event{Kind: kind, OverrideID: o.ID, Repo: o.Target.Repo, Lever: string(o.Lever), Target: o.Target.String(),
		Actor: actor, Reason: o.Reason, Incident: o.Incident, ExpiresAt: o.Expires, At: e.clock.Now(), Detail: detail, Drill: o.Drill,
		// The audit issue's html_url, as GitHub returned it when glass
		// created or listed the issue (issues/create, issues/list-for-repo).
		URL: e.ledger.IssueURL(o.ID)}
	// The deliveries outlive the command's context (they are bounded by
	// the notifier's budget and by WaitNotifications).
	bctx := context.WithoutCancel(ctx)
	results := n.Dispatch(bctx, ev)
	cp := *o
	e.ps.bg.Add(1)
	go func() {
		defer e.ps.bg.Done()
		var lines []string
		failed := 0
		for r := range results {
			lines = append(lines, r.Describe())
			if !r.Delivered {
				failed++
			}
		}
		if len(lines) == 0 && len(mentions) == 0 {
			return
		}
		k := ledger.KindNotified
		summary := fmt.Sprintf("%s: %d webhook(s) notified", kind, len(lines))
		if len(lines) == 0 {
			summary = fmt.Sprintf("%s: %s", kind, detail) // no webhook takes this event: the mentions are the alert
		}
		if failed > 0 {
			k = ledger.KindNotifyFailed
			summary = fmt.Sprintf("%s: %d of %d webhook(s) could not be notified", kind, failed, len(lines))
			e.ps.warnMu.Lock()
			e.ps.warnings = append(e.ps.warnings, fmt.Sprintf("%s: %s (recorded in %s)", o.ID, strings.Join(lines, "; "), o.ID))
			e.ps.warnMu.Unlock()
		}
		_ = e.appendEvent(bctx, &cp, ledger.Event{Kind: k, Key: "notify-" + string(kind), At: e.clock.Now(), Actor: actor,
			Summary: summary, Text: strings.Join(lines, "\n"), Mentions: mentions})
	}()
}

// WaitNotifications waits (bounded by ctx) for the notifications this
// engine dispatched to be delivered and recorded, and returns one warning
// per event some webhook did not receive. A command calls it after it has
// reported its result, so a slow or dead webhook never delays access.
func (e *Engine) WaitNotifications(ctx context.Context) []string {
	done := make(chan struct{})
	go func() { e.ps.bg.Wait(); close(done) }()
	var late string
	select {
	case <-done:
	case <-ctx.Done():
		late = "some webhook deliveries were still running when glass stopped waiting; their outcome is not recorded"
	}
	e.ps.warnMu.Lock()
	defer e.ps.warnMu.Unlock()
	out := append([]string(nil), e.ps.warnings...)
	if late != "" {
		out = append(out, late)
	}
	return out
}

// announceExtension tells the policy's webhooks about an extension (the
// policy was read by checkExtension; this reuses it).
func (e *Engine) announceExtension(ctx context.Context, o *override.Override, ext override.Extension) {
	if e.policy == nil {
		return
	}
	pol, err := e.policyFor(ctx, o.Target.Repo)
	if err != nil || pol == nil {
		return
	}
	e.announce(ctx, pol, o, notify.KindExtended, ext.Actor, fmt.Sprintf("extended by %s: %s", time.Duration(ext.By), ext.Reason))
}

// announceRollback tells the policy's webhooks how a rollback (close,
// sweep) ended: "restored" when it was verified, "restore-failed" when it
// was not (or the write failed). It reads the policy (cached per engine)
// in the background, after the rollback is recorded, so that neither the
// policy read nor the deliveries delay or change the rollback; the outcome
// is recorded on the audit issue like every notification.
func (e *Engine) announceRollback(ctx context.Context, o *override.Override, kind notify.Kind, actor, detail string) {
	if e.policy == nil || o == nil || o.ID == "" {
		return
	}
	cp := *o
	bctx := context.WithoutCancel(ctx)
	e.ps.bg.Add(1)
	go func() {
		defer e.ps.bg.Done()
		pol, err := e.policyFor(bctx, cp.Target.Repo)
		if err != nil {
			e.ps.warnMu.Lock()
			e.ps.warnings = append(e.ps.warnings, fmt.Sprintf("%s: the %s notification was not sent: reading the policy for %s failed: %v", cp.ID, kind, cp.Target.Repo, err))
			e.ps.warnMu.Unlock()
			return
		}
		if kind == notify.KindRestoreFailed {
			// The payload's summary reads "could not restore T after
			// ACTOR's override": the actor is the override's owner, and
			// who tried the rollback goes into the detail.
			if actor != "" && !strings.EqualFold(actor, cp.Actor) {
				detail = fmt.Sprintf("rollback by %s: %s", actor, detail)
			}
			actor = cp.Actor
		}
		// The policy's mentions hear about every rollback; the owner too
		// when it failed (their door may still be open).
		mentions := append([]string(nil), pol.Notify.Mention...)
		if kind == notify.KindRestoreFailed {
			mentions = append(mentions, "@"+cp.Actor)
		}
		e.announceWith(bctx, pol, &cp, kind, actor, detail, mentions)
	}()
}
