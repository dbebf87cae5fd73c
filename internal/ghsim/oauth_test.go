package ghsim

import (
	"context"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func deviceCode(t *testing.T, s *Server, client string) map[string]any {
	t.Helper()
	r := call(t, s, "POST", "/login/device/code", "", "client_id="+client+"&scope=repo+read:org+user", "Accept", "application/json", "Content-Type", "application/x-www-form-urlencoded")
	wantCode(t, r, 200)
	return r.json(t)
}

func poll(t *testing.T, s *Server, client, device string) map[string]any {
	t.Helper()
	body := url.Values{"client_id": {client}, "device_code": {device}, "grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}}.Encode()
	r := call(t, s, "POST", "/login/oauth/access_token", "", body, "Accept", "application/json")
	wantCode(t, r, 200)
	return r.json(t)
}

func TestDeviceFlow(t *testing.T) {
	s, clk := newAcme(t)
	dc := deviceCode(t, s, SimClientID)
	if dc["expires_in"] != float64(900) || dc["interval"] != float64(5) || dc["verification_uri"] == nil || len(dc["user_code"].(string)) != 9 {
		t.Fatalf("device code = %v", dc)
	}
	dev := dc["device_code"].(string)
	if got := poll(t, s, SimClientID, dev)["error"]; got != "authorization_pending" {
		t.Fatalf("first poll: %v", got)
	}
	sd := poll(t, s, SimClientID, dev) // too fast
	if sd["error"] != "slow_down" || sd["interval"] != float64(10) {
		t.Fatalf("slow_down: %v", sd)
	}
	clk.add(10 * time.Second)
	if got := poll(t, s, SimClientID, dev)["error"]; got != "authorization_pending" {
		t.Fatalf("after waiting: %v", got)
	}
	if err := s.ApproveDevice(dc["user_code"].(string), "alice"); err != nil {
		t.Fatal(err)
	}
	clk.add(10 * time.Second)
	tok := poll(t, s, SimClientID, dev)
	if tok["token_type"] != "bearer" || tok["scope"] != "repo,read:org,user" {
		t.Fatalf("token = %v", tok)
	}
	r := call(t, s, "GET", "/user", tok["access_token"].(string), nil)
	wantCode(t, r, 200)
	if r.json(t)["login"] != "alice" || r.Header.Get("X-OAuth-Scopes") != "repo, read:org, user" {
		t.Errorf("user = %s / %v", r.Body, r.Header.Get("X-OAuth-Scopes"))
	}
	if s.ApproveDevice(dc["user_code"].(string), "bob") == nil {
		t.Error("second approval accepted")
	}
}

func TestDeviceFlowErrors(t *testing.T) {
	s, clk := newAcme(t)
	// denied
	dc := deviceCode(t, s, SimClientID)
	if err := s.DenyDevice(dc["user_code"].(string)); err != nil {
		t.Fatal(err)
	}
	if got := poll(t, s, SimClientID, dc["device_code"].(string))["error"]; got != "access_denied" {
		t.Errorf("denied: %v", got)
	}
	// expired
	dc = deviceCode(t, s, SimClientID)
	clk.add(901 * time.Second)
	if got := poll(t, s, SimClientID, dc["device_code"].(string))["error"]; got != "expired_token" {
		t.Errorf("expired: %v", got)
	}
	if s.ApproveDevice(dc["user_code"].(string), "alice") == nil {
		t.Error("approved an expired code")
	}
	if got := poll(t, s, SimClientID, "nope")["error"]; got != "incorrect_device_code" {
		t.Errorf("bad device code: %v", got)
	}
	if got := poll(t, s, "unknown-client", "nope")["error"]; got != "incorrect_client_credentials" {
		t.Errorf("bad client: %v", got)
	}
	r := call(t, s, "POST", "/login/oauth/access_token", "", "client_id="+SimClientID+"&grant_type=password", "Accept", "application/json")
	if r.json(t)["error"] != "unsupported_grant_type" {
		t.Errorf("grant type: %s", r.Body)
	}
	r = call(t, s, "POST", "/login/device/code", "", "client_id="+SimClientIDNoDevice, "Accept", "application/json")
	if r.json(t)["error"] != "device_flow_disabled" {
		t.Errorf("disabled: %s", r.Body)
	}
	// form-encoded answer without Accept: application/json
	r = call(t, s, "POST", "/login/oauth/access_token", "", "client_id="+SimClientID+"&grant_type=urn:ietf:params:oauth:grant-type:device_code&device_code=x")
	if v, err := url.ParseQuery(string(r.Body)); err != nil || v.Get("error") != "incorrect_device_code" {
		t.Errorf("form answer: %s", r.Body)
	}
	if s.DenyDevice("ZZZZ-ZZZZ") == nil || s.ApproveDevice("ZZZZ-ZZZZ", "alice") == nil {
		t.Error("unknown user code accepted")
	}
}

func TestDeviceFlowWithXOAuth2(t *testing.T) {
	s, _ := newAcme(t)
	srv := startHTTP(t, s)
	cfg := &oauth2.Config{ClientID: SimClientID, Scopes: []string{"repo", "read:org"},
		Endpoint: oauth2.Endpoint{DeviceAuthURL: srv.URL + "/login/device/code", TokenURL: srv.URL + "/login/oauth/access_token", AuthStyle: oauth2.AuthStyleInParams}}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, srv.Client())
	da, err := cfg.DeviceAuth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if da.UserCode == "" || da.Interval != 5 || s.PendingDeviceCodes()[0] != da.UserCode {
		t.Fatalf("device auth = %+v", da)
	}
	bad := &oauth2.Config{ClientID: "nope", Endpoint: cfg.Endpoint}
	if _, err := bad.DeviceAuth(ctx); err == nil {
		t.Error("unknown client accepted")
	}
}
