// Package ghsim is an embedded, stateful, in-memory simulator of the parts of
// GitHub's REST API that glass uses. It is an http.Handler.
//
// Fidelity rule: "a fake that agrees with glass but not with GitHub is
// worthless". Where behaviour was looked up, a comment names the source (docs
// page, OpenAPI operationId from @octokit/openapi 23.0.2, issue thread);
// where it is a guess, the comment says "guess".
package ghsim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is the simulator. It implements http.Handler and is safe for
// concurrent use: every request runs under one mutex.
type Server struct {
	mu     sync.Mutex
	st     *State
	prefix string
	seed   string
	routes []*route
	// per-token primary rate limit
	perHour int
	rates   map[string]*rateWindow
	reqSeq  int

	fmu       sync.Mutex // guards faults, counters, rng, blackout
	faults    Faults
	faultN    int
	rng       *rand.Rand
	blackout  bool
	failPath  *regexp.Regexp // Faults.FailPath, compiled
	logMu     sync.Mutex
	log       []Exchange
	logSeq    int
	logLimit  int
	clockFunc func() time.Time
}

// Option configures a Server.
type Option func(*Server)

// WithSeed selects the initial world: "acme" (default) or "empty".
func WithSeed(name string) Option { return func(s *Server) { s.seed = name } }

// WithClock sets the clock used for all timestamps, expiry and rate windows.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.clockFunc = now } }

// WithPrefix serves the API under a base path, e.g. "/api/v3" (GHES style).
func WithPrefix(p string) Option {
	return func(s *Server) {
		s.prefix = "/" + strings.Trim(p, "/")
		if s.prefix == "/" {
			s.prefix = ""
		}
	}
}

// WithRateLimit sets the primary rate limit per token per hour (default 5000).
func WithRateLimit(perHour int) Option { return func(s *Server) { s.perHour = perHour } }

// WithLogLimit bounds the exchange log (default 10000 exchanges; 0 keeps the default).
func WithLogLimit(n int) Option {
	return func(s *Server) {
		if n > 0 {
			s.logLimit = n
		}
	}
}

// Seeds lists the seed names WithSeed accepts.
func Seeds() []string { return []string{"acme", "empty"} }

// New builds a simulator. An unknown seed name panics (programming error).
func New(opts ...Option) *Server {
	s := &Server{seed: "acme", perHour: 5000, rates: map[string]*rateWindow{}, logLimit: 10000, clockFunc: time.Now}
	for _, o := range opts {
		o(s)
	}
	s.st = newState(s.clockFunc)
	switch s.seed {
	case "acme":
		seedAcme(s.st)
	case "empty":
		seedEmpty(s.st)
	default:
		panic("ghsim: unknown seed " + strconv.Quote(s.seed))
	}
	s.routes = buildRoutes()
	s.rng = rand.New(rand.NewSource(1))
	return s
}

func (s *Server) now() time.Time { return s.clockFunc().UTC() }

// Token returns a valid classic token (scopes repo, read:org, write:org, user)
// for a seeded user, the same one on every call. It returns "" when the
// seed has no such user.
func (s *Server) Token(login string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.User(login)
	if u == nil || u.Type != "User" {
		return ""
	}
	tok := "ghp_sim" + strings.ReplaceAll(u.Login, "-", "_") + strings.Repeat("0", 8)
	if _, ok := s.st.tokens[tok]; !ok {
		s.st.tokens[tok] = &TokenSpec{Token: tok, Login: u.Login, Scopes: []string{"repo", "read:org", "write:org", "user"}}
	}
	return tok
}

// TokenSpec describes an API token. Classic tokens have Scopes; fine-grained
// tokens (FineGrained true) have Permissions such as {"administration":"write"}.
type TokenSpec struct {
	Token       string
	Login       string
	Scopes      []string
	FineGrained bool
	Permissions map[string]string
}

// AddToken registers a token and returns it. An empty Token gets a generated value.
func (s *Server) AddToken(t TokenSpec) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.Token == "" {
		s.st.nextTok++
		if t.FineGrained {
			t.Token = fmt.Sprintf("github_pat_sim%04d_%s", s.st.nextTok, strings.ReplaceAll(t.Login, "-", "_"))
		} else {
			t.Token = fmt.Sprintf("ghp_sim%04d%s", s.st.nextTok, strings.ReplaceAll(t.Login, "-", "_"))
		}
	}
	cp := t
	cp.Scopes = append([]string(nil), t.Scopes...)
	if t.Permissions != nil {
		cp.Permissions = map[string]string{}
		for k, v := range t.Permissions {
			cp.Permissions[k] = v
		}
	}
	s.st.tokens[t.Token] = &cp
	return t.Token
}

