package auth

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/auth"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
)

// LogoutOptions are the inputs of `glass auth logout`.
type LogoutOptions struct {
	Hostname string
}

// NewCmdLogout returns `glass auth logout`.
func NewCmdLogout(f *cmdutil.Factory, runF func(*LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Remove the token glass stored for a host",
		Long: `Remove what "glass auth login" stored for the host: the keyring entry and
the entry in the insecure file. Environment variables and gh's own login are
not touched (glass did not store them); status says if one is still in use.
The token itself stays valid on GitHub: revoke it there if it may have leaked.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return logoutRun(f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Hostname, "hostname", "", "GitHub `host` to sign out of (default GH_HOST or github.com)")
	return cmd
}

func logoutRun(f *cmdutil.Factory, opts *LogoutOptions) error {
	ep, err := endpoint(f, opts.Hostname)
	if err != nil {
		return err
	}
	removed, err := auth.NewStorage(f.Getenv, f.ConfigDir()).Delete(ep.Host)
	ios := f.IOStreams
	cs := ios.ColorScheme()
	if len(removed) > 0 {
		fmt.Fprintf(ios.ErrOut, "%s Removed the token for %s from %s\n", cs.SuccessIcon(), ep.Host, strings.Join(removed, " and "))
	}
	if err != nil {
		if len(removed) == 0 {
			return fmt.Errorf("could not remove the token for %s: %w", ep.Host, err)
		}
		fmt.Fprintf(ios.ErrOut, "%s %v\n", cs.WarningIcon(), err)
	}
	if len(removed) == 0 && err == nil {
		fmt.Fprintf(ios.ErrOut, "glass had no token stored for %s\n", ep.Host)
	}
	if n := shadowing(f, ep); n != "" {
		fmt.Fprintf(ios.ErrOut, "%s %s is still set; glass keeps using it\n", cs.WarningIcon(), n)
	}
	return nil
}
