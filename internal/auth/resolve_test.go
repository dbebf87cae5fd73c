package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gokeyring "github.com/zalando/go-keyring"

	"github.com/glass-cli/glass/internal/auth/keyring"
	"github.com/glass-cli/glass/internal/ghapi"
)

func mustEP(t *testing.T, host string) ghapi.Endpoint {
	ep, err := ghapi.Resolve("", host)
	if err != nil {
		t.Fatal(err)
	}
	return ep
}

func fakeGH(token string, err error, calls *[]string) *GHCLI {
	return &GHCLI{
		Getenv:   func(string) string { return "" },
		LookPath: func(string) (string, error) { return "/usr/bin/gh", nil },
		Run: func(ctx context.Context, path string, args ...string) ([]byte, error) {
			*calls = append(*calls, path+" "+strings.Join(args, " "))
			return []byte(token + "\n"), err
		},
	}
}

func TestPrecedence(t *testing.T) {
	stamp := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		host    string
		env     map[string]string
		keyring string // login stored in the keyring ("" none)
		file    string // login stored in the insecure file ("" none)
		gh      string // gh's token ("" none)
		want    string // source
		wantVal string
	}{
		{"GLASS_TOKEN wins over everything", "", map[string]string{"GLASS_TOKEN": "g", "GH_TOKEN": "h", "GITHUB_TOKEN": "i"}, "alice", "bob", "gh", "GLASS_TOKEN", "g"},
		{"GH_TOKEN over GITHUB_TOKEN", "", map[string]string{"GH_TOKEN": "h", "GITHUB_TOKEN": "i"}, "alice", "", "gh", "GH_TOKEN", "h"},
		{"GITHUB_TOKEN over stored", "", map[string]string{"GITHUB_TOKEN": "i"}, "alice", "", "gh", "GITHUB_TOKEN", "i"},
		{"blank variables are not set", "", map[string]string{"GH_TOKEN": "  "}, "alice", "", "", SourceKeyring, "tok-alice"},
		{"file over keyring", "", nil, "alice", "bob", "gh", SourceFile, "tok-bob"},
		{"keyring over gh", "", nil, "alice", "", "gh", SourceKeyring, "tok-alice"},
		{"gh last", "", nil, "", "", "gh", SourceGH, "gh"},
		{"enterprise ignores GH_TOKEN", "ghe.example.com", map[string]string{"GH_TOKEN": "h"}, "", "", "", "", ""},
		{"enterprise takes GH_ENTERPRISE_TOKEN", "ghe.example.com", map[string]string{"GH_TOKEN": "h", "GITHUB_ENTERPRISE_TOKEN": "j", "GH_ENTERPRISE_TOKEN": "e"}, "", "", "", "GH_ENTERPRISE_TOKEN", "e"},
		{"enterprise GITHUB_ENTERPRISE_TOKEN", "ghe.example.com", map[string]string{"GITHUB_ENTERPRISE_TOKEN": "j"}, "alice", "", "", "GITHUB_ENTERPRISE_TOKEN", "j"},
		{"GLASS_TOKEN on enterprise", "ghe.example.com", map[string]string{"GLASS_TOKEN": "g", "GH_ENTERPRISE_TOKEN": "e"}, "", "", "", "GLASS_TOKEN", "g"},
		{"nothing", "", nil, "", "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ep := mustEP(t, tc.host)
			dir := t.TempDir()
			st := &Storage{Keyring: &keyring.File{Path: filepath.Join(dir, "kr.json")}, File: &FileStore{Path: filepath.Join(dir, "hosts.json")}}
			if tc.keyring != "" {
				if _, err := st.Save(ep.Host, Entry{Token: "tok-" + tc.keyring, Login: tc.keyring, StoredAt: stamp}, false); err != nil {
					t.Fatal(err)
				}
			}
			if tc.file != "" {
				if err := st.File.Put(ep.Host, Entry{Token: "tok-" + tc.file, Login: tc.file, StoredAt: stamp}); err != nil {
					t.Fatal(err)
				}
			}
			var calls []string
			var ghErr error
			if tc.gh == "" {
				ghErr = errors.New("exit status 1")
			}
			r := &Resolver{Getenv: func(k string) string { return tc.env[k] }, Store: st, GH: fakeGH(tc.gh, ghErr, &calls)}
			tok, checks, err := r.Explain(context.Background(), ep)
			if tc.want == "" {
				if !errors.Is(err, ErrNoToken) {
					t.Fatalf("err = %v, want ErrNoToken", err)
				}
				return
			}
			if err != nil || tok.Source != tc.want || tok.Value != tc.wantVal {
				t.Fatalf("got %s (%v), want %s", tok.Source, err, tc.want)
			}
			if (tok.Source == SourceKeyring || tok.Source == SourceFile) && (tok.Login == "" || !tok.StoredAt.Equal(stamp)) {
				t.Errorf("stored token without login/time: %+v", tok.Login)
			}
			used := 0
			for _, c := range checks {
				if c.Used {
					used++
					if c.Source != tc.want {
						t.Errorf("check %s marked used", c.Source)
					}
				}
			}
			if used != 1 {
				t.Errorf("%d checks used", used)
			}
			// Resolve stops at the first source: gh runs only when needed.
			calls = nil
			tok2, err := r.Resolve(context.Background(), ep)
			if err != nil || tok2.Source != tc.want {
				t.Fatalf("Resolve = %s, %v", tok2.Source, err)
			}
			if tc.want != SourceGH && len(calls) != 0 {
				t.Errorf("Resolve ran gh although %s had a token", tc.want)
			}
			if tc.want == SourceGH && (len(calls) != 1 || calls[0] != "/usr/bin/gh auth token --hostname "+ep.Host) {
				t.Errorf("gh calls = %q", calls)
			}
		})
	}
}

