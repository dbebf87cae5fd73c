package simtest

import (
	"net/http"
	"sync"
	"time"
)

// Barrier is an http.RoundTripper that holds each request until the
// expected number are in flight together (or Wait passes), then lets them
// all through. MaxInFlight then tells requests sent together from requests
// sent one after another without timing anything, so a "one round trip"
// claim can be tested on a loaded machine.
type Barrier struct {
	Next http.RoundTripper
	Wait time.Duration // how long a request waits for the others; generous, it only matters on failure

	mu       sync.Mutex
	n        int
	inflight int
	max      int
	full     chan struct{}
}

// NewBarrier wraps next; call Expect before each phase.
func NewBarrier(next http.RoundTripper) *Barrier {
	return &Barrier{Next: next, Wait: 10 * time.Second, full: make(chan struct{})}
}

// Expect starts a phase in which n requests are expected to travel together.
func (b *Barrier) Expect(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n, b.inflight, b.max, b.full = n, 0, 0, make(chan struct{})
}

// MaxInFlight is the most requests of this phase that were in flight at once.
func (b *Barrier) MaxInFlight() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.max
}

func (b *Barrier) RoundTrip(r *http.Request) (*http.Response, error) {
	b.mu.Lock()
	b.inflight++
	if b.inflight > b.max {
		b.max = b.inflight
	}
	full := b.full
	if b.inflight == b.n {
		close(full)
	}
	b.mu.Unlock()
	t := time.NewTimer(b.Wait)
	select {
	case <-full:
	case <-t.C:
	case <-r.Context().Done():
	}
	t.Stop()
	resp, err := b.Next.RoundTrip(r)
	b.mu.Lock()
	b.inflight--
	b.mu.Unlock()
	return resp, err
}
