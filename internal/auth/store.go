package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/glass-cli/glass/internal/auth/keyring"
)

// Entry is what glass stores per host: the token, who it belongs to and
// when the login happened (the step-up check reads StoredAt).
type Entry struct {
	Token    string    `json:"token"`
	Login    string    `json:"login"`
	StoredAt time.Time `json:"stored_at"`
	Scopes   []string  `json:"scopes,omitempty"`
}

// keyringService names the keyring entry of a host; one entry per host.
// The account name is fixed so that a host's entry can be found without
// knowing the login first (gh uses "gh:HOST" with the login as account).
func keyringService(host string) string { return "glass:" + strings.ToLower(host) }

const keyringUser = "token"

// NoKeyringError says that the keyring is unavailable and what to do.
type NoKeyringError struct {
	Err      error
	FilePath string
}

func (e *NoKeyringError) Error() string {
	return fmt.Sprintf("cannot store the token: %v.\nglass does not fall back to a plain-text file by itself. Either start a Secret Service (gnome-keyring, KeePassXC) and run the command again, or run it again with --insecure-storage to keep the token in %s (mode 0600, readable by anyone who can read your files)", e.Err, e.FilePath)
}
func (e *NoKeyringError) Unwrap() error { return e.Err }

// Storage is where `glass auth login` keeps tokens: the keyring, or, only
// when asked with --insecure-storage, a 0600 JSON file.
type Storage struct {
	Keyring keyring.Store
	File    *FileStore
}

// Save stores e for host. insecure selects the file; otherwise a keyring
// failure is returned as *NoKeyringError, never turned into a file write.
// It returns a description of where the token went.
func (s *Storage) Save(host string, e Entry, insecure bool) (string, error) {
	b, _ := json.Marshal(e)
	if insecure {
		if err := s.File.Put(host, e); err != nil {
			return "", err
		}
		// A stale keyring entry for the host would confuse status; best effort.
		if s.Keyring != nil {
			_ = s.Keyring.Delete(keyringService(host), keyringUser)
		}
		return "the insecure file " + s.File.Path, nil
	}
	if s.Keyring == nil {
		return "", &NoKeyringError{Err: keyring.ErrUnavailable, FilePath: s.File.Path}
	}
	if err := s.Keyring.Set(keyringService(host), keyringUser, string(b)); err != nil {
		if errors.Is(err, keyring.ErrUnavailable) {
			return "", &NoKeyringError{Err: err, FilePath: s.File.Path}
		}
		return "", err
	}
	// The file entry, if any, would win on read: remove it.
	_, _ = s.File.Remove(host)
	return "the " + s.Keyring.Name(), nil
}

// Load finds the stored entry for host. The file is read first when it
// holds the host (it exists only because someone chose it); then the
// keyring. A missing entry is (Entry{}, "", nil). A broken keyring is
// reported in note, not as an error, so that other sources still work.
func (s *Storage) Load(host string) (e Entry, source, note string, err error) {
	if s.File != nil {
		fe, ok, ferr := s.File.Get(host)
		if ferr != nil {
			return Entry{}, "", "", ferr
		}
		if ok {
			return fe, SourceFile, "", nil
		}
	}
	if s.Keyring == nil {
		return Entry{}, "", "no keyring configured", nil
	}
	v, kerr := s.Keyring.Get(keyringService(host), keyringUser)
	switch {
	case errors.Is(kerr, keyring.ErrNotFound):
		return Entry{}, "", "", nil
	case kerr != nil:
		return Entry{}, "", kerr.Error(), nil
	}
	if err := json.Unmarshal([]byte(v), &e); err != nil || e.Token == "" {
		return Entry{}, "", "the keyring entry " + keyringService(host) + " is not glass's format; run `glass auth login` again", nil
	}
	return e, SourceKeyring, "", nil
}

// Delete removes what glass stored for host, from both places. It returns
// where something was removed.
func (s *Storage) Delete(host string) ([]string, error) {
	var removed []string
	var errs []error
	if s.Keyring != nil {
		err := s.Keyring.Delete(keyringService(host), keyringUser)
		switch {
		case err == nil:
			removed = append(removed, "the "+s.Keyring.Name())
		case errors.Is(err, keyring.ErrNotFound):
		default:
			errs = append(errs, err)
		}
	}
	if s.File != nil {
		ok, err := s.File.Remove(host)
		if err != nil {
			errs = append(errs, err)
		} else if ok {
			removed = append(removed, "the insecure file "+s.File.Path)
		}
	}
	return removed, errors.Join(errs...)
}

// FileStore is the explicit plain-text store (--insecure-storage):
// {"hosts": {HOST: Entry}} in a 0600 file in a 0700 directory.
type FileStore struct {
	Path string
}

type hostsFile struct {
	Hosts map[string]Entry `json:"hosts"`
}

func (f *FileStore) read() (hostsFile, error) {
	var h hostsFile
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return hostsFile{Hosts: map[string]Entry{}}, nil
	}
	if err != nil {
		return h, fmt.Errorf("reading %s: %w", f.Path, err)
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return h, fmt.Errorf("reading %s: %w (remove the file and run `glass auth login` again)", f.Path, err)
	}
	if h.Hosts == nil {
		h.Hosts = map[string]Entry{}
	}
	return h, nil
}

func (f *FileStore) write(h hostsFile) error {
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o700); err != nil {
		return err
	}
	if len(h.Hosts) == 0 {
		err := os.Remove(f.Path)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	b, _ := json.MarshalIndent(h, "", "  ")
	tmp := f.Path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o600); err != nil { // umask-proof
		return err
	}
	return os.Rename(tmp, f.Path)
}

// Get returns the host's entry and whether there was one.
func (f *FileStore) Get(host string) (Entry, bool, error) {
	if f == nil || f.Path == "" {
		return Entry{}, false, nil
	}
	h, err := f.read()
	if err != nil {
		return Entry{}, false, err
	}
	e, ok := h.Hosts[strings.ToLower(host)]
	return e, ok && e.Token != "", nil
}

// Put stores the host's entry.
func (f *FileStore) Put(host string, e Entry) error {
	h, err := f.read()
	if err != nil {
		return err
	}
	h.Hosts[strings.ToLower(host)] = e
	return f.write(h)
}

// Remove deletes the host's entry, reporting whether there was one.
func (f *FileStore) Remove(host string) (bool, error) {
	if f == nil || f.Path == "" {
		return false, nil
	}
	h, err := f.read()
	if err != nil {
		return false, err
	}
	if _, ok := h.Hosts[strings.ToLower(host)]; !ok {
		return false, nil
	}
	delete(h.Hosts, strings.ToLower(host))
	return true, f.write(h)
}

// Hosts lists the hosts in the file.
func (f *FileStore) Hosts() []string {
	h, err := f.read()
	if err != nil {
		return nil
	}
	var out []string
	for k := range h.Hosts {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
