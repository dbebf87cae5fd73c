package notify_test

import (
	"errors"
	"testing"

	"github.com/glass-cli/glass/internal/notify"
)

func TestMentionGolden(t *testing.T) {
	ev := event(notify.KindGranted)
	ev.Reason = "hotfix, ping @everyone\nnow"
	golden(t, "mention-granted.md", []byte(notify.Mention(ev, []string{"@acme/security", "@carol"})))
}

func TestResultDescribe(t *testing.T) {
	cases := []struct {
		r    notify.Result
		want string
	}{
		{notify.Result{Target: "a", Attempts: 1, Status: 200, Delivered: true}, "webhook a: delivered (HTTP 200)"},
		{notify.Result{Target: "a", Attempts: 2, Status: 204, Delivered: true}, "webhook a: delivered on attempt 2 (HTTP 204)"},
		{notify.Result{Target: "a", Err: errors.New("$GLASS_WEBHOOK_A is not set")}, "webhook a: NOT delivered (nothing sent): $GLASS_WEBHOOK_A is not set"},
		{notify.Result{Target: "a", Attempts: 4, Status: 500, Err: errors.New("https://hooks.example.com: attempt 4: HTTP 500")}, "webhook a: NOT delivered after 4 attempts: https://hooks.example.com: attempt 4: HTTP 500"},
	}
	for _, c := range cases {
		if got := c.r.Describe(); got != c.want {
			t.Errorf("Describe() = %q, want %q", got, c.want)
		}
	}
}
