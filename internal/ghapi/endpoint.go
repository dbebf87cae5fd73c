// Package ghapi builds the go-github client glass talks to GitHub with, and
// the HTTP transport under it: retries of transient failures, conditional
// requests, and a --debug trace that never shows a token.
package ghapi

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// DefaultHost is github.com; its REST API lives on api.github.com.
const DefaultHost = "github.com"

// Endpoint says where the REST API and the OAuth endpoints of one GitHub are.
type Endpoint struct {
	Host     string   // github.com, a GHES hostname, or the GLASS_API_URL host
	API      *url.URL // REST base, with a trailing slash
	OAuth    *url.URL // base for /login/device/code and /login/oauth/access_token
	Override bool     // set by GLASS_API_URL
}

// IsEnterprise reports whether tokens for this host come from the
// enterprise variables (GH_ENTERPRISE_TOKEN), following gh's convention.
func (e Endpoint) IsEnterprise() bool {
	h := strings.ToLower(e.Host)
	return !e.Override && h != "github.com" && h != "github.localhost" && !strings.HasSuffix(h, ".github.com")
}

// Resolve picks the endpoint from GLASS_API_URL, else the host (from
// --hostname or GH_HOST), else github.com. GHES hosts use
// https://HOST/api/v3/ (GitHub docs, "Getting started with the REST API" on
// GHES) and their own /login/ endpoints.
func Resolve(apiURL, host string) (Endpoint, error) {
	if apiURL != "" {
		u, err := url.Parse(apiURL)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return Endpoint{}, fmt.Errorf("GLASS_API_URL %q is not an http(s) URL", apiURL)
		}
		if u.Scheme == "http" && !isLoopback(u.Hostname()) {
			return Endpoint{}, fmt.Errorf("GLASS_API_URL %q uses plain http on a non-loopback host: tokens would travel unencrypted; use https", apiURL)
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		// The simulator and any GitHub-compatible fake serve the OAuth
		// endpoints beside the API.
		return Endpoint{Host: u.Host, API: u, OAuth: u, Override: true}, nil
	}
	host = strings.ToLower(strings.TrimSpace(host))
	if host == "" || host == DefaultHost || host == "api.github.com" {
		api, _ := url.Parse("https://api.github.com/")
		oauth, _ := url.Parse("https://github.com/")
		return Endpoint{Host: DefaultHost, API: api, OAuth: oauth}, nil
	}
	if strings.ContainsAny(host, "/: ") {
		return Endpoint{}, fmt.Errorf("invalid hostname %q: give a bare host such as github.example.com", host)
	}
	api, _ := url.Parse("https://" + host + "/api/v3/")
	oauth, _ := url.Parse("https://" + host + "/")
	// GHE.com data residency tenants serve the API on api.TENANT.ghe.com.
	if strings.HasSuffix(host, ".ghe.com") {
		api, _ = url.Parse("https://api." + host + "/")
	}
	return Endpoint{Host: host, API: api, OAuth: oauth}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
