package engine

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/notify"
	"github.com/glass-cli/glass/internal/notify/notifytest"
	"github.com/glass-cli/glass/internal/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const webhookPolicy = `version: 1
notify:
  webhooks:
    - name: feed
      kind: generic
      url_env: GLASS_WEBHOOK_FEED
    - name: chat
      kind: slack
      url_env: GLASS_WEBHOOK_CHAT
rules:
  - name: hotfix
    who:
      users: [alice]
    branches: [main]
    levers:
      protection: [reviews, checks]
`

// withPolicy turns on policy enforcement with a fixed policy file and the
// given environment for webhook URLs.
func withPolicy(t testing.TB, file string, env map[string]string) func(*Config) {
	pol, err := policy.Parse("glass.yml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	return func(c *Config) {
		c.Policy = &PolicyConfig{
			Load:   func(context.Context, string) (*policy.Policy, error) { return pol, nil },
			Getenv: func(k string) string { return env[k] },
			Notify: notify.Options{BaseDelay: time.Millisecond, Sleep: func(context.Context, time.Duration) error { return nil }},
		}
	}
}

// TestWebhookPayloads pins the payloads of an override's life (granted,
// restored) as the receivers get them, generic and Slack: every one carries
// the audit issue's web address (html_url from issues/create), which
// ledger.Create returns and the engine passes on.
func TestWebhookPayloads(t *testing.T) {
	e := newEnv(t)
	feed, chat := notifytest.NewReceiver(t), notifytest.NewReceiver(t)
	u := e.user("alice", withPolicy(t, webhookPolicy, map[string]string{"GLASS_WEBHOOK_FEED": feed.URL + "/feed", "GLASS_WEBHOOK_CHAT": chat.URL + "/chat"}))
	o, err := u.eng.Open(bg, protReq("reviews"))
	if err != nil {
		t.Fatal(err)
	}
	if w := u.eng.WaitNotifications(bg); len(w) > 0 {
		t.Fatalf("warnings: %v", w)
	}
	e.clk.Advance(5 * time.Minute)
	if _, err := u.eng.Close(bg, o.ID, "fixed"); err != nil {
		t.Fatal(err)
	}
	if w := u.eng.WaitNotifications(bg); len(w) > 0 {
		t.Fatalf("warnings: %v", w)
	}
	web := strings.TrimSuffix(e.sim.URL, "/api/v3/")
	web = strings.TrimSuffix(web, "/")
	for _, tc := range []struct {
		name string
		r    *notifytest.Receiver
	}{{"generic", feed}, {"slack", chat}} {
		got := tc.r.Delivered()
		if len(got) != 2 {
			t.Fatalf("%s: %d deliveries, want 2 (granted, restored)", tc.name, len(got))
		}
		for i, kind := range []notify.Kind{notify.KindGranted, notify.KindRestored} {
			body := bytes.ReplaceAll(got[i], []byte(web), []byte("https://github.example"))
			if !bytes.Contains(body, []byte("https://github.example/acme/audit/issues/1")) {
				t.Errorf("%s %s: no audit issue URL in\n%s", tc.name, kind, got[i])
			}
			golden(t, filepath.Join("testdata", "webhook-"+tc.name+"-"+string(kind)+".json"), body)
		}
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestRollbackMentions: with mentions and no webhooks, a rollback's alert
// is a comment that @mentions the policy's notify.mention.
func TestRollbackMentions(t *testing.T) {
	e := newEnv(t)
	pol := "version: 1\nnotify:\n  mention: [\"@acme/security\"]\nrules:\n  - name: hotfix\n    who: {users: [alice]}\n    branches: [main]\n    levers: {protection: [reviews]}\n"
	u := e.user("alice", withPolicy(t, pol, nil))
	o, err := u.eng.Open(bg, protReq("reviews"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.eng.Close(bg, o.ID, "fixed"); err != nil {
		t.Fatal(err)
	}
	if w := u.eng.WaitNotifications(bg); len(w) > 0 {
		t.Fatalf("warnings: %v", w)
	}
	found := 0
	for _, c := range e.comments("acme/audit", 1) {
		if strings.Contains(c, "cc @acme/security") && strings.Contains(c, "restored: rolled back and verified") {
			found++
		}
	}
	if found != 1 {
		t.Errorf("%d rollback alerts mentioning @acme/security, want 1", found)
	}
}
