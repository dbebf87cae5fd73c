// Package notifytest is a local webhook receiver for tests: an httptest
// server that records every delivery and can be told to fail.
package notifytest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Delivery is one request the receiver saw.
type Delivery struct {
	Attempt int // 1-based count of requests received so far
	Status  int // what the receiver answered
	Header  http.Header
	Body    []byte
}

// Receiver records webhook deliveries.
type Receiver struct {
	// URL is the receiver's address; put it in the environment variable a
	// target names. Paths are accepted, so URL+"/services/T/B/secret" works.
	URL string

	srv        *httptest.Server
	mu         sync.Mutex
	failFirst  int
	failStatus int
	retryAfter string
	got        []Delivery
}

// NewReceiver starts a receiver that answers 200 and closes it when the
// test ends.
func NewReceiver(t testing.TB) *Receiver {
	t.Helper()
	r := &Receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	r.URL = r.srv.URL
	t.Cleanup(r.srv.Close)
	return r
}

// FailFirst makes the next n requests fail with 500.
func (r *Receiver) FailFirst(n int) { r.FailFirstWith(n, http.StatusInternalServerError, "") }

// FailFirstWith makes the next n requests fail with status, sending
// Retry-After: retryAfter when it is not empty.
func (r *Receiver) FailFirstWith(n, status int, retryAfter string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failFirst, r.failStatus, r.retryAfter = n, status, retryAfter
}

// Deliveries returns every request received so far, in order.
func (r *Receiver) Deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.got...)
}

// Delivered returns the bodies of the requests answered with 2xx.
func (r *Receiver) Delivered() [][]byte {
	var out [][]byte
	for _, d := range r.Deliveries() {
		if d.Status < 300 {
			out = append(out, d.Body)
		}
	}
	return out
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	r.mu.Lock()
	status := http.StatusOK
	if r.failFirst > 0 {
		r.failFirst--
		status = r.failStatus
		if r.retryAfter != "" {
			w.Header().Set("Retry-After", r.retryAfter)
		}
	}
	r.got = append(r.got, Delivery{Attempt: len(r.got) + 1, Status: status, Header: req.Header.Clone(), Body: body})
	r.mu.Unlock()
	w.WriteHeader(status)
}

// Start starts a receiver outside a Go test (the testscript harness, a
// demo); Close stops it.
func Start() *Receiver {
	r := &Receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	r.URL = r.srv.URL
	return r
}

// Close stops a receiver made by Start.
func (r *Receiver) Close() { r.srv.Close() }
