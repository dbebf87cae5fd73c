package ghapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy bounds how hard glass retries a transient failure.
type RetryPolicy struct {
	MaxAttempts int           // including the first; default 4
	BaseDelay   time.Duration // first backoff; default 250ms, doubled each time
	MaxWait     time.Duration // longest single wait, incl. Retry-After; default 60s
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 4
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 250 * time.Millisecond
	}
	if p.MaxWait <= 0 {
		p.MaxWait = 60 * time.Second
	}
	return p
}

// retryTransport retries transient failures: 5xx, 429, secondary rate limits
// and dropped connections. Only idempotent methods are retried here. A POST
// (an audit issue, a comment) may have reached GitHub even when its answer
// was lost, so blind repetition could create a second record: the engine
// retries those itself after checking what exists.
type retryTransport struct {
	next   http.RoundTripper
	policy RetryPolicy
	sleep  func(time.Duration)
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions:
		return true
	}
	return false
}

func (t *retryTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !idempotent(r.Method) {
		return t.next.RoundTrip(r)
	}
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
	}
	for attempt := 1; ; attempt++ {
		req := r
		if body != nil {
			req = r.Clone(r.Context())
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
		resp, err := t.next.RoundTrip(req)
		wait, retry := t.shouldRetry(resp, err, attempt)
		if !retry {
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if err := t.wait(r, wait); err != nil {
			return nil, err
		}
	}
}

func (t *retryTransport) wait(r *http.Request, d time.Duration) error {
	if t.sleep != nil {
		t.sleep(d)
		return r.Context().Err()
	}
	select {
	case <-time.After(d):
		return nil
	case <-r.Context().Done():
		return r.Context().Err()
	}
}

// shouldRetry follows GitHub's advice for rate limits ("Rate limits for the
// REST API", docs.github.com): wait Retry-After when present; otherwise, if
// x-ratelimit-remaining is 0 it is a primary limit (not retried here: the
// reset can be an hour away, and the error says when); otherwise back off
// exponentially.
func (t *retryTransport) shouldRetry(resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if attempt >= t.policy.MaxAttempts {
		return 0, false
	}
	backoff := t.policy.BaseDelay << (attempt - 1)
	backoff += time.Duration(rand.Int64N(int64(backoff)/4 + 1)) // jitter
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return 0, false
		}
		return backoff, true
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented:
	case resp.StatusCode == http.StatusForbidden && isSecondaryLimit(resp):
	default:
		return 0, false
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		secs, perr := strconv.Atoi(strings.TrimSpace(ra))
		if perr == nil {
			d := time.Duration(secs) * time.Second
			if d > t.policy.MaxWait {
				return 0, false // too long to block an engineer; the error says to retry later
			}
			return d, true
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		return 0, false
	}
	return backoff, true
}

// isSecondaryLimit recognises GitHub's secondary rate limit answer: 403 with
// Retry-After, or a message/documentation_url naming it (go-github v60
// checks the documentation_url suffix "secondary-rate-limits").
func isSecondaryLimit(resp *http.Response) bool {
	if resp.Header.Get("Retry-After") != "" {
		return true
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return false
	}
	s := strings.ToLower(string(body))
	return strings.Contains(s, "secondary rate limit") || strings.Contains(s, "secondary-rate-limits") || strings.Contains(s, "abuse")
}