func TestTokenNeverFormatsItsValue(t *testing.T) {
	tok := Token{Value: "ghp_FAKEtoken0123456789abcdefSECRET", Source: "GH_TOKEN"}
	for _, s := range []string{tok.String(), tok.GoString(), fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok)} {
		if strings.Contains(s, "SECRET") {
			t.Errorf("%q shows the token", s)
		}
	}
}

func TestGHCLI(t *testing.T) {
	var calls []string
	// GH_PATH wins over PATH.
	g := fakeGH("gho_fromgh", nil, &calls)
	g.Getenv = func(k string) string { return map[string]string{"GH_PATH": "/opt/gh"}[k] }
	g.LookPath = func(string) (string, error) { t.Error("looked up gh on PATH despite GH_PATH"); return "", nil }
	if v, _ := g.Token(context.Background(), "github.com"); v != "gho_fromgh" || calls[0] != "/opt/gh auth token --hostname github.com" {
		t.Fatalf("v=%q calls=%q", v, calls)
	}
	// No gh: skipped quietly.
	g = &GHCLI{Getenv: func(string) string { return "" }, LookPath: func(string) (string, error) { return "", exec.ErrNotFound }}
	if v, note := g.Token(context.Background(), "github.com"); v != "" || note != "gh is not installed" {
		t.Fatalf("v=%q note=%q", v, note)
	}
	// GH_PATH to nothing: skipped quietly, through the real runner.
	g = &GHCLI{Getenv: func(string) string { return filepath.Join(t.TempDir(), "gh") }}
	if v, note := g.Token(context.Background(), "github.com"); v != "" || !strings.Contains(note, "not installed") {
		t.Fatalf("v=%q note=%q", v, note)
	}
	// gh without a login.
	g = fakeGH("", errors.New("exit status 1"), &calls)
	if v, note := g.Token(context.Background(), "ghe.example.com"); v != "" || note != "gh has no login for ghe.example.com" {
		t.Fatalf("v=%q note=%q", v, note)
	}
}

