package ghsim

// OAuth device flow (github.com/login/...). These endpoints live on the web
// host and are NOT part of GitHub's REST OpenAPI description, so they are
// kept in this file and marked route.oauth (Route.OAuth in Routes()); the
// contract validator skips them (IsOAuthPath).
//
// Behaviour from GitHub docs, "Authorizing OAuth apps" → "Device flow":
// POST /login/device/code (client_id, scope) → device_code, user_code,
// verification_uri, expires_in (900), interval (5); POST
// /login/oauth/access_token (client_id, device_code, grant_type=
// urn:ietf:params:oauth:grant-type:device_code) answers HTTP 200 with an
// `error` of authorization_pending, slow_down ("the slow_down error
// response includes the new interval": +5 s), expired_token,
// unsupported_grant_type, incorrect_client_credentials,
// incorrect_device_code, access_denied, device_flow_disabled. Responses are
// form-encoded unless the request has Accept: application/json.

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// SimClientID is the OAuth App client id registered in every seed (device flow enabled).
const SimClientID = "Ov23liGlassSim000001"

// SimClientIDNoDevice is registered with device flow disabled (acme seed).
const SimClientIDNoDevice = "Ov23liGlassSimNoDev1"

type oauthState struct {
	clients map[string]bool // client id → device flow enabled
	grants  map[string]*deviceGrant
	byUser  map[string]*deviceGrant
	seq     int
}

type deviceGrant struct {
	clientID   string
	deviceCode string
	userCode   string
	scopes     []string
	expires    time.Time
	interval   int
	lastPoll   time.Time
	approvedBy string
	denied     bool
	issued     string
}

func newOAuthState() *oauthState {
	return &oauthState{clients: map[string]bool{SimClientID: true}, grants: map[string]*deviceGrant{}, byUser: map[string]*deviceGrant{}}
}

// IsOAuthPath reports whether path (with or without a prefix) is one of the
// device-flow endpoints, which are not part of the REST description.
func IsOAuthPath(path string) bool {
	return strings.HasSuffix(path, "/login/device/code") || strings.HasSuffix(path, "/login/oauth/access_token")
}

func addOAuthRoutes(add addFunc) {
	add("POST", "/login/device/code", hDeviceCode, false, "", "").oauth = true
	add("POST", "/login/oauth/access_token", hAccessToken, false, "", "").oauth = true
}

// AddOAuthClient registers an OAuth App client id.
func (s *Server) AddOAuthClient(clientID string, deviceFlow bool) {
	s.Do(func(st *State) { st.oauth.clients[clientID] = deviceFlow })
}

func (c *ctx) oauthReply(status int, vals map[string]any) {
	c.status = status
	if strings.Contains(c.r.Header.Get("Accept"), "json") {
		c.json(status, vals)
		return
	}
	q := url.Values{}
	for k, v := range vals {
		q.Set(k, fmt.Sprint(v))
	}
	c.hdr.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	c.out = []byte(q.Encode())
}

func (c *ctx) oauthError(code, desc string) {
	c.oauthReply(200, map[string]any{"error": code, "error_description": desc,
		"error_uri": "https://docs.github.com/apps/building-oauth-apps/authorizing-oauth-apps#device-flow"})
}

