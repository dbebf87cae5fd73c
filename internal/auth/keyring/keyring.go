// Package keyring stores glass's tokens in the operating system's secret
// store through github.com/zalando/go-keyring, with a timeout on every call
// (a Secret Service unlock prompt can block forever) and two sentinels that
// go-keyring lacks: ErrNotFound and ErrUnavailable.
//
// go-keyring v0.2.8 returns raw errors when there is no keyring at all (on a
// headless Linux box: `exec: "dbus-launch": executable file not found`, a
// dial error, or `The name org.freedesktop.secrets was not provided by any
// .service files`; github-api.md §8), and only ErrNotFound is a sentinel.
// So every error that is not "not found" is "unavailable" here. gh does the
// same split, but then falls back to a plain-text file silently; glass
// never does (see internal/auth and docs/auth.md).
package keyring

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	gokeyring "github.com/zalando/go-keyring"
)

// ErrNotFound means the keyring works but holds no such entry.
var ErrNotFound = errors.New("not found in the keyring")

// ErrUnavailable means there is no usable keyring (no Secret Service, a
// locked keyring whose unlock prompt timed out, an unsupported platform).
// Errors that wrap it also carry go-keyring's own message.
var ErrUnavailable = errors.New("no usable keyring")

// DefaultTimeout bounds one keyring call. gh uses a goroutine and a timeout
// for the same reason (cli/cli internal/keyring; 3 s in older releases).
const DefaultTimeout = 5 * time.Second

// Store is a secret store keyed by service and user.
type Store interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
	// Name says where secrets go, for messages ("system keyring", ...).
	Name() string
}

// System is the operating system's keyring through go-keyring.
type System struct {
	Timeout time.Duration // 0 means DefaultTimeout
	// Getenv, when set, lets System see that a Linux/BSD box has no D-Bus
	// session bus and answer ErrUnavailable at once. Without the check,
	// go-keyring (through godbus) autolaunches a bus with dbus-launch when
	// it is installed, and the new bus's locked keyring blocks until the
	// timeout (measured on Debian with dbus-x11 and gnome-keyring).
	Getenv func(string) string
}

func (System) Name() string { return "system keyring" }

func (s System) Get(service, user string) (string, error) {
	var v string
	err := s.call("read", func() error {
		var err error
		v, err = gokeyring.Get(service, user)
		return err
	})
	return v, err
}

func (s System) Set(service, user, secret string) error {
	return s.call("write", func() error { return gokeyring.Set(service, user, secret) })
}

func (s System) Delete(service, user string) error {
	return s.call("delete", func() error { return gokeyring.Delete(service, user) })
}

func (s System) call(op string, fn func() error) error {
	if err := s.noSessionBus(); err != nil {
		return err
	}
	t := s.Timeout
	if t <= 0 {
		t = DefaultTimeout
	}
	ch := make(chan error, 1)
	go func() { ch <- fn() }()
	timer := time.NewTimer(t)
	defer timer.Stop()
	select {
	case err := <-ch:
		return classify(err)
	case <-timer.C:
		// The goroutine may stay blocked on the prompt; it ends with the process.
		return fmt.Errorf("%w: the keyring did not answer a %s within %s (is it locked, waiting for an unlock prompt?)", ErrUnavailable, op, t)
	}
}

// classify maps go-keyring's errors onto the two sentinels.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gokeyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, gokeyring.ErrSetDataTooBig):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// File is a keyring stand-in kept in one JSON file, selected with
// GLASS_TEST_KEYRING=PATH so that end-to-end tests (whose glass runs in a
// subprocess that cannot see an in-process mock) behave as if a keyring
// were there. It is for tests: the secrets are in plain text. The special
// path "unavailable" behaves like a box without a keyring.
type File struct {
	Path string
	mu   sync.Mutex
}

func (f *File) Name() string { return "test keyring (" + f.Path + ")" }

func (f *File) unavailable() error {
	if f.Path == "unavailable" {
		return fmt.Errorf("%w: The name org.freedesktop.secrets was not provided by any .service files (GLASS_TEST_KEYRING=unavailable)", ErrUnavailable)
	}
	return nil
}

func (f *File) load() (map[string]string, error) {
	m := map[string]string{}
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnavailable, f.Path, err)
	}
	return m, nil
}

func (f *File) save(m map[string]string) error {
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if err := os.WriteFile(f.Path, b, 0o600); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

func (f *File) Get(service, user string) (string, error) {
	if err := f.unavailable(); err != nil {
		return "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return "", err
	}
	v, ok := m[service+"\x00"+user]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

func (f *File) Set(service, user, secret string) error {
	if err := f.unavailable(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return err
	}
	m[service+"\x00"+user] = secret
	return f.save(m)
}

func (f *File) Delete(service, user string) error {
	if err := f.unavailable(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.load()
	if err != nil {
		return err
	}
	k := service + "\x00" + user
	if _, ok := m[k]; !ok {
		return ErrNotFound
	}
	delete(m, k)
	return f.save(m)
}

// noSessionBus mirrors godbus's SessionBus lookup (DBUS_SESSION_BUS_ADDRESS,
// then $XDG_RUNTIME_DIR/bus, then autolaunch, which needs a display).
func (s System) noSessionBus() error {
	if s.Getenv == nil || runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return nil
	}
	if s.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" || s.Getenv("DISPLAY") != "" || s.Getenv("WAYLAND_DISPLAY") != "" {
		return nil
	}
	if d := s.Getenv("XDG_RUNTIME_DIR"); d != "" {
		if _, err := os.Stat(filepath.Join(d, "bus")); err == nil {
			return nil
		}
	}
	return fmt.Errorf("%w: no D-Bus session bus for the Secret Service (DBUS_SESSION_BUS_ADDRESS is unset and there is no display)", ErrUnavailable)
}
