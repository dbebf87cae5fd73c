package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/override"
)

const reviewPolicy = `version: 1
review:
  block_unreviewed_self_approved: true
rules:
  - name: hotfix
    who:
      teams: [oncall]
    branches: [main]
    levers:
      protection: [reviews, checks]
`

// TestReview walks one self-approved override through the review rules:
// not while active, not by its requester, the block on a new self-approved
// open until it is reviewed, then signed off once, by someone else.
func TestReview(t *testing.T) {
	e := newEnv(t)
	alice := e.user("alice", withPolicy(t, reviewPolicy, nil))
	bob := e.user("bob", withPolicy(t, reviewPolicy, nil))
	o, err := alice.eng.Open(bg, protReq("reviews"))
	if err != nil {
		t.Fatal(err)
	}
	step := func(name string, u *user, wantErr string) {
		t.Helper()
		_, err := u.eng.Review(bg, o.ID, "looked at every commit")
		switch {
		case wantErr == "" && err != nil:
			t.Fatalf("%s: %v", name, err)
		case wantErr != "" && (err == nil || ExitCode(err) != 3 || !strings.Contains(err.Error(), wantErr)):
			t.Fatalf("%s: got %v, want a refusal with %q", name, err, wantErr)
		}
	}
	step("while active", bob, "is still active")
	e.clk.Advance(5 * time.Minute)
	if _, err := alice.eng.Close(bg, o.ID, "done"); err != nil {
		t.Fatal(err)
	}
	if id, err := alice.eng.lastUnreviewedSelfApproved(bg, "acme/audit", "alice"); err != nil || id != o.ID {
		t.Fatalf("last unreviewed: %q %v", id, err)
	}
	if id, _ := bob.eng.lastUnreviewedSelfApproved(bg, "acme/audit", "bob"); id != "" {
		t.Fatalf("bob has none, got %q", id)
	}
	if _, err := alice.eng.Open(bg, protReq("checks")); err == nil || !strings.Contains(err.Error(), o.ID+" has not been reviewed yet") {
		t.Fatalf("second self-approved open: %v", err)
	}
	step("by the requester", alice, "alice opened "+o.ID+" and may not review it")
	step("by bob", bob, "")
	step("twice", bob, "already reviewed by bob")
	got, err := bob.ledg.LoadOverride(bg, o.ID)
	if err != nil || got.Review == nil || got.Review.By != "bob" || got.Review.Note != "looked at every commit" || got.State != override.StateClosed {
		t.Fatalf("record: %+v %v", got, err)
	}
	if _, err := alice.eng.Open(bg, protReq("checks")); err != nil {
		t.Fatalf("open after the review: %v", err)
	}
}
