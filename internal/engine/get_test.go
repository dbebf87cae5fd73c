package engine

import (
	"errors"
	"testing"
	"time"
)

// Get reads the record as it is now; an unchanged issue is a 304.
func TestGet(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	o := mustOpen(t, alice, protReq("reviews"))
	reader := e.user("bob")
	for i, wantStatus := range []int{200, 304} {
		reader.rec.reset()
		got, err := reader.eng.Get(bg, o.ID)
		if err != nil || got.ID != o.ID || !got.Expires.Equal(o.Expires) {
			t.Fatalf("read %d: %+v %v", i, got, err)
		}
		if n, _, log := reader.rec.stats(); n != 1 || reader.rec.spans[0].status != wantStatus {
			t.Fatalf("read %d: %d requests %v, want one %d", i, n, log, wantStatus)
		}
	}
	if _, err := reader.eng.Get(bg, "acme/audit#99"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing issue: %v", err)
	}
}

// CloseDue closes only what its own read says is due: an extension made
// since the caller's read is kept, with nothing changed.
func TestCloseDue(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice")
	before := e.protection()
	o := mustOpen(t, alice, protReq("reviews"))
	e.clk.Advance(20 * time.Minute)
	if _, err := e.user("alice").eng.Extend(bg, o.ID, 30*time.Minute, "still deploying"); err != nil {
		t.Fatal(err)
	}
	relaxed := e.protection()
	e.clk.Advance(10 * time.Minute) // past the first expiry, not the second
	waiter := e.user("alice")
	_, err := waiter.eng.CloseDue(bg, o.ID, "expired")
	var nd *NotDueError
	if !errors.As(err, &nd) || !nd.Override.Expires.Equal(o.Expires.Add(30*time.Minute)) {
		t.Fatalf("CloseDue before the new expiry: %v", err)
	}
	if e.protection() != relaxed {
		t.Fatal("CloseDue changed the setting although not due")
	}
	e.clk.Advance(30 * time.Minute)
	if _, err := waiter.eng.CloseDue(bg, o.ID, "expired"); err != nil {
		t.Fatalf("CloseDue when due: %v", err)
	}
	if e.protection() != before {
		t.Error("protection not restored")
	}
	if res, err := waiter.eng.CloseDue(bg, o.ID, "expired"); !errors.Is(err, ErrAlreadyClosed) || res == nil || res.Override.Closed.IsZero() {
		t.Errorf("CloseDue after the close: %+v %v", res, err)
	}
}
