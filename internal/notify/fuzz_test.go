package notify_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/notify"
)

// FuzzPayload: whatever a requester types, both payloads are valid JSON
// that carry the reason, and Slack's mrkdwn never sees a raw "<".
func FuzzPayload(f *testing.F) {
	f.Add("hotfix <!channel> & more", "INC-1", "alice")
	f.Add("", "", "")
	f.Add("\xff\xfe invalid utf-8", "`", "@bob")
	f.Fuzz(func(t *testing.T, reason, incident, actor string) {
		ev := notify.Event{Kind: notify.KindGranted, Reason: reason, Incident: incident, Actor: actor,
			Repo: "acme/x", Target: "acme/x@main", Lever: "protection", At: time.Unix(0, 0)}
		g, err := notify.Generic(ev)
		if err != nil || !json.Valid(g) {
			t.Fatalf("generic: %v %s", err, g)
		}
		s, err := notify.Slack(ev)
		if err != nil || !json.Valid(s) {
			t.Fatalf("slack: %v %s", err, s)
		}
		var msg struct {
			Blocks []struct {
				Fields []struct{ Text string }
			}
		}
		if err := json.Unmarshal(s, &msg); err != nil {
			t.Fatal(err)
		}
		for _, b := range msg.Blocks {
			for _, fl := range b.Fields {
				for _, c := range fl.Text {
					if c == '<' || c == '>' {
						t.Fatalf("unescaped markup in %q", fl.Text)
					}
				}
			}
		}
		_ = notify.Mention(ev, nil)
	})
}
