package auth

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/contract"
)

// startSim starts the simulator for a test, with every REST exchange
// validated against GitHub's description (internal/ghsim/contract; the
// device-flow endpoints on the web host are not REST API and are skipped).
func startSim(t *testing.T, opts ...ghsim.Option) (*ghsim.Server, ghapi.Endpoint) {
	t.Helper()
	s := ghsim.New(opts...)
	ts := httptest.NewServer(contract.ForTest(t)(s))
	t.Cleanup(ts.Close)
	ep, err := ghapi.Resolve(ts.URL+"/", "")
	if err != nil {
		t.Fatal(err)
	}
	return s, ep
}

// stepClock is a fake clock that reports every wait, so a test can act
// (approve, deny) at the moment glass sleeps and then move time on.
type stepClock struct {
	*clock.Fake
	waits chan time.Duration
}

func (c *stepClock) After(d time.Duration) <-chan time.Time {
	ch := c.Fake.After(d)
	c.waits <- d
	return ch
}

type deviceRun struct {
	t      *testing.T
	sim    *ghsim.Server
	clk    *stepClock
	simOff atomic.Int64 // extra time on the simulator's clock only
	flow   *DeviceFlow
	code   chan DeviceCode
	notes  []string
	mu     sync.Mutex
	done   chan struct{}
	tok    string
	scopes []string
	err    error
}

func newDeviceRun(t *testing.T, clientID string) *deviceRun {
	r := &deviceRun{t: t, code: make(chan DeviceCode, 1), done: make(chan struct{})}
	r.clk = &stepClock{Fake: clock.NewFake(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), waits: make(chan time.Duration)}
	var ep ghapi.Endpoint
	r.sim, ep = startSim(t, ghsim.WithClock(func() time.Time { return r.clk.Now().Add(time.Duration(r.simOff.Load())) }))
	r.flow = &DeviceFlow{Endpoint: ep, ClientID: clientID, Scopes: DefaultScopes, Clock: r.clk,
		Show:   func(c DeviceCode) { r.code <- c },
		Notice: func(s string) { r.mu.Lock(); r.notes = append(r.notes, s); r.mu.Unlock() }}
	return r
}

func (r *deviceRun) start() DeviceCode {
	go func() {
		defer close(r.done)
		r.tok, r.scopes, r.err = r.flow.Run(context.Background())
	}()
	select {
	case c := <-r.code:
		return c
	case <-r.done:
		r.t.Fatalf("the flow ended before showing a code: %v", r.err)
	}
	return DeviceCode{}
}

// wait expects glass to sleep for want, then lets the time pass.
func (r *deviceRun) wait(want time.Duration, before func()) {
	r.t.Helper()
	select {
	case d := <-r.clk.waits:
		if d != want {
			r.t.Fatalf("glass waited %s, want %s", d, want)
		}
		if before != nil {
			before()
		}
		r.clk.Advance(d)
	case <-r.done:
		r.t.Fatalf("the flow ended early: %v", r.err)
	case <-time.After(5 * time.Second):
		r.t.Fatal("glass did not wait")
	}
}

func (r *deviceRun) finish() {
	r.t.Helper()
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
		r.t.Fatal("the flow did not end")
	}
}

func (r *deviceRun) polls() (n int, slow int) {
	for _, e := range r.sim.Log() {
		if strings.HasSuffix(e.Path, "/login/oauth/access_token") {
			n++
			if strings.Contains(string(e.RespBody), "slow_down") {
				slow++
			}
			if e.ReqHeader.Get("Authorization") != "" {
				r.t.Errorf("a poll carried an Authorization header; the client id belongs in the parameters (AuthStyleInParams)")
			}
			q, _ := url.ParseQuery(string(e.ReqBody))
			if q.Get("client_id") == "" || q.Get("grant_type") != "urn:ietf:params:oauth:grant-type:device_code" {
				r.t.Errorf("poll body %q", e.ReqBody)
			}
		}
	}
	return n, slow
}

