package auth

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os/exec"
	"strings"
	"time"
)

// Runner runs a program and returns its standard output.
type Runner func(ctx context.Context, path string, args ...string) ([]byte, error)

// ExecRunner runs the program for real, with glass's environment.
func ExecRunner(ctx context.Context, path string, args ...string) ([]byte, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout = &out
	err := cmd.Run()
	return out.Bytes(), err
}

// GHCLI reuses an existing gh login: `gh auth token --hostname HOST`, the
// way go-gh's auth.TokenForHost does (it honours GH_PATH). Reading gh's
// keyring entries directly is avoided on purpose: their layout has changed
// between gh releases (github-api.md §8).
type GHCLI struct {
	Getenv   func(string) string
	LookPath func(string) (string, error) // nil: exec.LookPath
	Run      Runner                       // nil: ExecRunner
	Timeout  time.Duration                // 0: 10 s
}

// Token returns gh's token for host, or "" and a note. An absent gh or a
// gh without a login for host is skipped quietly (the note says why).
func (g *GHCLI) Token(ctx context.Context, host string) (string, string) {
	path := ""
	if g.Getenv != nil {
		path = g.Getenv("GH_PATH")
	}
	if path == "" {
		look := g.LookPath
		if look == nil {
			look = exec.LookPath
		}
		p, err := look("gh")
		if err != nil {
			return "", "gh is not installed"
		}
		path = p
	}
	run := g.Run
	if run == nil {
		run = ExecRunner
	}
	t := g.Timeout
	if t <= 0 {
		t = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, t)
	defer cancel()
	out, err := run(ctx, path, "auth", "token", "--hostname", host)
	if err != nil {
		var ee *exec.Error
		if errors.As(err, &ee) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return "", "gh is not installed (" + path + ")"
		}
		return "", "gh has no login for " + host
	}
	tok := strings.TrimSpace(string(out))
	if tok == "" || strings.ContainsAny(tok, " \n\t") {
		return "", "gh printed no token for " + host
	}
	return tok, ""
}
