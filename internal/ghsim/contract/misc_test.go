package contract_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/glass-cli/glass/internal/ghsim/contract"
)

// fakeTB records Errorf calls instead of failing.
type fakeTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

// TestForTestFailsTheTest: a violation reaches t.Errorf with method, path,
// status, operationId and the error, before the client sees the answer.
func TestForTestFailsTheTest(t *testing.T) {
	ft := &fakeTB{TB: t}
	h := contract.ForTest(ft)(canned{status: 200, body: `{"id":"not-a-number"}`})
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/repos/acme/audit/labels/glass")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if len(ft.errs) != 1 {
		t.Fatalf("Errorf calls = %q, want 1", ft.errs)
	}
	for _, want := range []string{"GET", "/repos/acme/audit/labels/glass", "200", "issues/get-label", "response"} {
		if !strings.Contains(ft.errs[0], want) {
			t.Errorf("report %q lacks %q", ft.errs[0], want)
		}
	}
}

// TestCheckReplay: Check validates a recorded exchange (for replaying a
// simulator log) the same way Wrap does.
func TestCheckReplay(t *testing.T) {
	h := http.Header{"Content-Type": {"application/json"}}
	if v := contract.Check("GET", "/repos/acme/audit/labels/glass", "", nil, nil, 200, h, []byte(label)); len(v) != 0 {
		t.Errorf("valid exchange: %v", v)
	}
	if v := contract.Check("GET", "/repos/acme/audit/labels/glass", "", nil, nil, 200, h, []byte(`{"name":1}`)); len(v) != 1 || v[0].Phase != "response" {
		t.Errorf("invalid response: %v", v)
	}
	if v := contract.Check("GET", "/repos/acme/audit/issues", "state=bogus", nil, nil, 200, h, []byte(`[]`)); len(v) != 1 || v[0].Phase != "request" {
		t.Errorf("invalid query: %v", v)
	}
	if v := contract.Check("POST", "/login/device/code", "", nil, nil, 200, h, []byte(`x`)); len(v) != 0 {
		t.Errorf("oauth: %v", v)
	}
}

// TestSubsetMatchesOperationsList: the committed subset holds exactly the
// operations listed in operations.txt (regenerate with update.sh).
func TestSubsetMatchesOperationsList(t *testing.T) {
	f, err := os.Open(filepath.Join(contract.ModuleRoot(), "testdata/openapi/operations.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if line = strings.TrimSpace(line); line != "" {
			want[line] = true
		}
	}
	spec, err := contract.Load()
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := contract.Load(); again != spec {
		t.Error("Load is not cached")
	}
	got := map[string]bool{}
	for _, op := range spec.Operations() {
		if op.Gap == "" {
			got[op.OperationID] = true
		}
	}
	var missing, extra []string
	for id := range want {
		if !got[id] {
			missing = append(missing, id)
		}
	}
	for id := range got {
		if !want[id] {
			extra = append(extra, id)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing)+len(extra) > 0 {
		t.Errorf("subset is stale (run testdata/openapi/update.sh): missing %v, extra %v", missing, extra)
	}
	t.Logf("subset: %d operations", len(got))
}
