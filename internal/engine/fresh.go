package engine

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/glass-cli/glass/internal/lever"
)

// maxKeepFresh bounds how long KeepFresh keeps a preview fresh: a prompt
// left open longer than this is read again when confirmed.
const maxKeepFresh = 10 * time.Minute

// reads returns the plan behind pv and when it was last known to be true.
func (pv *Preview) reads() (*planned, time.Time) {
	if pv.mu == nil {
		return pv.plan, pv.at
	}
	pv.mu.Lock()
	defer pv.mu.Unlock()
	return pv.plan, pv.at
}

// Refresh reads again what pv rests on (who the token is, the live
// overrides, the setting and the branch head: one round trip, conditional
// requests that GitHub mostly answers 304, which do not count against the
// rate limit) and reports whether it still holds. When it does, pv is
// fresh again: OpenPreview reuses its reads however long the person took to
// confirm, and opens in three round trips instead of four. When anything
// shown has changed (the setting, what glass would write, the overlapping
// overrides, the actor), pv is left as it was: it goes stale, and
// OpenPreview reads everything again and plans anew. Refresh writes nothing.
func (e *Engine) Refresh(ctx context.Context, pv *Preview) (bool, error) {
	if pv == nil {
		return false, errors.New("no preview to refresh")
	}
	old, _ := pv.reads()
	if old == nil {
		return false, errors.New("the preview has no reads to refresh (it did not come from Plan)")
	}
	quiet := *e
	quiet.progress = nil
	p, err := quiet.round1(ctx, old.req, old.lv, quiet.steps())
	if err != nil {
		return false, err
	}
	if !samePlan(old, p) {
		return false, nil
	}
	p.invalidNotices = old.invalidNotices // pv's notices were shown and go into the record
	pv.mu.Lock()
	pv.plan, pv.at = p, e.clock.Now()
	pv.mu.Unlock()
	return true, nil
}

// samePlan reports whether b would show and do what a showed: the same
// actor, original, live setting, target state and overlapping overrides.
// The branch head and the raw setting may differ (b's are newer).
func samePlan(a, b *planned) bool {
	if a.actor != b.actor || len(a.others) != len(b.others) {
		return false
	}
	for i := range a.others {
		if a.others[i].ID != b.others[i].ID || a.others[i].State != b.others[i].State {
			return false
		}
	}
	for _, pair := range [][2]lever.Fields{{a.orig, b.orig}, {a.snap.Fields, b.snap.Fields}, {a.want, b.want}, {a.expected, b.expected}} {
		if len(lever.Diff(pair[0], pair[1])) > 0 || len(lever.Diff(pair[1], pair[0])) > 0 {
			return false
		}
	}
	return true
}

// KeepFresh refreshes pv (Refresh) every PlanFresh/2 while a person decides
// whether to open it, until stop is called, ctx ends, a refresh fails or
// finds a change, or maxKeepFresh has passed. Call stop before OpenPreview;
// it returns once no refresh is running (one in flight is cancelled: it
// writes nothing, and pv is only updated by a refresh that completed).
func (e *Engine) KeepFresh(ctx context.Context, pv *Preview) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	start := e.clock.Now()
	go func() {
		defer close(done)
		for e.clock.Now().Sub(start) < maxKeepFresh {
			select {
			case <-ctx.Done():
				return
			case <-e.clock.After(PlanFresh / 2):
			}
			if ok, err := e.Refresh(ctx, pv); err != nil || !ok {
				return
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { cancel(); <-done }) }
}
