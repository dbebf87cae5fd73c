package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/ghapi"
)

// DefaultScopes are the OAuth scopes `glass auth login` asks for (see
// docs/auth.md for why each one):
//   - repo: branch protection, rulesets, collaborators and audit issues on
//     private repositories (public_repo covers public ones only)
//   - read:org: team and membership reads, the org's 2FA requirement
//   - write:org: the team lever (team membership changes)
//   - user: the private view of GET /user, the only place GitHub shows
//     whether the account has two-factor authentication on
var DefaultScopes = []string{"repo", "read:org", "write:org", "user"}

// SandboxClientID is the OAuth App client id the simulator registers
// (ghsim.SimClientID; a test checks that they agree). glass uses it only
// when GLASS_API_URL points at a loopback address and no client id is
// configured, so `glass auth login` works against `glass sandbox serve`.
const SandboxClientID = "Ov23liGlassSim000001"

// DeviceCode is what the person has to type, and where.
type DeviceCode struct {
	UserCode        string
	VerificationURI string
	Expires         time.Time
	Interval        time.Duration
}

// DeviceError is a terminal answer of GitHub's token endpoint.
type DeviceError struct {
	Code        string // expired_token, access_denied, device_flow_disabled, ...
	Description string
}

func (e *DeviceError) Error() string {
	switch e.Code {
	case "expired_token":
		return "the device code expired before anyone entered it (GitHub gives 15 minutes); run `glass auth login` again"
	case "access_denied":
		return "the authorization was denied in the browser; nothing was stored"
	case "device_flow_disabled":
		return "the OAuth App has the device flow switched off: tick \"Enable Device Flow\" in its settings (docs/auth.md)"
	case "incorrect_client_credentials":
		return "GitHub does not know the OAuth App client id; check GLASS_OAUTH_CLIENT_ID or oauth_client_id in the config (docs/auth.md)"
	case "unsupported_grant_type", "incorrect_device_code":
		return fmt.Sprintf("GitHub refused the device code (%s); run `glass auth login` again", e.Code)
	}
	if e.Description != "" {
		return fmt.Sprintf("device flow failed: %s (%s)", e.Description, e.Code)
	}
	return "device flow failed: " + e.Code
}

// DeviceFlow is GitHub's OAuth device flow (GitHub docs, "Authorizing OAuth
// apps" → "Device flow"). The code request goes through x/oauth2's
// Config.DeviceAuth. The polling is glass's own loop rather than
// Config.DeviceAccessToken, for three reasons: x/oauth2 ignores the
// `interval` that GitHub's slow_down answer carries (it adds 5 s, which is
// the same only while nothing else slowed GitHub down), it waits on the
// wall clock (tests would sleep 5 s per poll), and it gives no hook to tell
// the person that GitHub asked glass to slow down.
type DeviceFlow struct {
	Endpoint ghapi.Endpoint
	ClientID string
	Scopes   []string
	HTTP     *http.Client // nil: http.DefaultClient
	Clock    clock.Clock  // nil: the wall clock
	// FirstInterval, when positive, replaces the server's first interval
	// (GLASS_TEST_DEVICE_INTERVAL, for tests that provoke slow_down).
	FirstInterval time.Duration
	// MaxWait, when positive, shortens the server's expires_in
	// (GLASS_TEST_DEVICE_EXPIRES_IN, for tests of an expired code).
	MaxWait time.Duration
	Show    func(DeviceCode) // shows the code; required
	Notice  func(string)     // progress notes (slow_down); optional
}

