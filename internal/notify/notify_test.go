package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/notify"
	"github.com/glass-cli/glass/internal/notify/notifytest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func event(k notify.Kind) notify.Event {
	return notify.Event{
		Kind:       k,
		OverrideID: "acme/glass-audit#42",
		Repo:       "acme/payments",
		Lever:      "protection",
		Target:     "acme/payments@main",
		Actor:      "alice",
		Reason:     "hotfix for <INC-7> & checkout outage",
		Incident:   "INC-7",
		ExpiresAt:  time.Date(2026, 11, 23, 10, 30, 0, 0, time.UTC),
		URL:        "https://github.com/acme/glass-audit/issues/42",
		At:         time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from golden file (go test -update to accept):\n%s", name, got)
	}
}

func TestPayloadGoldens(t *testing.T) {
	failed := event(notify.KindRestoreFailed)
	failed.ExpiresAt = time.Time{}
	failed.Detail = "branch protection still differs: required_approving_review_count 0 != 2"
	cases := []struct {
		name string
		ev   notify.Event
	}{
		{"granted", event(notify.KindGranted)},
		{"restore-failed", failed},
	}
	for _, c := range cases {
		g, err := notify.Generic(c.ev)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "generic-"+c.name+".json", g)
		s, err := notify.Slack(c.ev)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "slack-"+c.name+".json", s)
		for _, b := range [][]byte{g, s} {
			if !json.Valid(b) {
				t.Errorf("%s: invalid JSON", c.name)
			}
		}
	}
}

func TestSlackEscapesMarkup(t *testing.T) {
	ev := event(notify.KindGranted)
	ev.Reason = "<!channel> see <https://evil|here>"
	b, _ := notify.Slack(ev)
	if strings.Contains(string(b), "<!channel>") || strings.Contains(string(b), "<https://evil") {
		t.Errorf("mrkdwn not escaped: %s", b)
	}
}

// recorder is an injected Sleep: it records waits and returns at once.
type recorder struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *recorder) sleep(_ context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, d)
	return nil
}

func newNotifier(url string, kind string, rec *recorder, opt notify.Options) *notify.Notifier {
	opt.Getenv = func(k string) string {
		if k == "GLASS_WEBHOOK_TEST" {
			return url
		}
		return ""
	}
	opt.Sleep = rec.sleep
	return notify.New([]notify.Target{{Name: "test", Kind: kind, URLEnv: "GLASS_WEBHOOK_TEST"}}, opt)
}

func TestDeliveredFirstTry(t *testing.T) {
	rcv := notifytest.NewReceiver(t)
	rec := &recorder{}
	n := newNotifier(rcv.URL+"/hook", "generic", rec, notify.Options{})
	res := n.Send(context.Background(), event(notify.KindGranted))
	if len(res) != 1 || !res[0].Delivered || res[0].Attempts != 1 || res[0].Status != 200 || res[0].Err != nil {
		t.Fatalf("result = %+v", res)
	}
	d := rcv.Deliveries()
	if len(d) != 1 {
		t.Fatalf("deliveries = %d", len(d))
	}
	if got := d[0].Header.Get("X-Glass-Event"); got != "granted" {
		t.Errorf("X-Glass-Event = %q", got)
	}
	if got := d[0].Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	var body map[string]any
	if err := json.Unmarshal(d[0].Body, &body); err != nil || body["schema"] != notify.SchemaVersion {
		t.Errorf("body = %s (%v)", d[0].Body, err)
	}
}

func TestRetryAfterFailure(t *testing.T) {
	rcv := notifytest.NewReceiver(t)
	rcv.FailFirst(1)
	rec := &recorder{}
	n := newNotifier(rcv.URL, "slack", rec, notify.Options{BaseDelay: 2 * time.Second})
	res := n.Send(context.Background(), event(notify.KindGranted))
	if !res[0].Delivered || res[0].Attempts != 2 || res[0].Err != nil {
		t.Fatalf("result = %+v", res[0])
	}
	if len(rec.waits) != 1 || rec.waits[0] != 2*time.Second {
		t.Errorf("waits = %v, want [2s]", rec.waits)
	}
	d := rcv.Deliveries()
	if len(d) != 2 || d[0].Header.Get("X-Glass-Delivery") != d[1].Header.Get("X-Glass-Delivery") {
		t.Errorf("retries must carry the same delivery ID: %d deliveries", len(d))
	}
}

