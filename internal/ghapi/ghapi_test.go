package ghapi

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		apiURL, host      string
		wantAPI, wantAuth string
		enterprise        bool
		wantErr           string
	}{
		{"", "", "https://api.github.com/", "https://github.com/", false, ""},
		{"", "GitHub.com", "https://api.github.com/", "https://github.com/", false, ""},
		{"", "ghe.example.com", "https://ghe.example.com/api/v3/", "https://ghe.example.com/", true, ""},
		{"", "acme.ghe.com", "https://api.acme.ghe.com/", "https://acme.ghe.com/", true, ""},
		{"http://127.0.0.1:8080", "ghe.example.com", "http://127.0.0.1:8080/", "http://127.0.0.1:8080/", false, ""},
		{"http://localhost:9/api/v3", "", "http://localhost:9/api/v3/", "http://localhost:9/api/v3/", false, ""},
		{"http://example.com/", "", "", "", false, "plain http on a non-loopback host"},
		{"ftp://x", "", "", "", false, "not an http(s) URL"},
		{"", "bad/host", "", "", false, "invalid hostname"},
	}
	for _, tt := range tests {
		e, err := Resolve(tt.apiURL, tt.host)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Resolve(%q,%q) err = %v, want %q", tt.apiURL, tt.host, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Resolve(%q,%q): %v", tt.apiURL, tt.host, err)
		}
		if e.API.String() != tt.wantAPI || e.OAuth.String() != tt.wantAuth || e.IsEnterprise() != tt.enterprise {
			t.Errorf("Resolve(%q,%q) = %s %s enterprise=%v", tt.apiURL, tt.host, e.API, e.OAuth, e.IsEnterprise())
		}
	}
}

// flaky answers with the given statuses in turn, then 200.
func flaky(t *testing.T, hdr http.Header, statuses ...int) (*httptest.Server, *int32) {
	var n int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := atomic.AddInt32(&n, 1)
		body, _ := io.ReadAll(r.Body)
		if int(i) <= len(statuses) {
			for k, v := range hdr {
				w.Header()[k] = v
			}
			w.WriteHeader(statuses[i-1])
			io.WriteString(w, `{"message":"You have exceeded a secondary rate limit."}`)
			return
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func testClient(sleeps *[]time.Duration) *http.Client {
	return NewHTTPClient(Options{Token: "gho_testtoken123456", Sleep: func(d time.Duration) { *sleeps = append(*sleeps, d) }})
}

func TestRetry(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		hdr        http.Header
		statuses   []int
		wantCalls  int32
		wantStatus int
		wantSleep  time.Duration // exact, when Retry-After drives it
	}{
		{"5xx then success", "PUT", nil, []int{502, 503}, 3, 200, 0},
		{"secondary limit waits Retry-After", "GET", http.Header{"Retry-After": {"2"}}, []int{403}, 2, 200, 2 * time.Second},
		{"429 waits Retry-After", "DELETE", http.Header{"Retry-After": {"1"}}, []int{429}, 2, 200, time.Second},
		{"primary limit is not retried", "GET", http.Header{"X-Ratelimit-Remaining": {"0"}}, []int{403}, 1, 403, 0},
		{"Retry-After beyond the cap is not waited", "GET", http.Header{"Retry-After": {"3600"}}, []int{429}, 1, 429, 0},
		{"POST is never retried", "POST", nil, []int{502}, 1, 502, 0},
		{"bounded attempts", "GET", nil, []int{500, 500, 500, 500, 500}, 4, 500, 0},
		{"4xx is final", "GET", nil, []int{404}, 1, 404, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, calls := flaky(t, tt.hdr, tt.statuses...)
			var sleeps []time.Duration
			req, _ := http.NewRequest(tt.method, srv.URL, bytes.NewReader([]byte(`{"a":1}`)))
			resp, err := testClient(&sleeps).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || atomic.LoadInt32(calls) != tt.wantCalls {
				t.Fatalf("status %d after %d calls, want %d after %d", resp.StatusCode, *calls, tt.wantStatus, tt.wantCalls)
			}
			if tt.wantStatus == 200 && string(body) != `{"a":1}` {
				t.Errorf("retried request lost its body: %q", body)
			}
			if tt.wantSleep != 0 && (len(sleeps) != 1 || sleeps[0] != tt.wantSleep) {
				t.Errorf("sleeps = %v, want [%v]", sleeps, tt.wantSleep)
			}
		})
	}
}

