package drill

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Receiver is a local webhook receiver: `glass drill --sandbox` points the
// drill's webhook at it, so time_to_alert covers a real HTTP delivery
// without any outside service. It answers 200 and records when each
// delivery arrived, by the drill's clock.
type Receiver struct {
	URL string

	now  func() time.Time
	srv  *http.Server
	ln   net.Listener
	mu   sync.Mutex
	got  []Arrival
	wake chan struct{}
}

// Arrival is one delivery the receiver saw.
type Arrival struct {
	At    time.Time
	Event string // X-Glass-Event
	ID    string // X-Glass-Delivery
	Body  []byte
}

// StartReceiver listens on a loopback port.
func StartReceiver(now func() time.Time) (*Receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &Receiver{URL: "http://" + ln.Addr().String() + "/drill", now: now, ln: ln, wake: make(chan struct{}, 1)}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	a := Arrival{At: r.now(), Event: req.Header.Get("X-Glass-Event"), ID: req.Header.Get("X-Glass-Delivery"), Body: body}
	r.mu.Lock()
	r.got = append(r.got, a)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusOK)
}

// Arrivals returns every delivery so far, in order.
func (r *Receiver) Arrivals() []Arrival {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Arrival(nil), r.got...)
}

// first returns the first arrival of event kind about override id
// (the generic payload's override_id).
func (r *Receiver) first(kind, id string) (Arrival, bool) {
	for _, a := range r.Arrivals() {
		var p struct {
			OverrideID string `json:"override_id"`
		}
		if a.Event == kind && json.Unmarshal(a.Body, &p) == nil && p.OverrideID == id {
			return a, true
		}
	}
	return Arrival{}, false
}

// Close stops the receiver.
func (r *Receiver) Close() error { return r.srv.Close() }