func TestDeviceFlowApproved(t *testing.T) {
	r := newDeviceRun(t, ghsim.SimClientID)
	c := r.start()
	if c.UserCode == "" || !strings.HasSuffix(c.VerificationURI, "/login/device") || c.Interval != 5*time.Second {
		t.Fatalf("code = %+v", c)
	}
	r.wait(5*time.Second, nil) // pending
	r.wait(5*time.Second, func() {
		if err := r.sim.ApproveDevice(c.UserCode, "alice"); err != nil {
			t.Fatal(err)
		}
	})
	r.finish()
	if r.err != nil || !strings.HasPrefix(r.tok, "gho_") {
		t.Fatalf("token %v, err %v", r.tok != "", r.err)
	}
	if strings.Join(r.scopes, " ") != "repo read:org write:org user" {
		t.Errorf("scopes = %v", r.scopes)
	}
	if n, slow := r.polls(); n != 2 || slow != 0 {
		t.Errorf("%d polls (%d slow_down), want 2 and 0: one request per interval", n, slow)
	}
}

func TestDeviceFlowSlowDownTakesTheNewInterval(t *testing.T) {
	r := newDeviceRun(t, ghsim.SimClientID)
	r.flow.FirstInterval = time.Second // too fast for the simulator's 5 s
	c := r.start()
	r.wait(time.Second, nil) // pending
	r.wait(time.Second, nil) // slow_down, interval 10
	r.wait(10*time.Second, func() { _ = r.sim.ApproveDevice(c.UserCode, "bob") })
	r.finish()
	if r.err != nil || r.tok == "" {
		t.Fatalf("err %v", r.err)
	}
	if n, slow := r.polls(); n != 3 || slow != 1 {
		t.Errorf("%d polls, %d slow_down; want 3 and 1", n, slow)
	}
	if len(r.notes) != 1 || !strings.Contains(r.notes[0], "now every 10s") {
		t.Errorf("notes = %q", r.notes)
	}
}

func TestDeviceFlowDenied(t *testing.T) {
	r := newDeviceRun(t, ghsim.SimClientID)
	c := r.start()
	r.wait(5*time.Second, func() { _ = r.sim.DenyDevice(c.UserCode) })
	r.finish()
	var de *DeviceError
	if !errors.As(r.err, &de) || de.Code != "access_denied" || r.tok != "" {
		t.Fatalf("err = %v", r.err)
	}
}

func TestDeviceFlowExpiredOnGitHub(t *testing.T) {
	r := newDeviceRun(t, ghsim.SimClientID)
	r.start()
	// GitHub's clock is past the code's 900 s; glass's is not: the answer
	// is GitHub's expired_token.
	r.wait(5*time.Second, func() { r.simOff.Store(int64(901 * time.Second)) })
	r.finish()
	var de *DeviceError
	if !errors.As(r.err, &de) || de.Code != "expired_token" {
		t.Fatalf("err = %v", r.err)
	}
	if n, _ := r.polls(); n != 1 {
		t.Errorf("%d polls, want 1", n)
	}
	if !strings.Contains(r.err.Error(), "expired before anyone entered it") {
		t.Errorf("message = %q", r.err)
	}
}

func TestDeviceFlowExpiresLocally(t *testing.T) {
	r := newDeviceRun(t, ghsim.SimClientID)
	r.flow.MaxWait = 3 * time.Second
	r.start()
	r.wait(3*time.Second, nil) // the wait is cut to the deadline
	r.finish()
	var de *DeviceError
	if !errors.As(r.err, &de) || de.Code != "expired_token" {
		t.Fatalf("err = %v", r.err)
	}
	if n, _ := r.polls(); n != 0 {
		t.Errorf("%d polls after the deadline, want 0", n)
	}
}

func TestDeviceFlowClientErrors(t *testing.T) {
	for _, tc := range []struct{ id, code string }{
		{ghsim.SimClientIDNoDevice, "device_flow_disabled"},
		{"Ov23liUnknown", "incorrect_client_credentials"},
	} {
		_, ep := startSim(t)
		d := &DeviceFlow{Endpoint: ep, ClientID: tc.id, Show: func(DeviceCode) { t.Error("showed a code") }}
		_, _, err := d.Run(context.Background())
		var de *DeviceError
		if !errors.As(err, &de) || de.Code != tc.code {
			t.Errorf("%s: err = %v, want %s", tc.id, err, tc.code)
		}
	}
}

func TestSandboxClientIDMatchesTheSimulator(t *testing.T) {
	if SandboxClientID != ghsim.SimClientID {
		t.Fatalf("SandboxClientID %q != ghsim.SimClientID %q", SandboxClientID, ghsim.SimClientID)
	}
}