func (d *DeviceFlow) config() *oauth2.Config {
	base := strings.TrimSuffix(d.Endpoint.OAuth.String(), "/")
	return &oauth2.Config{
		ClientID: d.ClientID,
		Scopes:   d.Scopes,
		Endpoint: oauth2.Endpoint{
			DeviceAuthURL: base + "/login/device/code",
			TokenURL:      base + "/login/oauth/access_token",
			// Without this, x/oauth2 sends every poll twice (Basic auth,
			// then params) and invites slow_down (github-api.md §7).
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

// Run asks for a code, shows it, and polls until GitHub answers with a
// token or a terminal error. It returns the token and its scopes.
func (d *DeviceFlow) Run(ctx context.Context) (token string, scopes []string, err error) {
	hc := d.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	clk := d.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	cfg := d.config()
	da, err := cfg.DeviceAuth(context.WithValue(ctx, oauth2.HTTPClient, hc))
	if err != nil {
		return "", nil, deviceAuthErr(err)
	}
	interval := time.Duration(da.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second // RFC 8628 §3.2 default
	}
	life := time.Until(da.Expiry)
	if da.Expiry.IsZero() {
		life = 15 * time.Minute
	}
	if d.MaxWait > 0 && d.MaxWait < life {
		life = d.MaxWait
	}
	deadline := clk.Now().Add(life)
	uri := da.VerificationURI
	d.Show(DeviceCode{UserCode: da.UserCode, VerificationURI: uri, Expires: deadline, Interval: interval})
	if d.FirstInterval > 0 {
		interval = d.FirstInterval
	}
	for {
		wait := interval
		if left := deadline.Sub(clk.Now()); left < wait {
			wait = left
		}
		if wait > 0 {
			select {
			case <-ctx.Done():
				return "", nil, ctx.Err()
			case <-clk.After(wait):
			}
		}
		if !clk.Now().Before(deadline) {
			return "", nil, &DeviceError{Code: "expired_token"}
		}
		r, err := d.poll(ctx, hc, cfg, da.DeviceCode)
		if err != nil {
			return "", nil, err
		}
		switch r.Error {
		case "":
			if r.AccessToken == "" {
				return "", nil, fmt.Errorf("device flow: GitHub answered without a token")
			}
			return r.AccessToken, strings.FieldsFunc(r.Scope, func(c rune) bool { return c == ',' || c == ' ' }), nil
		case "authorization_pending":
		case "slow_down":
			// GitHub: "the slow_down error response includes the new
			// interval"; RFC 8628 §3.5: otherwise add 5 s.
			next := interval + 5*time.Second
			if r.Interval > 0 && time.Duration(r.Interval)*time.Second > interval {
				next = time.Duration(r.Interval) * time.Second
			}
			interval = next
			if d.Notice != nil {
				d.Notice(fmt.Sprintf("GitHub asked glass to poll less often; now every %s", interval))
			}
		default:
			return "", nil, &DeviceError{Code: r.Error, Description: r.ErrorDescription}
		}
	}
}

type tokenReply struct {
	AccessToken      string `json:"access_token"`
	Scope            string `json:"scope"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	Interval         int64  `json:"interval"`
}

func (d *DeviceFlow) poll(ctx context.Context, hc *http.Client, cfg *oauth2.Config, deviceCode string) (tokenReply, error) {
	v := url.Values{
		"client_id":   {cfg.ClientID},
		"device_code": {deviceCode},
		"grant_type":  {"urn:ietf:params:oauth:grant-type:device_code"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.Endpoint.TokenURL, strings.NewReader(v.Encode()))
	if err != nil {
		return tokenReply{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return tokenReply{}, fmt.Errorf("device flow: polling %s: %w", cfg.Endpoint.TokenURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return tokenReply{}, fmt.Errorf("device flow: reading the answer: %w", err)
	}
	var r tokenReply
	if jerr := json.Unmarshal(body, &r); jerr != nil {
		// Never echo the body: it may hold a token.
		return tokenReply{}, fmt.Errorf("device flow: %s answered %s with a body that is not JSON", cfg.Endpoint.TokenURL, resp.Status)
	}
	// GitHub answers the pending/slow_down/denied errors with HTTP 200; a
	// non-2xx without an error code is a server failure.
	if resp.StatusCode >= 300 && r.Error == "" {
		return tokenReply{}, fmt.Errorf("device flow: %s answered %s", cfg.Endpoint.TokenURL, resp.Status)
	}
	return r, nil
}

func deviceAuthErr(err error) error {
	if re, ok := err.(*oauth2.RetrieveError); ok && re.ErrorCode != "" {
		return &DeviceError{Code: re.ErrorCode, Description: re.ErrorDescription}
	}
	return fmt.Errorf("device flow: requesting a code: %w", err)
}