// RevokeToken makes a token invalid (later requests get 401 Bad credentials).
func (s *Server) RevokeToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.st.tokens, tok)
}

// Do runs fn under the server lock, for tests to inspect or mutate state.
func (s *Server) Do(fn func(st *State)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.st)
}

// Exchange is one request/response pair seen by the simulator.
// Status 0 means the connection was dropped without a response.
type Exchange struct {
	Seq    int
	Method string
	// Path is the path as sent (escaped, with any prefix): a branch
	// release/1.x in a {branch} parameter reads release%2F1.x, as
	// go-github sends it (url.PathEscape) and GitHub routes it; an
	// unescaped release/1.x there would be two path segments.
	Path       string
	Query      string
	Status     int
	ReqBody    []byte
	RespBody   []byte
	ReqHeader  http.Header
	RespHeader http.Header
	At         time.Time
	// Route is the pattern that served the request (as in Routes()), e.g.
	// "/repos/{owner}/{repo}/issues" or, for the alias form,
	// "/repositories/{repository_id}/issues"; "" when nothing matched or
	// the request was answered by an injected fault.
	Route string
}

// Log returns a copy of the exchanges so far. Authorization headers are redacted.
func (s *Server) Log() []Exchange {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return append([]Exchange(nil), s.log...)
}

// ResetLog clears the exchange log.
func (s *Server) ResetLog() {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.log = nil
}

func (s *Server) record(e Exchange) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.logSeq++
	e.Seq = s.logSeq
	if len(s.log) >= s.logLimit {
		// drop the oldest tenth at once (amortised O(1) per exchange)
		n := s.logLimit/10 + 1
		s.log = append(s.log[:0], s.log[min(n, len(s.log)):]...)
	}
	s.log = append(s.log, e)
}

// Route is one method + path pattern served by the simulator.
// OAuth is true for the device-flow endpoints on the web host, which are not
// part of GitHub's REST OpenAPI description; Alias is true for routes GitHub
// serves but its description does not list: GET /repositories/{repository_id}
// and the /repositories/{repository_id}/... forms its pagination links use,
// and GET /repos/{owner}/{repo}/git/refs/{ref} (the description only has
// git/ref/{ref} for reads).
type Route struct {
	Method  string
	Pattern string
	OAuth   bool
	Alias   bool
}

// publicPattern drops the "..." of multi-segment parameters ({path...} →
// {path}) so patterns read like GitHub's OpenAPI paths. Those parameters
// (contents path, git ref, compare basehead) may contain "/".
func publicPattern(p string) string { return strings.ReplaceAll(p, "...}", "}") }

// Routes lists every route served, in OpenAPI path syntax.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.routes {
		out = append(out, Route{Method: r.method, Pattern: publicPattern(r.pattern), OAuth: r.oauth, Alias: r.alias})
	}
	for _, a := range repositoryIDAliases {
		out = append(out, Route{Method: "GET", Pattern: "/repositories/{repository_id}" + a, Alias: true})
	}
	return out
}

// Unexercised lists the routes (as Routes gives them) that no exchange in
// the log reached with an answer below 500: what a test meant to drive
// every route has missed.
func (s *Server) Unexercised() []Route {
	seen := map[string]bool{}
	for _, e := range s.Log() {
		if e.Route != "" && e.Status < 500 {
			seen[e.Method+" "+e.Route] = true
		}
	}
	var out []Route
	for _, r := range s.Routes() {
		if !seen[r.Method+" "+r.Pattern] {
			out = append(out, r)
		}
	}
	return out
}

// ---- request context ----

type ctx struct {
	s      *Server
	st     *State
	r      *http.Request
	rt     *route
	p      map[string]string
	q      url.Values
	body   []byte
	tok    *TokenSpec
	user   *User
	base   string // scheme://host + prefix, no trailing slash
	web    string // scheme://host, for html_url
	status int
	hdr    http.Header
	out    []byte
	viaID  bool   // reached through /repositories/{id}/...
	route  string // matched pattern for the log
}

