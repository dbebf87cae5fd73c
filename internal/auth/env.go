package auth

import (
	"path/filepath"

	"github.com/glass-cli/glass/internal/auth/keyring"
)

// HostsFile is the insecure store's file name in the config directory.
const HostsFile = "hosts.json"

// NewStorage returns the stores for a config directory. GLASS_TEST_KEYRING
// replaces the system keyring with a JSON file (a path) or with a keyring
// that is never available ("unavailable"): end-to-end tests run glass in a
// subprocess that an in-process keyring.MockInit cannot reach. It is named
// for tests so that nobody mistakes it for a setting.
func NewStorage(getenv func(string) string, configDir string) *Storage {
	var kr keyring.Store = keyring.System{Getenv: getenv}
	if p := getenv("GLASS_TEST_KEYRING"); p != "" {
		kr = &keyring.File{Path: p}
	}
	return &Storage{Keyring: kr, File: &FileStore{Path: filepath.Join(configDir, HostsFile)}}
}

// NewResolver returns the resolver with every source, as glass runs it.
func NewResolver(getenv func(string) string, configDir string) *Resolver {
	return &Resolver{Getenv: getenv, Store: NewStorage(getenv, configDir), GH: &GHCLI{Getenv: getenv}}
}
