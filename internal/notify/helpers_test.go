package notify_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// blockingServer answers only once release is closed (or the client gives up).
func blockingServer(t *testing.T, release <-chan struct{}) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
