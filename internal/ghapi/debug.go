package ghapi

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// debugTransport writes a trace of each exchange for --debug. Headers that
// carry credentials are dropped and bodies pass through Redact, because a
// device-flow response body contains the new token.
type debugTransport struct {
	next    http.RoundTripper
	w       io.Writer
	secrets []string
	mu      sync.Mutex
}

const maxTraceBody = 4 << 10

var secretHeaders = map[string]bool{"Authorization": true, "Cookie": true, "Set-Cookie": true, "Proxy-Authorization": true}

func (t *debugTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	var reqBody []byte
	if r.GetBody != nil {
		if rc, err := r.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(io.LimitReader(rc, maxTraceBody))
			rc.Close()
		}
	}
	resp, err := t.next.RoundTrip(r)
	var b strings.Builder
	fmt.Fprintf(&b, "* %s %s\n", r.Method, r.URL.Redacted())
	writeHeaders(&b, "> ", r.Header)
	if len(reqBody) > 0 {
		fmt.Fprintf(&b, "> %s\n", reqBody)
	}
	if err != nil {
		fmt.Fprintf(&b, "< error after %s: %v\n", time.Since(start).Round(time.Millisecond), err)
	} else {
		fmt.Fprintf(&b, "< %s (%s)\n", resp.Status, time.Since(start).Round(time.Millisecond))
		writeHeaders(&b, "< ", resp.Header)
		if resp.Body != nil {
			body, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			if rerr == nil && len(body) > 0 {
				if len(body) > maxTraceBody {
					body = append(body[:maxTraceBody:maxTraceBody], []byte("…")...)
				}
				fmt.Fprintf(&b, "< %s\n", body)
			}
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	io.WriteString(t.w, Redact(b.String(), t.secrets...))
	return resp, err
}

func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if secretHeaders[http.CanonicalHeaderKey(k)] {
			fmt.Fprintf(b, "%s%s: %s\n", prefix, k, Redacted)
			continue
		}
		fmt.Fprintf(b, "%s%s: %s\n", prefix, k, strings.Join(h[k], ", "))
	}
}