func (c *ctx) param(k string) string { return c.p[k] }

// query is query parameter k, or def when it is absent or empty.
func (c *ctx) query(k, def string) string {
	if v := c.q.Get(k); v != "" {
		return v
	}
	return def
}

func (c *ctx) json(status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	c.status = status
	c.hdr.Set("Content-Type", "application/json; charset=utf-8")
	c.out = b
}

func (c *ctx) noContent() { c.status = http.StatusNoContent; c.out = nil }

const docsRoot = "https://docs.github.com/rest"

func (c *ctx) errMsg(status int, msg, doc string) {
	if doc == "" {
		doc = docsRoot
	}
	c.json(status, obj{"message": msg, "documentation_url": doc})
}

func (c *ctx) notFound() { c.errMsg(404, "Not Found", docsRoot) }

// validation writes GitHub's 422 format:
// {"message":"Validation Failed","errors":[...],"documentation_url":...}
// (the @octokit/fixtures "errors" scenario; github-api.md §4.1).
func (c *ctx) validation(doc string, errs ...any) {
	if doc == "" {
		doc = docsRoot
	}
	if errs == nil {
		errs = []any{}
	}
	c.json(422, obj{"message": "Validation Failed", "errors": errs, "documentation_url": doc})
}

// validationSimple writes the 422 of operations whose description declares
// validation_failed_simple (e.g. repos/list-activities): errors are strings.
func (c *ctx) validationSimple(doc string, errs ...string) {
	if doc == "" {
		doc = docsRoot
	}
	if errs == nil {
		errs = []string{}
	}
	c.json(422, obj{"message": "Validation Failed", "errors": errs, "documentation_url": doc})
}

func (c *ctx) decode(v any) bool {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return true
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		c.errMsg(400, "Problems parsing JSON", docsRoot)
		return false
	}
	return true
}

type obj = map[string]any

// ---- routing ----

type handler func(c *ctx)

type route struct {
	method  string
	pattern string
	segs    []string
	h       handler
	auth    bool   // requires authentication
	scopes  string // X-Accepted-OAuth-Scopes
	fgPerm  string // fine-grained permission, e.g. "administration=write"
	noCount bool   // does not count against the rate limit
	oauth   bool   // device-flow endpoint (web host, not REST)
	alias   bool   // served by GitHub but absent from its OpenAPI description
}

func (rt *route) match(segs []string) (map[string]string, bool) {
	p := map[string]string{}
	for i, ps := range rt.segs {
		if strings.HasPrefix(ps, "{") && strings.HasSuffix(ps, "...}") {
			if i >= len(segs) {
				return nil, false
			}
			rest := make([]string, 0, len(segs)-i)
			for _, s := range segs[i:] {
				u, err := url.PathUnescape(s)
				if err != nil {
					return nil, false
				}
				rest = append(rest, u)
			}
			p[ps[1:len(ps)-4]] = strings.Join(rest, "/")
			return p, true
		}
		if i >= len(segs) {
			return nil, false
		}
		if strings.HasPrefix(ps, "{") {
			u, err := url.PathUnescape(segs[i])
			if err != nil || u == "" {
				return nil, false
			}
			p[ps[1:len(ps)-1]] = u
			continue
		}
		if ps != segs[i] {
			return nil, false
		}
	}
	if len(segs) != len(rt.segs) {
		return nil, false
	}
	return p, true
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// repositoryIDAliases are the /repositories/{id}/... forms served by
// rewriting to /repos/{owner}/{repo}/...: GitHub's Link headers use them
// (the @octokit/fixtures "paginate-issues" scenario).
var repositoryIDAliases = []string{"/issues", "/issues/{issue_number}/comments", "/commits", "/pulls", "/activity", "/collaborators", "/invitations", "/labels"}

// ---- ServeHTTP ----

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqBody, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	_ = r.Body.Close()
	at := s.now()
	ex := Exchange{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, ReqBody: reqBody, ReqHeader: redact(r.Header), At: at}

	// Faults are decided before the request is processed.
	dec := s.decideFault(r.URL.Path)
	if dec.latency > 0 {
		time.Sleep(dec.latency)
	}
	if dec.drop {
		s.record(ex)
		dropConn(w)
		return
	}
	if dec.status != 0 {
		c := &ctx{s: s, r: r, hdr: http.Header{}}
		s.writeFault(c, dec, ex.At)
		s.finish(w, r, c, &ex)
		return
	}

	c := s.process(r, reqBody)
	if dec.dropAfter {
		// Blackout: the request reached "GitHub" and was processed, then the
		// connection died before the response.
		ex.Route = c.route
		s.record(ex)
		dropConn(w)
		return
	}
	s.finish(w, r, c, &ex)
}

