package keyring

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	gokeyring "github.com/zalando/go-keyring"
)

// realSecretService is set by .ci/keyring-test.sh, which runs this package
// under dbus-run-session with an unlocked gnome-keyring. go-keyring's mock
// is process-global, so the mock-based tests stay out of such a run.
func realSecretService() bool { return os.Getenv("GLASS_TEST_SECRET_SERVICE") == "1" }

func skipIfReal(t *testing.T) {
	if realSecretService() {
		t.Skip("GLASS_TEST_SECRET_SERVICE=1: go-keyring's mock would replace the real Secret Service")
	}
}

// roundTrip stores, reads and deletes one entry, as glass does per host.
func roundTrip(t *testing.T, s Store) {
	t.Helper()
	service := fmt.Sprintf("glass-test:%d", time.Now().UnixNano())
	const secret = `{"token":"gho_TESTtesttesttest","login":"alice","stored_at":"2026-11-23T10:00:00Z"}`
	if _, err := s.Get(service, "token"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get before Set: %v, want ErrNotFound", err)
	}
	if err := s.Set(service, "token", secret); err != nil {
		t.Fatalf("Set: %v", err)
	}
	got, err := s.Get(service, "token")
	if err != nil || got != secret {
		t.Fatalf("Get = %q, %v; want the stored secret", got, err)
	}
	if err := s.Set(service, "token", secret+" "); err != nil { // overwrite, not a second item
		t.Fatalf("Set again: %v", err)
	}
	if got, _ := s.Get(service, "token"); got != secret+" " {
		t.Fatalf("Get after overwrite = %q", got)
	}
	if err := s.Delete(service, "token"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(service, "token"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(service, "token"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Delete twice: %v, want ErrNotFound", err)
	}
}

// TestSecretService goes through a real Secret Service when
// GLASS_TEST_SECRET_SERVICE=1 (.ci/keyring-test.sh), and through
// go-keyring's in-memory mock everywhere else.
func TestSecretService(t *testing.T) {
	if !realSecretService() {
		gokeyring.MockInit()
	}
	roundTrip(t, System{Timeout: 10 * time.Second})
}

func TestUnavailableWrapsAnyOtherError(t *testing.T) {
	skipIfReal(t)
	// What go-keyring returns on a headless Linux box (github-api.md §8).
	raw := errors.New(`exec: "dbus-launch": executable file not found in $PATH`)
	gokeyring.MockInitWithError(raw)
	defer gokeyring.MockInit()
	s := System{}
	_, err := s.Get("glass:github.com", "token")
	if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNotFound) {
		t.Fatalf("Get: %v, want ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), "dbus-launch") {
		t.Errorf("the cause is lost: %v", err)
	}
	if err := s.Set("glass:github.com", "token", "x"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Set: %v, want ErrUnavailable", err)
	}
	if err := s.Delete("glass:github.com", "token"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Delete: %v, want ErrUnavailable", err)
	}
	gokeyring.MockInitWithError(gokeyring.ErrNotFound)
	if _, err := s.Get("a", "b"); !errors.Is(err, ErrNotFound) {
		t.Errorf("go-keyring's ErrNotFound: %v, want ErrNotFound", err)
	}
}

func TestTimeout(t *testing.T) {
	s := System{Timeout: 20 * time.Millisecond}
	block := make(chan struct{})
	defer close(block)
	// block is never released before call returns, so an answer at all
	// proves the call gave up instead of waiting for the keyring.
	err := s.call("read", func() error { <-block; return nil })
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "did not answer a read within 20ms") {
		t.Fatalf("err = %v", err)
	}
}

func TestFileStore(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "keyring.json")
	f := &File{Path: p}
	roundTrip(t, f)
	if err := f.Set("s", "u", "v"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, %v; want 0600", fi.Mode(), err)
	}
	u := &File{Path: "unavailable"}
	if _, err := u.Get("s", "u"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("unavailable: %v", err)
	}
	if err := u.Set("s", "u", "v"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("unavailable Set: %v", err)
	}
}

func TestNoSessionBus(t *testing.T) {
	skipIfReal(t)
	gokeyring.MockInit()
	env := map[string]string{}
	s := System{Getenv: func(k string) string { return env[k] }}
	_, err := s.Get("a", "b")
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("err = %v", err)
		}
		return
	}
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "no D-Bus session bus") {
		t.Fatalf("no bus: err = %v", err)
	}
	env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent"
	if _, err := s.Get("a", "b"); !errors.Is(err, ErrNotFound) { // the mock answers
		t.Fatalf("with a bus address: err = %v", err)
	}
}
