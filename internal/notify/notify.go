package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/glass-cli/glass/internal/clock"
)

// Target is one webhook. Its URL is read from the environment variable
// URLEnv at delivery time; the policy file only names the variable.
type Target struct {
	Name   string
	Kind   string // "generic" or "slack"
	URLEnv string
	Events []Kind // empty: every event
}

// Wants reports whether t subscribes to events of kind k.
func (t Target) Wants(k Kind) bool {
	if len(t.Events) == 0 {
		return true
	}
	for _, e := range t.Events {
		if e == k {
			return true
		}
	}
	return false
}

// Result is the outcome of delivering one event to one target. Err never
// contains the webhook URL beyond its scheme and host, nor the target's
// name (that is Target).
type Result struct {
	Target    string
	Attempts  int
	Status    int // last HTTP status, 0 if none was received
	Delivered bool
	Err       error
}

// Options configure a Notifier. Zero values take the defaults noted.
type Options struct {
	Getenv         func(string) string // required: resolves URLEnv
	Client         *http.Client        // default: a client with no redirects followed
	MaxAttempts    int                 // default 4
	BaseDelay      time.Duration       // first backoff; default 1s, doubling
	MaxDelay       time.Duration       // cap on one backoff or Retry-After; default 30s
	AttemptTimeout time.Duration       // per HTTP attempt; default 10s
	Budget         time.Duration       // whole delivery to one target, retries included; default 2m
	// Sleep waits d or until ctx is done; tests inject one that records and returns.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is used to read HTTP-date Retry-After values; default time.Now.
	Now       func() time.Time
	UserAgent string // default "glass"
	// AllowHTTP permits plain-http URLs to non-loopback hosts. Off by
	// default: payloads carry reasons and incident references.
	AllowHTTP bool
}

// Notifier delivers events to webhook targets.
type Notifier struct {
	targets []Target
	opt     Options
	wg      sync.WaitGroup
}

// New returns a Notifier for targets.
func New(targets []Target, opt Options) *Notifier {
	if opt.Getenv == nil {
		opt.Getenv = func(string) string { return "" }
	}
	if opt.Client == nil {
		opt.Client = &http.Client{
			// A redirect could carry the payload somewhere the URL's owner did
			// not intend; webhook endpoints do not redirect.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 4
	}
	if opt.BaseDelay <= 0 {
		opt.BaseDelay = time.Second
	}
	if opt.MaxDelay <= 0 {
		opt.MaxDelay = 30 * time.Second
	}
	if opt.AttemptTimeout <= 0 {
		opt.AttemptTimeout = 10 * time.Second
	}
	if opt.Budget <= 0 {
		opt.Budget = 2 * time.Minute
	}
	if opt.Sleep == nil {
		opt.Sleep = clock.Sleep
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.UserAgent == "" {
		opt.UserAgent = "glass"
	}
	return &Notifier{targets: targets, opt: opt}
}

// Dispatch starts delivering ev to every target that wants it and returns
// at once. The channel receives one Result per such target and is closed
// when all are done; it is buffered, so nobody has to read it. Each delivery
// is bounded by Options.Budget. Cancelling ctx abandons deliveries; to let
// them outlive a command's context, pass context.WithoutCancel(ctx) and
// bound the wait with Wait before exiting.
func (n *Notifier) Dispatch(ctx context.Context, ev Event) <-chan Result {
	var wanted []Target
	for _, t := range n.targets {
		if t.Wants(ev.Kind) {
			wanted = append(wanted, t)
		}
	}
	out := make(chan Result, len(wanted))
	var inner sync.WaitGroup
	for _, t := range wanted {
		inner.Add(1)
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			defer inner.Done()
			out <- n.deliver(ctx, t, ev)
		}()
	}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		inner.Wait()
		close(out)
	}()
	return out
}

// Send delivers ev to every target that wants it and returns the results in
// target order. It blocks for at most Options.Budget (plus scheduling).
func (n *Notifier) Send(ctx context.Context, ev Event) []Result {
	got := map[string]Result{}
	for r := range n.Dispatch(ctx, ev) {
		got[r.Target] = r
	}
	var out []Result
	for _, t := range n.targets {
		if r, ok := got[t.Name]; ok {
			out = append(out, r)
		}
	}
	return out
}