func (s *Server) finish(w http.ResponseWriter, r *http.Request, c *ctx, ex *Exchange) {
	h := w.Header()
	for k, v := range c.hdr {
		h[k] = v
	}
	ex.Status = c.status
	ex.Route = c.route
	ex.RespHeader = c.hdr.Clone()
	ex.RespBody = c.out
	s.record(*ex)
	w.WriteHeader(c.status)
	if c.status != http.StatusNotModified && c.status != http.StatusNoContent && r.Method != http.MethodHead {
		_, _ = w.Write(c.out)
	}
}

func redact(h http.Header) http.Header {
	h = h.Clone()
	if h.Get("Authorization") != "" {
		h.Set("Authorization", "[redacted]")
	}
	return h
}

func dropConn(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Not hijackable (HTTP/2, recorders): abort the handler; net/http closes
	// the connection without writing a response.
	panic(http.ErrAbortHandler)
}

func (s *Server) process(r *http.Request, reqBody []byte) *ctx {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqSeq++
	c := &ctx{s: s, st: s.st, r: r, body: reqBody, hdr: http.Header{}, q: r.URL.Query()}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	c.web = scheme + "://" + r.Host
	c.base = c.web + s.prefix
	c.hdr.Set("X-GitHub-Request-Id", fmt.Sprintf("SIM%04X:%06X", s.reqSeq>>16, s.reqSeq))

	path := r.URL.EscapedPath()
	if s.prefix != "" {
		if path == s.prefix || strings.HasPrefix(path, s.prefix+"/") {
			path = strings.TrimPrefix(path, s.prefix)
		} else if !IsOAuthPath(path) {
			c.notFound()
			return c
		}
	}
	segs := splitPath(path)
	// /repositories/{id}/... → /repos/{owner}/{repo}/...
	if len(segs) >= 2 && segs[0] == "repositories" {
		if id, err := strconv.ParseInt(segs[1], 10, 64); err == nil {
			if repo := s.st.reposByID[id]; repo != nil {
				if len(segs) == 2 {
					segs = []string{"repositories", segs[1]}
				} else {
					segs = append([]string{"repos", url.PathEscape(repo.Owner), url.PathEscape(repo.Name)}, segs[2:]...)
					c.viaID = true
				}
			}
		}
	}
	var rt *route
	var params map[string]string
	methodMismatch := false
	for _, cand := range s.routes {
		p, ok := cand.match(segs)
		if !ok {
			continue
		}
		if cand.method != r.Method && !(r.Method == http.MethodHead && cand.method == http.MethodGet) {
			methodMismatch = true
			continue
		}
		rt, params = cand, p
		break
	}
	if rt == nil {
		s.commonHeaders(c, nil)
		if methodMismatch {
			c.notFound() // GitHub answers unknown method+path with 404 (guess)
		} else {
			c.notFound()
		}
		return c
	}
	c.rt, c.p = rt, params
	c.route = publicPattern(rt.pattern)
	if c.viaID {
		c.route = "/repositories/{repository_id}" + strings.TrimPrefix(c.route, "/repos/{owner}/{repo}")
	}
	if rt.oauth {
		rt.h(c)
		return c
	}

	// Authentication: "Authorization: Bearer X" or "token X".
	if a := r.Header.Get("Authorization"); a != "" {
		f := strings.Fields(a)
		var tok string
		if len(f) == 2 && (strings.EqualFold(f[0], "bearer") || strings.EqualFold(f[0], "token")) {
			tok = f[1]
		}
		ts := s.st.tokens[tok]
		if ts == nil || s.st.User(ts.Login) == nil {
			s.commonHeaders(c, nil)
			c.errMsg(401, "Bad credentials", docsRoot)
			return c
		}
		c.tok, c.user = ts, s.st.User(ts.Login)
	}
	s.commonHeaders(c, rt)

	// Primary rate limit (rate-limit/get does not count; github-api.md §4.2).
	rw := s.rateFor(c)
	if !rt.noCount && rw.used >= rw.limit {
		s.rateHeaders(c, rw)
		msg := "API rate limit exceeded for " + clientDesc(c) + ". (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)"
		if c.user != nil {
			msg = fmt.Sprintf("API rate limit exceeded for user ID %d. If you reach out to GitHub Support for help, please include the request ID %s.", c.user.ID, c.hdr.Get("X-GitHub-Request-Id"))
		}
		c.errMsg(403, msg, "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")
		return c
	}
	if rt.auth && c.user == nil {
		c.errMsg(401, "Requires authentication", docsRoot)
	} else if c.checkFineGrained() {
		rt.h(c)
	}
	// ETag and conditional GET.
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && c.status == 200 {
		sum := sha256.Sum256(c.out)
		etag := `W/"` + hex.EncodeToString(sum[:16]) + `"`
		c.hdr.Set("ETag", etag)
		if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, etag) {
			c.status = http.StatusNotModified
			c.out = nil
		}
	}
	// A 304 does not count against the limit (GitHub docs, "Best practices
	// for using the REST API": conditional requests).
	if !rt.noCount && c.status != http.StatusNotModified {
		rw.used++
	}
	s.rateHeaders(c, rw)
	return c
}

