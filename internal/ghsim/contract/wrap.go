package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Violation is one exchange that GitHub's description rejects.
type Violation struct {
	Method      string
	Path        string // as received (with any prefix)
	Query       string
	Status      int    // response status; 0 for request and routing violations found before the response
	OperationID string // "" when the path is unknown
	Phase       string // "route", "request" or "response"
	Err         string
}

func (v Violation) String() string {
	op := v.OperationID
	if op == "" {
		op = "no operation"
	}
	q := ""
	if v.Query != "" {
		q = "?" + v.Query
	}
	return fmt.Sprintf("contract: %s %s%s → %d (%s): %s violates GitHub's description: %s", v.Method, v.Path, q, v.Status, op, v.Phase, v.Err)
}

// ---- global statistics ----

var stats = struct {
	sync.Mutex
	ops       map[string]int
	exchanges int
}{ops: map[string]int{}}

func count(opID string) {
	stats.Lock()
	defer stats.Unlock()
	stats.ops[opID]++
	stats.exchanges++
	statsLog(opID)
}

// StatsDirEnv names a directory: when set, every validated exchange is also
// appended as one line (its operationId) to <dir>/<test binary>.<pid>.ops, so the count
// for a whole `go test ./...` (one process per package) can be summed:
//
//	GLASS_CONTRACT_STATS=/tmp/c go test ./... && cat /tmp/c/*.ops | wc -l
const StatsDirEnv = "GLASS_CONTRACT_STATS"

var statsFile struct {
	once sync.Once
	f    *os.File
}

// statsLog runs under stats' lock.
func statsLog(opID string) {
	statsFile.once.Do(func() {
		dir := os.Getenv(StatsDirEnv)
		if dir == "" {
			return
		}
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("%s.%d.ops", filepath.Base(os.Args[0]), os.Getpid())), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err == nil {
			statsFile.f = f
		}
	})
	if statsFile.f != nil {
		_, _ = fmt.Fprintln(statsFile.f, opID)
	}
}

// Stats returns how often each operationId was validated, and how many
// exchanges were validated in total, by every Wrap in this process.
func Stats() (ops map[string]int, exchanges int) {
	stats.Lock()
	defer stats.Unlock()
	ops = make(map[string]int, len(stats.ops))
	for k, v := range stats.ops {
		ops[k] = v
	}
	return ops, stats.exchanges
}

// Summary is a one-line report for TestMain.
func Summary() string {
	ops, n := Stats()
	return fmt.Sprintf("contract: validated %d exchanges across %d operations", n, len(ops))
}

// SummaryOps lists the validated operationIds with their counts, sorted.
func SummaryOps() string {
	ops, _ := Stats()
	ids := make([]string, 0, len(ops))
	for id := range ops {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "%6d %s\n", ops[id], id)
	}
	return b.String()
}

// ---- the validator ----

var options = &openapi3filter.Options{
	AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
	IncludeResponseStatus:             true,
	MultiError:                        true,
	RejectWhenRequestBodyNotSpecified: true,
	// Validation must never change what the handler or client sees.
	SkipSettingDefaults: true,
}

// IsOAuthPath mirrors ghsim.IsOAuthPath (a test checks they agree): the
// device-flow endpoints live on the web host and are not REST API.
func IsOAuthPath(path string) bool {
	return strings.HasSuffix(path, "/login/device/code") || strings.HasSuffix(path, "/login/oauth/access_token")
}

// Wrap validates every exchange through h against the description and calls
// report for each violation (it may be called concurrently). If h has a
// Prefix() string method (ghsim.Server), that prefix (e.g. /api/v3) is
// stripped before matching; hosts are never matched.
func Wrap(h http.Handler, report func(Violation)) http.Handler {
	spec := MustLoad()
	prefix := func() string { return "" }
	if p, ok := h.(interface{ Prefix() string }); ok {
		prefix = p.Prefix
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.EscapedPath()
		if IsOAuthPath(path) {
			h.ServeHTTP(w, r)
			return
		}
		if p := prefix(); p != "" && (path == p || strings.HasPrefix(path, p+"/")) {
			path = strings.TrimPrefix(path, p)
		}
		var body []byte
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
			_ = r.Body.Close()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		var rec *recorder
		serve := func() *recorder {
			rec = newRecorder(w)
			h.ServeHTTP(rec, r)
			return rec
		}
		// Report before the client sees the answer, so a violation always
		// lands in the test that caused it.
		for _, v := range spec.check(r, path, body, serve) {
			report(v)
		}
		if rec != nil {
			rec.flush()
		}
	})
}

