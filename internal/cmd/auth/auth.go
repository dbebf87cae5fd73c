// Package auth holds `glass auth`: login, logout, status and check.
package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/auth"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/ghapi"
)

// NewCmdAuth returns `glass auth`.
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth <command>",
		Short: "Sign in to GitHub, see where glass's token comes from, sign out",
		Long: `Manage the GitHub credentials glass uses.

glass takes the first token it finds, in this order:
  1. GLASS_TOKEN
  2. GH_TOKEN, GITHUB_TOKEN (github.com), or GH_ENTERPRISE_TOKEN,
     GITHUB_ENTERPRISE_TOKEN (a GitHub Enterprise Server host)
  3. what "glass auth login" stored: the system keyring, or the 0600 file
     chosen with --insecure-storage
  4. the token of an existing gh login for the host (gh auth token)

"glass auth status" shows which one is used. See docs/auth.md.`,
	}
	cmd.AddCommand(NewCmdLogin(f, nil))
	cmd.AddCommand(NewCmdLogout(f, nil))
	cmd.AddCommand(NewCmdStatus(f, nil))
	cmd.AddCommand(NewCmdCheck(f, nil))
	return cmd
}

// endpoint resolves the endpoint with --hostname applied.
func endpoint(f *cmdutil.Factory, hostname string) (ghapi.Endpoint, error) {
	if hostname != "" {
		f.Hostname = hostname
	}
	ep, err := f.Endpoint()
	if err != nil {
		return ep, cmdutil.FlagErrorWrap(err)
	}
	return ep, nil
}

// newClient builds a client for a token that is not (yet) the factory's.
func newClient(f *cmdutil.Factory, ep ghapi.Endpoint, token string) *github.Client {
	o := ghapi.Options{Endpoint: ep, Token: token}
	if f.Debug {
		o.Debug = f.IOStreams.ErrOut
	}
	return ghapi.NewClient(o)
}

func ctxOf(cmd *cobra.Command) context.Context {
	if c := cmd.Context(); c != nil {
		return c
	}
	return context.Background()
}

func now(f *cmdutil.Factory) time.Time {
	if f.Clock != nil {
		return f.Clock.Now()
	}
	return time.Now()
}

func resolver(f *cmdutil.Factory) *auth.Resolver {
	return auth.NewResolver(f.Getenv, f.ConfigDir())
}

// shadowing names the environment variable that wins over a stored token.
func shadowing(f *cmdutil.Factory, ep ghapi.Endpoint) string {
	for _, n := range auth.EnvNames(ep) {
		if f.Getenv(n) != "" {
			return n
		}
	}
	return ""
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return fmt.Sprintf("%ss", s)
}

// noArgs refuses arguments without echoing them (one could be a token).
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.Name() == "login" {
		return cmdutil.FlagErrorf("glass auth login takes no arguments: a token is read from standard input with --with-token, never from the command line")
	}
	return cmdutil.FlagErrorf("%s takes no arguments", cmd.CommandPath())
}
