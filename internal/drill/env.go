package drill

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/notify"
)

// Env is what a drill needs: clients for the people in the scenarios, a
// way to start glass "processes" (engines with their own caches), the
// clock, and optionally the sandbox simulator and a webhook notifier.
type Env struct {
	// GitHub is the drill actor, the first responder who opens the door.
	// It also makes the door test's direct writes.
	GitHub *github.Client
	// Second is a second responder for the overlap scenario (nil: GitHub).
	Second *github.Client
	// Editor is "someone else" who edits the protection mid-window in the
	// drift scenario (nil: GitHub; the engine tells drift by field, not by
	// who made it).
	Editor *github.Client
	// NewEngine starts one glass process for gh: an engine with its own
	// ledger cache. grace is the sweep's reconcile grace; progress may be nil.
	NewEngine func(gh *github.Client, grace time.Duration, progress func(engine.Step)) *engine.Engine
	Now       func() time.Time
	Sleep     func(context.Context, time.Duration) error
	// Sim is the sandbox simulator (nil against real GitHub). The faults
	// scenario injects faults through it.
	Sim *ghsim.Server
	// Notifier delivers the drill's "granted" notification; nil: no
	// webhook is configured and time_to_alert is the audit issue alone.
	Notifier *notify.Notifier
	// Receiver is the sandbox's local webhook receiver: when set, a
	// webhook counts as delivered when it arrives there.
	Receiver *Receiver
}

func (e Env) second() *github.Client {
	if e.Second != nil {
		return e.Second
	}
	return e.GitHub
}

func (e Env) editor() *github.Client {
	if e.Editor != nil {
		return e.Editor
	}
	return e.GitHub
}

// transient reports whether a failed request of the drill's own (door
// test, drift edit, reads) is worth repeating: a 5xx, a rate limit, or a
// connection that went away. A refusal (403, 409, 422) is an answer.
func transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ab *github.AbuseRateLimitError
	if errors.As(err, &ab) {
		return true
	}
	if c := ghapi.StatusCode(err); c != 0 {
		return c >= 500 || c == 429
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// try runs one of the drill's own requests, again after a transient
// failure (the transport already retries idempotent requests; this covers
// go-github's local secondary-rate-limit block and POSTs). It waits in real
// time: the network is real even when the drill's clock is not.
func try(ctx context.Context, fn func() error) error {
	var err error
	for attempt := 1; attempt <= 5; attempt++ {
		if err = fn(); err == nil || !transient(err) {
			return err
		}
		wait := time.Duration(attempt) * 200 * time.Millisecond
		var ab *github.AbuseRateLimitError
		if errors.As(err, &ab) && ab.RetryAfter != nil {
			wait = *ab.RetryAfter + 50*time.Millisecond
		}
		if wait > time.Minute {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
	return err
}

// describe renders a GitHub error without its URL (which names the host
// and port): "HTTP 409: Protected branch update failed ...".
func describe(err error) string {
	if err == nil {
		return "ok"
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		msg := er.Message
		if i := strings.Index(msg, ". "); i > 0 {
			msg = msg[:i+1] // the first sentence; the rest is a docs link
		}
		return clip(fmt.Sprintf("HTTP %d: %s", er.Response.StatusCode, msg))
	}
	return clip(err.Error())
}

// hostRE matches the scheme and host of a URL in an error: the sandbox's
// port changes from run to run, and the path says enough.
var hostRE = regexp.MustCompile(`https?://[^/\s]+`)

func clip(s string) string {
	s = hostRE.ReplaceAllString(strings.Join(strings.Fields(s), " "), "")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return s
}
