package contract

import (
	"net/http"
	"testing"
)

// ForTest returns a middleware that validates every exchange and fails t
// (t.Errorf, so the test that caused it fails and goes on) for each
// violation, naming method, path, status, operationId and the error.
func ForTest(t testing.TB) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return Wrap(h, func(v Violation) {
			t.Helper()
			t.Errorf("%s", v)
		})
	}
}