// Check validates one recorded exchange, e.g. to replay a simulator's
// Log(). path is the escaped request path without any prefix (a branch
// "release/1.x" must arrive as release%2F1.x). OAuth paths are skipped.
func Check(method, path, rawQuery string, reqHeader http.Header, reqBody []byte, status int, respHeader http.Header, respBody []byte) []Violation {
	if IsOAuthPath(path) {
		return nil
	}
	target := path
	if rawQuery != "" {
		target += "?" + rawQuery
	}
	r, err := http.NewRequest(method, "http://api.github.com"+target, bytes.NewReader(reqBody))
	if err != nil {
		return []Violation{{Method: method, Path: path, Query: rawQuery, Status: status, Phase: "request", Err: err.Error()}}
	}
	if reqHeader != nil {
		r.Header = reqHeader.Clone()
	}
	serve := func() *recorder {
		rec := &recorder{header: respHeader.Clone(), status: status}
		if rec.header == nil {
			rec.header = http.Header{}
		}
		rec.body.Write(respBody)
		return rec
	}
	return MustLoad().check(r, path, reqBody, serve)
}

// check validates the request, lets serve produce the response, and
// validates that.
func (spec *Spec) check(r *http.Request, path string, body []byte, serve func() *recorder) []Violation {
	var out []Violation
	viol := func(phase, opID string, status int, err string) {
		out = append(out, Violation{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: status, OperationID: opID, Phase: phase, Err: err})
	}
	t, params, routeErr := spec.find(r.Method, path)
	if routeErr != "" {
		rec := serve()
		viol("route", "", rec.status, routeErr)
		return out
	}
	route := spec.route(t, r.Method)
	opID := route.Operation.OperationID

	// request
	vr := r.Clone(context.Background())
	vr.Body = io.NopCloser(bytes.NewReader(body))
	vr.URL.Path = path
	vr.URL.RawPath = ""
	in := &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route, Options: options}
	badRequest := false
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		if msg := requestGap(opID, r, body, in, err); msg != "" {
			viol("request", opID, 0, msg)
			badRequest = true
		}
	} else if msg := requestStricter(opID, body); msg != "" {
		viol("request", opID, 0, msg)
		badRequest = true
	}

	// response
	rec := serve()
	count(opID)
	if msg := validateResponse(route.Operation, t.path, opID, r, in, rec, badRequest); msg != "" {
		viol("response", opID, rec.status, msg)
	}
	return out
}

func validateResponse(op *openapi3.Operation, path, opID string, r *http.Request, in *openapi3filter.RequestValidationInput, rec *recorder, badRequest bool) string {
	declared := op.Responses.Status(rec.status) != nil
	if !declared && op.Responses.Default() == nil {
		// RFC 9110 range keys ("4XX") are not used by GitHub's description.
		if ok := undeclaredStatusGap(r, path, rec, badRequest); ok {
			return ""
		}
		return fmt.Sprintf("status %d is not declared for %s (declared: %s)", rec.status, opID, strings.Join(declaredStatuses(op), ", "))
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rec.status,
		Header:                 rec.header,
		Options:                options,
	}
	out.SetBodyBytes(rec.body.Bytes())
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return trim(err)
	}
	return ""
}

func declaredStatuses(op *openapi3.Operation) []string {
	var out []string
	for k := range op.Responses.Map() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// find matches method and path (prefix already stripped).
func (s *Spec) find(method, path string) (*tmpl, map[string]string, string) {
	raw := strings.Split(strings.Trim(path, "/"), "/")
	var pathOK bool
	for _, t := range s.routes {
		p := t.match(raw)
		if p == nil {
			continue
		}
		pathOK = true
		if t.item.GetOperation(method) != nil {
			return t, p, ""
		}
	}
	if pathOK {
		return nil, nil, fmt.Sprintf("method %s is not described for %s", method, path)
	}
	return nil, nil, fmt.Sprintf("path %s is not in GitHub's description (subset %s)", path, SubsetFile)
}

// trim shortens kin's multi-line errors (which embed whole schemas and
// values) to the lines that say what is wrong.
func trim(err error) string {
	var me openapi3.MultiError
	var parts []string
	if errors.As(err, &me) {
		for _, e := range me {
			parts = append(parts, trim1(e.Error()))
		}
	} else {
		parts = append(parts, trim1(err.Error()))
	}
	s := strings.Join(parts, "; ")
	if len(s) > 1500 {
		s = s[:1500] + "…"
	}
	return s
}

func trim1(s string) string {
	var keep []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "Schema:") || strings.HasPrefix(line, "Value:") {
			break
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, " ")
}

// ---- response recorder ----

type recorder struct {
	w      http.ResponseWriter
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder(w http.ResponseWriter) *recorder {
	return &recorder{w: w, header: http.Header{}, status: 0}
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func (r *recorder) flush() {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	h := r.w.Header()
	for k, v := range r.header {
		h[k] = v
	}
	r.w.WriteHeader(r.status)
	if r.body.Len() > 0 {
		_, _ = r.w.Write(r.body.Bytes())
	}
}