func (c *ctx) form() url.Values {
	v, _ := url.ParseQuery(string(c.body))
	if v == nil {
		v = url.Values{}
	}
	for k, x := range c.q {
		if _, ok := v[k]; !ok {
			v[k] = x
		}
	}
	return v
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func hDeviceCode(c *ctx) {
	f := c.form()
	o := c.st.oauth
	enabled, known := o.clients[f.Get("client_id")]
	if !known {
		// guess: GitHub's exact status for an unknown client here; a non-2xx
		// makes x/oauth2's DeviceAuth fail instead of returning an empty code.
		c.oauthReply(401, map[string]any{"error": "incorrect_client_credentials", "error_description": "The client_id is not valid."})
		return
	}
	if !enabled {
		c.oauthReply(400, map[string]any{"error": "device_flow_disabled", "error_description": "Device Flow must be explicitly enabled for this App"})
		return
	}
	o.seq++
	const letters = "BCDFGHJKLMNPQRSTVWXZ"
	raw := randHex(4)
	var uc strings.Builder
	for i := 0; i < 8; i++ {
		if i == 4 {
			uc.WriteByte('-')
		}
		uc.WriteByte(letters[(int(raw[i])+i+o.seq)%len(letters)])
	}
	g := &deviceGrant{clientID: f.Get("client_id"), deviceCode: randHex(20), userCode: uc.String(),
		scopes: strings.Fields(strings.ReplaceAll(f.Get("scope"), ",", " ")), expires: c.st.now().Add(900 * time.Second), interval: 5}
	for o.byUser[g.userCode] != nil {
		g.userCode = g.userCode[:8] + string(letters[o.seq%len(letters)])
		o.seq++
	}
	o.grants[g.deviceCode] = g
	o.byUser[g.userCode] = g
	c.oauthReply(200, map[string]any{"device_code": g.deviceCode, "user_code": g.userCode,
		"verification_uri": c.web + "/login/device", "expires_in": 900, "interval": g.interval})
}

func hAccessToken(c *ctx) {
	f := c.form()
	o := c.st.oauth
	if gt := f.Get("grant_type"); gt != "urn:ietf:params:oauth:grant-type:device_code" {
		c.oauthError("unsupported_grant_type", "The grant type is not supported.")
		return
	}
	if _, ok := o.clients[f.Get("client_id")]; !ok {
		c.oauthError("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.")
		return
	}
	g := o.grants[f.Get("device_code")]
	if g == nil || g.clientID != f.Get("client_id") {
		c.oauthError("incorrect_device_code", "The device_code provided is not valid.")
		return
	}
	now := c.st.now()
	if !now.Before(g.expires) {
		c.oauthError("expired_token", "The device_code has expired.")
		return
	}
	if g.denied {
		c.oauthError("access_denied", "The authorization request was denied.")
		return
	}
	if g.issued != "" {
		// guess: a consumed device code is no longer valid.
		c.oauthError("incorrect_device_code", "The device_code provided is not valid.")
		return
	}
	if !g.lastPoll.IsZero() && now.Sub(g.lastPoll) < time.Duration(g.interval)*time.Second {
		g.lastPoll = now
		g.interval += 5
		c.oauthReply(200, map[string]any{"error": "slow_down", "error_description": "Too many requests have been made in the same timeframe.",
			"error_uri": "https://docs.github.com/apps/building-oauth-apps/authorizing-oauth-apps#device-flow", "interval": g.interval})
		return
	}
	g.lastPoll = now
	if g.approvedBy == "" {
		c.oauthError("authorization_pending", "The authorization request is still pending.")
		return
	}
	c.st.nextTok++
	tok := fmt.Sprintf("gho_sim%04d%s", c.st.nextTok, randHex(10))
	c.st.tokens[tok] = &TokenSpec{Token: tok, Login: g.approvedBy, Scopes: append([]string(nil), g.scopes...)}
	g.issued = tok
	c.oauthReply(200, map[string]any{"access_token": tok, "token_type": "bearer", "scope": strings.Join(g.scopes, ",")})
}

// ApproveDevice approves a pending user code as login. The next poll gets a
// token for login with the requested scopes.
func (s *Server) ApproveDevice(userCode, login string) error {
	var err error
	s.Do(func(st *State) {
		g := st.oauth.byUser[strings.ToUpper(strings.TrimSpace(userCode))]
		switch {
		case g == nil:
			err = errors.New("ghsim: no such user code")
		case st.User(login) == nil:
			err = fmt.Errorf("ghsim: no user %q", login)
		case !st.now().Before(g.expires):
			err = errors.New("ghsim: user code expired")
		case g.denied || g.approvedBy != "":
			err = errors.New("ghsim: user code already answered")
		default:
			g.approvedBy = st.User(login).Login
		}
	})
	return err
}

// DenyDevice denies a pending user code (the next poll gets access_denied).
func (s *Server) DenyDevice(userCode string) error {
	var err error
	s.Do(func(st *State) {
		g := st.oauth.byUser[strings.ToUpper(strings.TrimSpace(userCode))]
		switch {
		case g == nil:
			err = errors.New("ghsim: no such user code")
		case g.denied || g.approvedBy != "":
			err = errors.New("ghsim: user code already answered")
		default:
			g.denied = true
		}
	})
	return err
}

// PendingDeviceCodes lists user codes waiting for approval (for demos).
func (s *Server) PendingDeviceCodes() []string {
	var out []string
	s.Do(func(st *State) {
		for uc, g := range st.oauth.byUser {
			if !g.denied && g.approvedBy == "" && st.now().Before(g.expires) {
				out = append(out, uc)
			}
		}
	})
	return out
}