func TestGiveUpRecordsFailure(t *testing.T) {
	rcv := notifytest.NewReceiver(t)
	rcv.FailFirst(100)
	rec := &recorder{}
	n := newNotifier(rcv.URL+"/services/T000/B000/SECRETPATH?token=SECRETQUERY", "generic", rec,
		notify.Options{MaxAttempts: 3, BaseDelay: time.Second})
	res := n.Send(context.Background(), event(notify.KindRestored))[0]
	if res.Delivered || res.Attempts != 3 || res.Status != 500 || res.Err == nil {
		t.Fatalf("result = %+v", res)
	}
	if want := []time.Duration{time.Second, 2 * time.Second}; !equalDurations(rec.waits, want) {
		t.Errorf("waits = %v, want %v (exponential)", rec.waits, want)
	}
	msg := res.Err.Error()
	if strings.Contains(msg, "SECRET") {
		t.Errorf("error leaks the URL: %s", msg)
	}
	if !strings.Contains(msg, "HTTP 500") || !strings.Contains(msg, "attempt 3") {
		t.Errorf("error = %s", msg)
	}
}

func TestPermanentFailureNotRetried(t *testing.T) {
	rcv := notifytest.NewReceiver(t)
	rcv.FailFirstWith(5, http.StatusNotFound, "")
	rec := &recorder{}
	res := newNotifier(rcv.URL, "generic", rec, notify.Options{}).Send(context.Background(), event(notify.KindGranted))[0]
	if res.Delivered || res.Attempts != 1 || res.Status != 404 {
		t.Fatalf("result = %+v", res)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		rcv := notifytest.NewReceiver(t)
		rcv.FailFirstWith(1, status, "7")
		rec := &recorder{}
		res := newNotifier(rcv.URL, "generic", rec, notify.Options{}).Send(context.Background(), event(notify.KindGranted))[0]
		if !res.Delivered || res.Attempts != 2 {
			t.Fatalf("%d: result = %+v", status, res)
		}
		if len(rec.waits) != 1 || rec.waits[0] != 7*time.Second {
			t.Errorf("%d: waits = %v, want [7s]", status, rec.waits)
		}
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	rcv := notifytest.NewReceiver(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	rcv.FailFirstWith(1, http.StatusTooManyRequests, now.Add(12*time.Second).Format(http.TimeFormat))
	rec := &recorder{}
	res := newNotifier(rcv.URL, "generic", rec, notify.Options{Now: func() time.Time { return now }}).Send(context.Background(), event(notify.KindGranted))[0]
	if !res.Delivered || len(rec.waits) != 1 || rec.waits[0] != 12*time.Second {
		t.Fatalf("result = %+v waits = %v", res, rec.waits)
	}
}

func TestRetryAfterTooLongGivesUp(t *testing.T) {
	rcv := notifytest.NewReceiver(t)
	rcv.FailFirstWith(1, http.StatusTooManyRequests, "3600")
	rec := &recorder{}
	res := newNotifier(rcv.URL, "generic", rec, notify.Options{MaxDelay: 30 * time.Second}).Send(context.Background(), event(notify.KindGranted))[0]
	if res.Delivered || res.Attempts != 1 || len(rec.waits) != 0 || !strings.Contains(res.Err.Error(), "asked to wait 1h0m0s") {
		t.Fatalf("result = %+v waits = %v", res, rec.waits)
	}
}

func TestUnsetOrBadURLNeverEchoed(t *testing.T) {
	rec := &recorder{}
	cases := map[string]string{
		"unset":     "",
		"malformed": "hooks.example.com/SECRET path",
		"scheme":    "ftp://hooks.example.com/SECRET",
		"plainhttp": "http://hooks.example.com/SECRET",
	}
	for name, url := range cases {
		res := newNotifier(url, "generic", rec, notify.Options{}).Send(context.Background(), event(notify.KindGranted))[0]
		if res.Delivered || res.Attempts != 0 || res.Err == nil {
			t.Errorf("%s: result = %+v", name, res)
			continue
		}
		if strings.Contains(res.Err.Error(), "SECRET") {
			t.Errorf("%s: error leaks the URL: %v", name, res.Err)
		}
		if !strings.Contains(res.Err.Error(), "GLASS_WEBHOOK_TEST") {
			t.Errorf("%s: error should name the variable: %v", name, res.Err)
		}
	}
}

func TestNetworkErrorRedacted(t *testing.T) {
	// Nothing listens on port 1; net/http's error quotes the full URL, which
	// must not survive into the Result.
	rec := &recorder{}
	n := newNotifier("http://127.0.0.1:1/services/SECRETPATH", "generic", rec, notify.Options{MaxAttempts: 2})
	res := n.Send(context.Background(), event(notify.KindGranted))[0]
	if res.Delivered || res.Attempts != 2 || res.Err == nil {
		t.Fatalf("result = %+v", res)
	}
	if strings.Contains(res.Err.Error(), "SECRET") {
		t.Errorf("error leaks the URL: %v", res.Err)
	}
	if !strings.Contains(res.Err.Error(), "http://127.0.0.1:1") {
		t.Errorf("error should name scheme and host: %v", res.Err)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"https://hooks.slack.com/services/T0/B0/XXXX": "https://hooks.slack.com",
		"https://user:pass@example.com:8443/p?q=1":    "https://example.com:8443",
		"not a url": "(redacted URL)",
	} {
		if got := notify.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDispatchDoesNotBlock(t *testing.T) {
	// The receiver never answers until released; Dispatch must return at
	// once and Wait must honour its context.
	release := make(chan struct{})
	srv := blockingServer(t, release)
	rec := &recorder{}
	n := newNotifier(srv, "generic", rec, notify.Options{MaxAttempts: 1, AttemptTimeout: 5 * time.Second})
	// The receiver cannot answer before release is closed, so a result
	// already waiting here would mean Dispatch waited for delivery.
	ch := n.Dispatch(context.Background(), event(notify.KindGranted))
	select {
	case r := <-ch:
		t.Fatalf("Dispatch returned a result before the receiver answered: %+v", r)
	default:
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := n.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want deadline exceeded", err)
	}
	close(release)
	r := <-ch
	if !r.Delivered {
		t.Fatalf("result = %+v", r)
	}
	if _, open := <-ch; open {
		t.Error("channel not closed after the last result")
	}
	if err := n.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := blockingServer(t, release)
	rec := &recorder{}
	n := newNotifier(srv, "generic", rec, notify.Options{MaxAttempts: 2, AttemptTimeout: 20 * time.Millisecond})
	res := n.Send(context.Background(), event(notify.KindGranted))[0]
	if res.Delivered || res.Attempts != 2 || !strings.Contains(res.Err.Error(), "timed out") {
		t.Fatalf("result = %+v", res)
	}
}

func TestEventFilter(t *testing.T) {
	rcv := notifytest.NewReceiver(t)
	n := notify.New([]notify.Target{
		{Name: "all", Kind: "generic", URLEnv: "GLASS_WEBHOOK_A"},
		{Name: "failures", Kind: "slack", URLEnv: "GLASS_WEBHOOK_A", Events: []notify.Kind{notify.KindRestoreFailed}},
	}, notify.Options{Getenv: func(string) string { return rcv.URL }, Sleep: (&recorder{}).sleep})
	res := n.Send(context.Background(), event(notify.KindGranted))
	if len(res) != 1 || res[0].Target != "all" {
		t.Fatalf("granted went to %+v", res)
	}
	res = n.Send(context.Background(), event(notify.KindRestoreFailed))
	if len(res) != 2 || res[0].Target != "all" || res[1].Target != "failures" {
		t.Fatalf("restore-failed went to %+v", res)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
