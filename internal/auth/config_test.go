package auth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/glass-cli/glass/internal/ghapi"
)

func TestClientID(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.yml"), []byte("oauth_client_id: Ov23liDOTCOM\nhosts:\n  ghe.example.com:\n    oauth_client_id: Ov23liGHES\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	sim, _ := ghapi.Resolve("http://127.0.0.1:8787/", "")
	remote, _ := ghapi.Resolve("https://proxy.example.com/", "")
	for _, tc := range []struct {
		name, env string
		ep        ghapi.Endpoint
		cfg       Config
		want      string
	}{
		{"env wins", "Ov23liENV", mustEP(t, "ghe.example.com"), cfg, "Ov23liENV"},
		{"host entry", "", mustEP(t, "ghe.example.com"), cfg, "Ov23liGHES"},
		{"top level for github.com", "", mustEP(t, ""), cfg, "Ov23liDOTCOM"},
		{"top level is not for another GHES", "", mustEP(t, "other.example.com"), cfg, ""},
		{"sandbox on loopback", "", sim, Config{}, SandboxClientID},
		{"no sandbox id for a remote GLASS_API_URL", "", remote, Config{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, _, err := ClientID(func(k string) string { return map[string]string{"GLASS_OAUTH_CLIENT_ID": tc.env}[k] }, tc.cfg, tc.ep)
			if id != tc.want {
				t.Fatalf("id = %q (%v), want %q", id, err, tc.want)
			}
			if tc.want == "" && (err == nil || !strings.Contains(err.Error(), "docs/auth.md")) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if _, err := LoadConfig(t.TempDir()); err != nil {
		t.Errorf("a missing config.yml: %v", err)
	}
}
