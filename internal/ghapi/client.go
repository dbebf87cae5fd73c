package ghapi

import (
	"io"
	"net/http"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/build"
)

// Options configures a client.
type Options struct {
	Endpoint  Endpoint
	Token     string
	Debug     io.Writer         // --debug trace destination; nil for none
	Transport http.RoundTripper // base transport; nil for a tuned default
	Retry     RetryPolicy
	Cache     Cache               // conditional-request cache; nil for an in-memory one
	Sleep     func(time.Duration) // injected for tests; nil means time.Sleep
}

// NewHTTPClient returns the HTTP client glass uses for every GitHub request.
// A request passes auth → conditional-request cache → retry → debug trace →
// network: the trace is innermost so it shows every attempt as it really
// went over the wire (redacted), including retries and 304s.
func NewHTTPClient(o Options) *http.Client {
	base := o.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Reuse connections: glass runs independent reads in parallel.
		t.MaxIdleConnsPerHost = 16
		base = t
	}
	var rt http.RoundTripper = base
	if o.Debug != nil {
		rt = &debugTransport{next: rt, w: o.Debug, secrets: []string{o.Token}}
	}
	rt = &retryTransport{next: rt, policy: o.Retry.withDefaults(), sleep: o.Sleep}
	rt = newETagTransport(rt, o.Cache, o.Token)
	if o.Token != "" {
		rt = &authTransport{next: rt, token: o.Token}
	}
	return &http.Client{Transport: rt, Timeout: 60 * time.Second}
}

// NewClient returns a go-github client for the endpoint. The base URL is
// set directly: go-github's WithEnterpriseURLs would append api/v3/ to a
// GLASS_API_URL that does not end in it (go-github v60 github.go).
func NewClient(o Options) *github.Client {
	c := github.NewClient(NewHTTPClient(o))
	c.BaseURL = o.Endpoint.API
	c.UploadURL = o.Endpoint.API
	v, _ := build.Info()
	c.UserAgent = "glass/" + v
	return c
}

type authTransport struct {
	next  http.RoundTripper
	token string
}

func (t *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+t.token)
	}
	return t.next.RoundTrip(r)
}
