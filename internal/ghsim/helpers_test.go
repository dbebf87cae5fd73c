package ghsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghsim/contract"
)

var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time      { return f.t }
func (f *fakeClock) add(d time.Duration) { f.t = f.t.Add(d) }

type resp struct {
	Code   int
	Header http.Header
	Body   []byte
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

func (r resp) list(t testing.TB) []any {
	t.Helper()
	var m []any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON array: %v: %s", err, r.Body)
	}
	return m
}

// call runs one request in-process.
func call(t testing.TB, s *Server, method, path, token string, body any, hdr ...string) resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, "http://api.sim.test"+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json") // as go-github and curl --json send it
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	validated(t, s).ServeHTTP(rec, req)
	return resp{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// validated puts the contract validator (internal/ghsim/contract) around s,
// as simtest.Start does for every other package: a response GitHub's
// description rejects fails t. These tests also send requests GitHub's
// description rejects on purpose, to check that the simulator refuses them
// as GitHub does; so a request (or unknown-route) violation fails t only
// when the simulator did not answer it with a 4xx.
func validated(t testing.TB, s *Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var mu sync.Mutex
		var vs []contract.Violation
		sw := &statusWriter{ResponseWriter: w}
		contract.Wrap(s, func(v contract.Violation) {
			mu.Lock()
			defer mu.Unlock()
			vs = append(vs, v)
		}).ServeHTTP(sw, r)
		mu.Lock()
		defer mu.Unlock()
		for _, v := range vs {
			refused := sw.status >= 400 && sw.status < 500
			if v.Phase == "response" || !refused {
				t.Errorf("%s (answered %d)", v, sw.status)
			}
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func newAcme(t testing.TB, opts ...Option) (*Server, *fakeClock) {
	clk := &fakeClock{t: fixedNow}
	s := New(append([]Option{WithClock(clk.now)}, opts...)...)
	return s, clk
}

func wantCode(t testing.TB, r resp, code int) {
	t.Helper()
	if r.Code != code {
		t.Fatalf("status = %d, want %d; body: %s", r.Code, code, r.Body)
	}
}

func startHTTP(t testing.TB, s *Server) *httptest.Server {
	srv := httptest.NewServer(validated(t, s))
	t.Cleanup(srv.Close)
	return srv
}

func ghClient(t testing.TB, srv *httptest.Server, token string) *github.Client {
	c := github.NewClient(srv.Client()).WithAuthToken(token)
	u, err := url.Parse(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL = u
	return c
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
