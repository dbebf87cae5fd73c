package auth

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/glass-cli/glass/internal/ghapi"
)

// Config is the part of $GLASS_CONFIG_DIR/config.yml that auth reads:
//
//	oauth_client_id: Ov23li...        # for github.com
//	hosts:
//	  github.example.com:
//	    oauth_client_id: Ov23li...    # an OAuth App registered on that GHES
type Config struct {
	OAuthClientID string `yaml:"oauth_client_id"`
	Hosts         map[string]struct {
		OAuthClientID string `yaml:"oauth_client_id"`
	} `yaml:"hosts"`
}

// LoadConfig reads dir/config.yml; a missing file is an empty config.
func LoadConfig(dir string) (Config, error) {
	var c Config
	p := filepath.Join(dir, "config.yml")
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%s: %w", p, err)
	}
	return c, nil
}

// ClientID picks the OAuth App client id for ep: GLASS_OAUTH_CLIENT_ID,
// then the host's entry in config.yml, then the top-level one (github.com
// only), then, for a loopback GLASS_API_URL, the simulator's. It returns
// where the id came from.
func ClientID(getenv func(string) string, cfg Config, ep ghapi.Endpoint) (id, source string, err error) {
	if v := strings.TrimSpace(getenv("GLASS_OAUTH_CLIENT_ID")); v != "" {
		return v, "GLASS_OAUTH_CLIENT_ID", nil
	}
	if h, ok := cfg.Hosts[strings.ToLower(ep.Host)]; ok && h.OAuthClientID != "" {
		return h.OAuthClientID, "config.yml (hosts." + ep.Host + ")", nil
	}
	if cfg.OAuthClientID != "" && !ep.IsEnterprise() && !ep.Override {
		return cfg.OAuthClientID, "config.yml", nil
	}
	if ep.Override && isLoopbackHost(ep.API.Hostname()) {
		return SandboxClientID, "the sandbox's OAuth App", nil
	}
	return "", "", fmt.Errorf("no OAuth App client id for %s: set GLASS_OAUTH_CLIENT_ID or oauth_client_id in config.yml (docs/auth.md explains how to register one with the device flow enabled), or use `glass auth login --with-token`", ep.Host)
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
