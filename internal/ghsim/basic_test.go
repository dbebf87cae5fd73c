package ghsim

import "testing"

func TestSmoke(t *testing.T) {
	s, _ := newAcme(t)
	tok := s.Token("alice")
	r := call(t, s, "GET", "/user", tok, nil)
	wantCode(t, r, 200)
	if r.json(t)["two_factor_authentication"] != true {
		t.Fatalf("2fa: %s", r.Body)
	}
	r = call(t, s, "GET", "/repos/acme/payments/branches/main/protection", tok, nil)
	wantCode(t, r, 200)
	t.Logf("%s", r.Body)
	r = call(t, s, "GET", "/repos/acme/payments/branches/release%2F1.x/protection", tok, nil)
	wantCode(t, r, 404)
	r = call(t, s, "GET", "/repos/acme/payments/branches/release%2F1.x", tok, nil)
	wantCode(t, r, 200)
	if r.json(t)["protected"] != true {
		t.Fatal("not protected")
	}
}