func clientDesc(c *ctx) string {
	host := c.r.RemoteAddr
	if i := strings.LastIndex(host, ":"); i > 0 {
		host = host[:i]
	}
	return host
}

func etagMatch(inm, etag string) bool {
	strip := func(s string) string { return strings.TrimPrefix(strings.TrimSpace(s), "W/") }
	for _, part := range strings.Split(inm, ",") {
		if strings.TrimSpace(part) == "*" || strip(part) == strip(etag) {
			return true
		}
	}
	return false
}

func (s *Server) commonHeaders(c *ctx, rt *route) {
	c.hdr.Set("X-GitHub-Media-Type", "github.v3; format=json")
	c.hdr.Set("X-GitHub-Api-Version-Selected", "2022-11-28")
	c.hdr.Set("Content-Type", "application/json; charset=utf-8")
	if c.tok != nil && !c.tok.FineGrained {
		c.hdr.Set("X-OAuth-Scopes", strings.Join(c.tok.Scopes, ", "))
	}
	if rt != nil && c.tok != nil && !c.tok.FineGrained {
		c.hdr.Set("X-Accepted-OAuth-Scopes", rt.scopes)
	}
}

// checkFineGrained enforces a fine-grained token's permission map. Missing
// permission → 403 "Resource not accessible by personal access token" with
// X-Accepted-GitHub-Permissions (github-api.md §6; GitHub docs "Permissions
// required for fine-grained personal access tokens").
func (c *ctx) checkFineGrained() bool {
	if c.tok == nil || !c.tok.FineGrained || c.rt.fgPerm == "" {
		return true
	}
	c.hdr.Set("X-Accepted-GitHub-Permissions", c.rt.fgPerm)
	for _, alt := range strings.Split(c.rt.fgPerm, ";") {
		name, level, _ := strings.Cut(strings.TrimSpace(alt), "=")
		if permLevel(c.tok.Permissions[name]) >= permLevel(level) {
			return true
		}
	}
	c.errMsg(403, "Resource not accessible by personal access token", "https://docs.github.com/rest")
	return false
}

func permLevel(s string) int {
	switch s {
	case "read":
		return 1
	case "write":
		return 2
	case "admin":
		return 3
	}
	return 0
}

// hasScope reports whether the classic token carries scope (or a scope that
// implies it). Fine-grained tokens are checked by checkFineGrained instead.
func (c *ctx) hasScope(scope string) bool {
	if c.tok == nil {
		return false
	}
	if c.tok.FineGrained {
		return true
	}
	implied := map[string][]string{
		"repo":        {"repo"},
		"public_repo": {"public_repo", "repo"},
		"repo:invite": {"repo:invite", "repo"},
		"read:org":    {"read:org", "write:org", "admin:org"},
		"write:org":   {"write:org", "admin:org"},
		"user":        {"user"},
		"read:user":   {"read:user", "user"},
	}
	for _, have := range c.tok.Scopes {
		for _, ok := range implied[scope] {
			if have == ok {
				return true
			}
		}
	}
	return false
}