func TestStorageNeverFallsBackSilently(t *testing.T) {
	dir := t.TempDir()
	st := &Storage{Keyring: &keyring.File{Path: "unavailable"}, File: &FileStore{Path: filepath.Join(dir, "glass", "hosts.json")}}
	_, err := st.Save("github.com", Entry{Token: "gho_x", Login: "alice"}, false)
	var nk *NoKeyringError
	if !errors.As(err, &nk) || !errors.Is(err, keyring.ErrUnavailable) || !strings.Contains(err.Error(), "--insecure-storage") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(st.File.Path); !os.IsNotExist(err) {
		t.Fatalf("the file was written without --insecure-storage")
	}
	where, err := st.Save("github.com", Entry{Token: "gho_x", Login: "alice"}, true)
	if err != nil || !strings.Contains(where, "hosts.json") {
		t.Fatalf("insecure Save: %q %v", where, err)
	}
	fi, err := os.Stat(st.File.Path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v %v", fi.Mode(), err)
	}
	di, _ := os.Stat(filepath.Dir(st.File.Path))
	if di.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", di.Mode())
	}
	e, src, note, err := st.Load("GitHub.com")
	if err != nil || src != SourceFile || e.Login != "alice" || note != "" {
		t.Fatalf("Load = %+v %q %q %v", e.Login, src, note, err)
	}
	removed, err := st.Delete("github.com")
	if len(removed) != 1 || err == nil { // the keyring is still unavailable
		t.Fatalf("Delete = %q, %v", removed, err)
	}
	if _, err := os.Stat(st.File.Path); !os.IsNotExist(err) {
		t.Fatalf("the file outlived its last entry")
	}
}

// The real wrapper over go-keyring's mock: one entry per host, JSON with
// the login and time; an unavailable keyring does not break resolution.
func TestStorageWithGoKeyringMock(t *testing.T) {
	if os.Getenv("GLASS_TEST_SECRET_SERVICE") == "1" {
		t.Skip("real Secret Service run")
	}
	gokeyring.MockInit()
	dir := t.TempDir()
	st := &Storage{Keyring: keyring.System{}, File: &FileStore{Path: filepath.Join(dir, "hosts.json")}}
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if _, err := st.Save("github.com", Entry{Token: "gho_a", Login: "alice", StoredAt: at}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Save("ghe.example.com", Entry{Token: "gho_b", Login: "bob", StoredAt: at}, false); err != nil {
		t.Fatal(err)
	}
	raw, err := gokeyring.Get("glass:github.com", "token")
	if err != nil || !strings.Contains(raw, `"login":"alice"`) || !strings.Contains(raw, `"stored_at":"2026-11-23T10:00:00Z"`) {
		t.Fatalf("raw entry %q %v", raw, err)
	}
	e, src, _, _ := st.Load("ghe.example.com")
	if e.Token != "gho_b" || src != SourceKeyring {
		t.Fatalf("Load = %q %q", e.Login, src)
	}
	if removed, err := st.Delete("github.com"); err != nil || len(removed) != 1 {
		t.Fatalf("Delete = %q %v", removed, err)
	}
	if e, src, _, _ := st.Load("github.com"); src != "" || e.Token != "" {
		t.Fatalf("after Delete: %q", src)
	}

	gokeyring.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	defer gokeyring.MockInit()
	r := &Resolver{Getenv: func(k string) string { return map[string]string{"GH_TOKEN": "h"}[k] }, Store: st}
	tok, checks, err := r.Explain(context.Background(), mustEP(t, ""))
	if err != nil || tok.Source != "GH_TOKEN" {
		t.Fatalf("Explain = %s %v", tok.Source, err)
	}
	last := checks[len(checks)-1]
	if last.Source != SourceKeyring || !strings.Contains(last.Note, "org.freedesktop.secrets") {
		t.Errorf("keyring check = %+v", last)
	}
}
