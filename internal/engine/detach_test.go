package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/override"
)

func TestDetachRecordsOnceAndChangesNothing(t *testing.T) {
	e := newEnv(t)
	u := e.user("alice")
	o := mustOpen(t, u, OpenRequest{Lever: override.LeverProtection, Target: override.Target{Repo: "acme/payments", Branch: "main"},
		Relax: []string{"reviews"}, Duration: 30 * time.Minute, Reason: "INC-1 detach", AuditRepo: "acme/audit"})
	_, before := e.raw("repos/acme/payments/branches/main/protection")
	for i := 0; i < 2; i++ {
		if err := u.eng.Detach(context.Background(), o, "detached with d"); err != nil {
			t.Fatal(err)
		}
	}
	_, after := e.raw("repos/acme/payments/branches/main/protection")
	if before != after {
		t.Error("detach changed the protection")
	}
	_, comments := e.raw("repos/acme/audit/issues/1/comments")
	if n := strings.Count(comments, "glass:event kind=detached"); n != 1 {
		t.Errorf("%d detached records, want 1", n)
	}
	if !strings.Contains(comments, "the scheduled glass sweep rolls the override back after it expires at 2026-03-02T09:30:00Z") {
		t.Errorf("comments: %s", comments)
	}
	_, issue := e.raw("repos/acme/audit/issues/1")
	if !strings.Contains(issue, `"state":"open"`) {
		t.Error("detach closed the audit issue")
	}
	if err := u.eng.Detach(context.Background(), nil, "x"); err == nil {
		t.Error("detach of nothing succeeded")
	}
}