// Wait blocks until every dispatched delivery has finished or ctx is done,
// so a command can give outstanding webhooks a bounded grace period before
// it exits. It reports ctx's error if deliveries were still running.
func (n *Notifier) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		n.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// deliver sends ev to t, retrying transient failures with exponential
// backoff, and honouring Retry-After on 429 and 503.
func (n *Notifier) deliver(ctx context.Context, t Target, ev Event) Result {
	res := Result{Target: t.Name}
	raw := strings.TrimSpace(n.opt.Getenv(t.URLEnv))
	if raw == "" {
		res.Err = fmt.Errorf("$%s is not set", t.URLEnv)
		return res
	}
	u, err := n.checkURL(raw)
	if err != nil {
		res.Err = fmt.Errorf("$%s: %w", t.URLEnv, err)
		return res
	}
	var body []byte
	switch t.Kind {
	case "slack":
		body, err = Slack(ev)
	case "generic", "":
		body, err = Generic(ev)
	default:
		err = fmt.Errorf("unknown kind %q", t.Kind)
	}
	if err != nil {
		res.Err = fmt.Errorf("payload: %w", err)
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, n.opt.Budget)
	defer cancel()
	id := deliveryID(ev)
	for {
		res.Attempts++
		status, retryAfter, err := n.attempt(ctx, u, t, ev, id, body)
		res.Status = status
		if err == nil {
			res.Delivered, res.Err = true, nil
			return res
		}
		res.Err = fmt.Errorf("%s: attempt %d: %w", Redact(u.String()), res.Attempts, err)
		if !retryable(status, err) || res.Attempts >= n.opt.MaxAttempts {
			return res
		}
		wait := n.backoff(res.Attempts)
		if retryAfter > 0 {
			wait = retryAfter
		}
		if wait > n.opt.MaxDelay {
			res.Err = fmt.Errorf("%w; the receiver asked to wait %s, more than the %s glass waits", res.Err, wait, n.opt.MaxDelay)
			return res
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			res.Err = fmt.Errorf("%w; no time left in the %s delivery budget", res.Err, n.opt.Budget)
			return res
		}
		if err := n.opt.Sleep(ctx, wait); err != nil {
			res.Err = fmt.Errorf("%w; gave up: %v", res.Err, err)
			return res
		}
	}
}

// attempt makes one POST. It returns the status, the Retry-After delay if
// the receiver sent one with 429 or 503, and an error unless it was 2xx.
func (n *Notifier) attempt(ctx context.Context, u *url.URL, t Target, ev Event, id string, body []byte) (int, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, n.opt.AttemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return 0, 0, errors.New("cannot build request")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", n.opt.UserAgent)
	req.Header.Set("X-Glass-Event", string(ev.Kind))
	// Receivers may see a delivery more than once (a retry after a lost
	// response); the ID lets them drop duplicates.
	req.Header.Set("X-Glass-Delivery", id)
	resp, err := n.opt.Client.Do(req)
	if err != nil {
		return 0, 0, scrub(err, u)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, 0, nil
	}
	var after time.Duration
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		after = parseRetryAfter(resp.Header.Get("Retry-After"), n.opt.Now())
	}
	return resp.StatusCode, after, fmt.Errorf("HTTP %d", resp.StatusCode)
}

func (n *Notifier) backoff(attempt int) time.Duration {
	d := n.opt.BaseDelay
	for i := 1; i < attempt && d < n.opt.MaxDelay; i++ {
		d *= 2
	}
	return min(d, n.opt.MaxDelay)
}

// retryable: network errors, timeouts, 408, 429 and 5xx may succeed later;
// other 4xx mean the request itself is wrong.
func retryable(status int, err error) bool {
	if status == 0 {
		return err != nil
	}
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// parseRetryAfter reads delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(min(s, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

func (n *Notifier) checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		// Never echo the value: a malformed URL is still a secret.
		return nil, errors.New("is not a valid URL")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !n.opt.AllowHTTP && !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("refusing plain http to %s; use https", Redact(raw))
		}
	default:
		return nil, errors.New("must be an http or https URL")
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Redact reduces a URL to scheme and host. Webhook URLs carry their secret
// in the path or query (Slack's /services/T…/B…/X…), so nothing else is shown.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(redacted URL)"
	}
	return u.Scheme + "://" + u.Host
}

// scrub rewrites a net/http error so it names only the redacted URL.
func scrub(err error, u *url.URL) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errors.New("timed out")
	}
	msg := err.Error()
	full := u.String()
	msg = strings.ReplaceAll(msg, full, Redact(full))
	if u.RawQuery != "" {
		msg = strings.ReplaceAll(msg, u.RawQuery, "…")
	}
	if u.Path != "" && u.Path != "/" {
		msg = strings.ReplaceAll(msg, u.Path, "/…")
	}
	return errors.New(msg)
}

// deliveryID is stable across retries of the same event.
func deliveryID(ev Event) string {
	h := sha256.Sum256([]byte(strings.Join([]string{string(ev.Kind), ev.OverrideID, ev.At.UTC().Format(time.RFC3339Nano)}, "\x00")))
	return hex.EncodeToString(h[:12])
}
