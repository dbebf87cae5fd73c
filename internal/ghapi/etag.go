package ghapi

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httputil"
	"os"
	"path/filepath"
	"sync"

	"github.com/google/go-github/v60/github"
)

// Cache stores the last 200 response of a GET by key, for conditional
// requests. GitHub answers If-None-Match with 304 and does not count it
// against the primary rate limit ("Best practices for using the REST API":
// "Use conditional requests if appropriate").
type Cache interface {
	Get(key string) ([]byte, bool)
	Set(key string, resp []byte)
}

// MemoryCache is a Cache for one process.
type MemoryCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (c *MemoryCache) Get(k string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[k]
	return b, ok
}

func (c *MemoryCache) Set(k string, v []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][]byte{}
	}
	c.m[k] = v
}

// DirCache keeps responses in files so that a repeated `glass sweep` or
// `glass status` costs a 304. Keys are hashes that include a hash of the
// token, so one user's cached answers never serve another; files are 0600.
type DirCache struct{ Dir string }

func (c DirCache) path(k string) string { return filepath.Join(c.Dir, k) }

func (c DirCache) Get(k string) ([]byte, bool) {
	b, err := os.ReadFile(c.path(k))
	return b, err == nil
}

func (c DirCache) Set(k string, v []byte) {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return
	}
	tmp := c.path(k) + ".tmp"
	if os.WriteFile(tmp, v, 0o600) == nil {
		os.Rename(tmp, c.path(k))
	}
}

type etagTransport struct {
	next    http.RoundTripper
	cache   Cache
	keySalt string
}

func newETagTransport(next http.RoundTripper, c Cache, token string) *etagTransport {
	if c == nil {
		c = &MemoryCache{}
	}
	h := sha256.Sum256([]byte("glass-etag:" + token))
	return &etagTransport{next: next, cache: c, keySalt: hex.EncodeToString(h[:8])}
}

// cacheKey is where the answer to r is kept (salted with the token).
func cacheKey(salt string, r *http.Request) string {
	h := sha256.Sum256([]byte(salt + " " + r.Header.Get("Accept") + " " + r.URL.String()))
	return hex.EncodeToString(h[:])
}

// CachedLogin is the login in the last answer to GET /user that gh (a
// client from NewClient with cache c and token) kept, or "" when there is
// none. No request is made. It is a hint, not an identity: the token may
// have been rotated to another account since; callers check it against a
// fresh GET /user.
func CachedLogin(gh *github.Client, c Cache, token string) string {
	if c == nil {
		return ""
	}
	req, err := gh.NewRequest(http.MethodGet, "user", nil)
	if err != nil {
		return ""
	}
	salt := newETagTransport(nil, c, token).keySalt
	b, ok := c.Get(cacheKey(salt, req))
	if !ok {
		return ""
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var u struct {
		Login string `json:"login"`
	}
	if json.NewDecoder(resp.Body).Decode(&u) != nil {
		return ""
	}
	return u.Login
}

// CacheHeader marks a response served from the conditional-request cache
// after GitHub answered 304.
const CacheHeader = "X-Glass-Cache"

func (t *etagTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method != http.MethodGet || r.Header.Get("If-None-Match") != "" {
		return t.next.RoundTrip(r)
	}
	key := cacheKey(t.keySalt, r)
	cached, haveCached := t.cache.Get(key)
	var prev *http.Response
	if haveCached {
		if p, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(cached)), r); err == nil {
			prev = p
			if et := p.Header.Get("ETag"); et != "" {
				r = r.Clone(r.Context())
				r.Header.Set("If-None-Match", et)
			}
		}
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusNotModified && prev != nil {
		resp.Body.Close()
		prev.Header.Set(CacheHeader, "hit")
		// Keep the fresh rate-limit headers: the 304 is the current truth.
		for _, k := range []string{"X-Ratelimit-Remaining", "X-Ratelimit-Reset", "X-Ratelimit-Used", "X-Ratelimit-Limit"} {
			if v := resp.Header.Get(k); v != "" {
				prev.Header.Set(k, v)
			}
		}
		return prev, nil
	}
	if resp.StatusCode == http.StatusOK && resp.Header.Get("ETag") != "" {
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr != nil {
			return nil, rerr
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		snap := *resp
		snap.Body = io.NopCloser(bytes.NewReader(body))
		snap.ContentLength = int64(len(body))
		snap.TransferEncoding = nil
		if dump, derr := httputil.DumpResponse(&snap, true); derr == nil {
			t.cache.Set(key, dump)
		}
	}
	return resp, nil
}