func TestRetryDroppedConnection(t *testing.T) {
	var n int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if atomic.AddInt32(&n, 1) == 1 {
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	var sleeps []time.Duration
	resp, err := testClient(&sleeps).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n != 2 || len(sleeps) != 1 {
		t.Fatalf("calls=%d sleeps=%v, want one retry", n, sleeps)
	}
}

func TestCancelledRequestIsNotRetried(t *testing.T) {
	srv, calls := flaky(t, nil, 500, 500)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	var sleeps []time.Duration
	if _, err := testClient(&sleeps).Do(req); err == nil {
		t.Fatal("want an error")
	}
	if *calls > 0 || len(sleeps) > 0 {
		t.Fatalf("cancelled request was attempted %d times", *calls)
	}
}

func TestConditionalRequests(t *testing.T) {
	var full, notModified int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v1"` {
			atomic.AddInt32(&notModified, 1)
			w.Header().Set("X-Ratelimit-Remaining", "4999")
			w.WriteHeader(http.StatusNotModified)
			return
		}
		atomic.AddInt32(&full, 1)
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("X-Ratelimit-Remaining", "4998")
		io.WriteString(w, `[{"number":1}]`)
	}))
	defer srv.Close()
	for _, cache := range []Cache{&MemoryCache{}, DirCache{Dir: t.TempDir()}} {
		full, notModified = 0, 0
		c := NewHTTPClient(Options{Token: "gho_abcdefghijkl", Cache: cache})
		for i := 0; i < 3; i++ {
			resp, err := c.Get(srv.URL + "/issues")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(body) != `[{"number":1}]` {
				t.Fatalf("%T call %d: %d %q", cache, i, resp.StatusCode, body)
			}
			if i > 0 && (resp.Header.Get(CacheHeader) != "hit" || resp.Header.Get("X-Ratelimit-Remaining") != "4999") {
				t.Errorf("%T call %d: not served from cache with fresh rate headers: %v", cache, i, resp.Header)
			}
		}
		if full != 1 || notModified != 2 {
			t.Errorf("%T: %d full answers, %d 304s; want 1 and 2", cache, full, notModified)
		}
	}
}

func TestDebugTraceRedactsTokens(t *testing.T) {
	const token = "gho_S3cretTokenValue1234"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"access_token":"gho_AnotherFreshToken99","token_type":"bearer"}`)
	}))
	defer srv.Close()
	var trace bytes.Buffer
	c := NewHTTPClient(Options{Token: token, Debug: &trace})
	resp, err := c.Post(srv.URL+"/login/oauth/access_token", "application/json", strings.NewReader(`{"x":"`+token+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	out := trace.String()
	for _, secret := range []string{token, "gho_AnotherFreshToken99", "Bearer"} {
		if strings.Contains(out, secret) {
			t.Errorf("trace leaks %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "POST") || !strings.Contains(out, Redacted) {
		t.Errorf("trace lacks the exchange:\n%s", out)
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"token ghp_abcdefghij1234 here":           "token [REDACTED] here",
		"github_pat_11ABCDEFG0123456789_xyz used": "[REDACTED] used",
		"my-secret-value leaked":                  "[REDACTED] leaked",
		"ghp_short":                               "ghp_short",
	} {
		if got := Redact(in, "my-secret-value"); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCachedLogin: the login of the last GET /user answer the cache kept
// for this token, without a request; nothing for another token or an
// empty cache.
func TestCachedLogin(t *testing.T) {
	var calls int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		atomic.AddInt32(&calls, 1)
		w.Header().Set("ETag", `"u1"`)
		io.WriteString(w, `{"login":"alice","id":1}`)
	}))
	defer srv.Close()
	api, _ := url.Parse(srv.URL + "/")
	for _, cache := range []Cache{&MemoryCache{}, DirCache{Dir: t.TempDir()}} {
		gh := NewClient(Options{Endpoint: Endpoint{API: api}, Token: "gho_alice", Cache: cache})
		if got := CachedLogin(gh, cache, "gho_alice"); got != "" {
			t.Fatalf("%T: empty cache gave %q", cache, got)
		}
		if _, _, err := gh.Users.Get(context.Background(), ""); err != nil {
			t.Fatal(err)
		}
		n := atomic.LoadInt32(&calls)
		if got := CachedLogin(gh, cache, "gho_alice"); got != "alice" {
			t.Errorf("%T: CachedLogin = %q, want alice", cache, got)
		}
		if got := CachedLogin(gh, cache, "gho_bob"); got != "" {
			t.Errorf("%T: another token's CachedLogin = %q, want none", cache, got)
		}
		if atomic.LoadInt32(&calls) != n {
			t.Errorf("%T: CachedLogin made a request", cache)
		}
	}
	if got := CachedLogin(NewClient(Options{Endpoint: Endpoint{API: api}}), nil, "x"); got != "" {
		t.Errorf("no cache: %q", got)
	}
}