// ---- rate limit ----

type rateWindow struct {
	limit int
	used  int
	reset time.Time
}

func (s *Server) rateFor(c *ctx) *rateWindow {
	key, limit := "anon:"+clientDesc(c), 60
	if c.tok != nil {
		key, limit = "tok:"+c.tok.Token, s.perHour
	}
	now := s.now()
	rw := s.rates[key]
	if rw == nil || !now.Before(rw.reset) {
		rw = &rateWindow{limit: limit, reset: now.Add(time.Hour).Truncate(time.Second)}
		s.rates[key] = rw
	}
	return rw
}

func (s *Server) rateHeaders(c *ctx, rw *rateWindow) {
	rem := rw.limit - rw.used
	if rem < 0 {
		rem = 0
	}
	c.hdr.Set("X-RateLimit-Limit", strconv.Itoa(rw.limit))
	c.hdr.Set("X-RateLimit-Remaining", strconv.Itoa(rem))
	c.hdr.Set("X-RateLimit-Used", strconv.Itoa(rw.used))
	c.hdr.Set("X-RateLimit-Reset", strconv.FormatInt(rw.reset.Unix(), 10))
	c.hdr.Set("X-RateLimit-Resource", "core")
}

// ---- helpers shared by handlers ----

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func tsOrNil(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return ts(*t)
}

// writePage answers 200 with the requested page of items, each rendered by
// render, and sets the Link header (see paginate). An empty page is [], never null.
func writePage[T, R any](c *ctx, items []T, linkPath string, render func(T) R) {
	lo, hi := c.paginate(len(items), linkPath)
	out := make([]R, 0, hi-lo)
	for _, it := range items[lo:hi] {
		out = append(out, render(it))
	}
	c.json(200, out)
}

// created answers 201 with o and a Location header naming o's url, as
// GitHub's create operations do.
func (c *ctx) created(o obj) {
	c.hdr.Set("Location", o["url"].(string))
	c.json(201, o)
}

// paginate returns the page of n items and sets the Link header. linkPath is
// the path (under base) used in links, e.g. "/repositories/42/issues".
func (c *ctx) paginate(n int, linkPath string) (lo, hi int) {
	perPage, page := 30, 1
	if v := c.q.Get("per_page"); v != "" {
		i, err := strconv.Atoi(v)
		if err != nil || i < 1 {
			i = 30
		}
		perPage = min(i, 100)
	}
	if v := c.q.Get("page"); v != "" {
		i, err := strconv.Atoi(v)
		if err == nil && i >= 1 {
			page = i
		}
	}
	last := (n + perPage - 1) / perPage
	if last < 1 {
		last = 1
	}
	lo = min((page-1)*perPage, n)
	hi = min(lo+perPage, n)
	mk := func(p int) string {
		q := url.Values{}
		for k, v := range c.q {
			if k == "page" || k == "per_page" {
				continue
			}
			q[k] = v
		}
		q.Set("per_page", strconv.Itoa(perPage))
		q.Set("page", strconv.Itoa(p))
		return "<" + c.base + linkPath + "?" + encodeQuery(q) + ">"
	}
	var links []string
	if page > 1 {
		links = append(links, mk(page-1)+`; rel="prev"`)
	}
	if page < last {
		links = append(links, mk(page+1)+`; rel="next"`, mk(last)+`; rel="last"`)
	}
	if page > 1 {
		links = append(links, mk(1)+`; rel="first"`)
	}
	if len(links) > 0 {
		c.hdr.Set("Link", strings.Join(links, ", "))
	}
	return lo, hi
}

// encodeQuery keeps a stable key order with per_page and page last, like GitHub.
func encodeQuery(q url.Values) string {
	var keys []string
	for k := range q {
		if k != "per_page" && k != "page" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	keys = append(keys, "per_page", "page")
	var parts []string
	for _, k := range keys {
		for _, v := range q[k] {
			parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
		}
	}
	return strings.Join(parts, "&")
}

// Prefix is the base path set by WithPrefix ("" by default).
func (s *Server) Prefix() string { return s.prefix }
