package auth

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/atotto/clipboard"
	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/auth"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/ghapi"
)

// LoginOptions are the inputs of `glass auth login`.
type LoginOptions struct {
	Hostname        string
	Scopes          []string
	WithToken       bool
	InsecureStorage bool
}

// NewCmdLogin returns `glass auth login`.
func NewCmdLogin(f *cmdutil.Factory, runF func(*LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in to GitHub with the device flow, or store a token from standard input",
		Long: `Sign in to GitHub and store the token for the host.

Without --with-token, glass runs GitHub's OAuth device flow: it prints a
one-time code and a URL (on standard error), you enter the code in a browser,
and glass waits for GitHub to confirm. This works without a terminal too; only
--no-input (or CI) refuses it, because nobody would be there to approve.

With --with-token, glass reads a token from standard input. It never takes a
token as an argument (arguments end up in shell history and process lists).

The token goes to the system keyring, one entry per host, with the login and
the time of login. When there is no keyring (a headless Linux box without a
Secret Service), glass says so and stops; --insecure-storage then keeps the
token in a 0600 file under the config directory instead. glass never falls
back to the file by itself.

The OAuth App client id comes from GLASS_OAUTH_CLIENT_ID or oauth_client_id
in config.yml (docs/auth.md explains how to register one).`,
		Example: `  glass auth login
  glass auth login --hostname github.example.com
  gh auth token | glass auth login --with-token
  glass auth login --insecure-storage`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return loginRun(cmd, f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Hostname, "hostname", "", "GitHub `host` to sign in to (default GH_HOST or github.com)")
	cmd.Flags().StringSliceVarP(&opts.Scopes, "scopes", "s", nil, "Extra OAuth `scopes` to ask for, besides "+strings.Join(auth.DefaultScopes, ","))
	cmd.Flags().BoolVar(&opts.WithToken, "with-token", false, "Read a token from standard input")
	cmd.Flags().BoolVar(&opts.InsecureStorage, "insecure-storage", false, "Store the token in a 0600 plain-text file instead of the keyring")
	return cmd
}

func loginRun(cmd *cobra.Command, f *cmdutil.Factory, opts *LoginOptions) error {
	ctx := ctxOf(cmd)
	ep, err := endpoint(f, opts.Hostname)
	if err != nil {
		return err
	}
	ios := f.IOStreams
	var token string
	if opts.WithToken {
		b, err := io.ReadAll(io.LimitReader(ios.In, 64<<10))
		if err != nil {
			return fmt.Errorf("reading the token from standard input: %w", err)
		}
		token = strings.TrimSpace(string(b))
		if token == "" || strings.ContainsAny(token, " \t\r\n") {
			return cmdutil.FlagErrorf("--with-token reads one token from standard input; got %s", map[bool]string{true: "nothing", false: "more than one word"}[token == ""])
		}
	} else {
		if f.NoInput || f.Getenv("GLASS_NO_INPUT") != "" || f.Getenv("CI") != "" {
			return cmdutil.FlagErrorf("the device flow needs someone at a browser and --no-input (or CI) is set: pipe a token to `glass auth login --with-token` instead")
		}
		cfg, err := auth.LoadConfig(f.ConfigDir())
		if err != nil {
			return err
		}
		clientID, _, err := auth.ClientID(f.Getenv, cfg, ep)
		if err != nil {
			return cmdutil.WithCode(cmdutil.ExitAuth, err)
		}
		token, err = deviceFlow(cmd, f, ep, clientID, opts)
		if err != nil {
			var de *auth.DeviceError
			if errors.As(err, &de) {
				return cmdutil.WithCode(cmdutil.ExitAuth, err)
			}
			return err
		}
	}

	id, err := auth.FetchIdentity(ctx, newClient(f, ep, token))
	if err != nil {
		return cmdutil.WithCode(cmdutil.ExitAuth, fmt.Errorf("GitHub did not accept the token: %w", err))
	}
	st := auth.NewStorage(f.Getenv, f.ConfigDir())
	where, err := st.Save(ep.Host, auth.Entry{Token: token, Login: id.Login, StoredAt: now(f).UTC(), Scopes: id.Scopes}, opts.InsecureStorage)
	if err != nil {
		var nk *auth.NoKeyringError
		if errors.As(err, &nk) {
			return cmdutil.WithCode(cmdutil.ExitAuth, err)
		}
		return err
	}
	cs := ios.ColorScheme()
	fmt.Fprintf(ios.ErrOut, "%s Logged in to %s as %s; the token is in %s\n", cs.SuccessIcon(), ep.Host, id.Login, where)
	if opts.InsecureStorage {
		fmt.Fprintf(ios.ErrOut, "%s The token is stored in plain text (mode 0600), as --insecure-storage asked\n", cs.WarningIcon())
	}
	if !id.FineGrained {
		var missing []string
		for _, s := range auth.DefaultScopes {
			if !auth.HasScope(id.Scopes, s) {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 {
			fmt.Fprintf(ios.ErrOut, "%s The token lacks the %s %s; `glass open` will refuse what needs %s (docs/auth.md)\n",
				cs.WarningIcon(), strings.Join(missing, ", "), plural(len(missing), "scope"), map[bool]string{true: "it", false: "them"}[len(missing) == 1])
		}
	}
	if n := shadowing(f, ep); n != "" {
		fmt.Fprintf(ios.ErrOut, "%s %s is set and wins over the stored token; unset it to use this login\n", cs.WarningIcon(), n)
	}
	return nil
}

func deviceFlow(cmd *cobra.Command, f *cmdutil.Factory, ep ghapi.Endpoint, clientID string, opts *LoginOptions) (string, error) {
	ios := f.IOStreams
	hc := ghapi.NewHTTPClient(ghapi.Options{Endpoint: ep, Debug: debugW(f)})
	scopes := append([]string(nil), auth.DefaultScopes...)
	for _, s := range opts.Scopes {
		if s = strings.TrimSpace(s); s != "" && !auth.HasScope(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	d := &auth.DeviceFlow{Endpoint: ep, ClientID: clientID, Scopes: scopes, HTTP: hc, Clock: f.Clock,
		Show: func(c auth.DeviceCode) {
			cs := ios.ColorScheme()
			copied := ""
			if ios.IsStdoutTTY() && ios.IsStderrTTY() && clipboard.WriteAll(c.UserCode) == nil {
				copied = " (copied to the clipboard)"
			}
			fmt.Fprintf(ios.ErrOut, "%s Your one-time code: %s%s\n", cs.WarningIcon(), cs.Bold(c.UserCode), copied)
			fmt.Fprintf(ios.ErrOut, "Enter it at %s (it expires at %s)\n", c.VerificationURI, c.Expires.Local().Format("15:04:05"))
			if ios.IsStdoutTTY() && ios.IsStderrTTY() {
				if openBrowser(f, c.VerificationURI) == nil {
					fmt.Fprintf(ios.ErrOut, "Opened %s in your browser.\n", c.VerificationURI)
				}
			}
			fmt.Fprintln(ios.ErrOut, "Waiting for GitHub to confirm...")
		},
		Notice: func(s string) { fmt.Fprintln(ios.ErrOut, s) },
	}
	// For tests only (named so): provoke slow_down, or an expiry, without
	// waiting minutes.
	if v := f.Getenv("GLASS_TEST_DEVICE_INTERVAL"); v != "" {
		d.FirstInterval, _ = time.ParseDuration(v)
	}
	if v := f.Getenv("GLASS_TEST_DEVICE_EXPIRES_IN"); v != "" {
		d.MaxWait, _ = time.ParseDuration(v)
	}
	tok, _, err := d.Run(ctxOf(cmd))
	return tok, err
}

func debugW(f *cmdutil.Factory) io.Writer {
	if f.Debug {
		return f.IOStreams.ErrOut
	}
	return nil
}

// openBrowser opens url with $BROWSER or the platform's opener; errors are
// ignored by the caller (the URL is printed anyway).
func openBrowser(f *cmdutil.Factory, url string) error {
	if b := f.Getenv("BROWSER"); b != "" {
		return exec.Command(b, url).Start()
	}
	switch runtime.GOOS {
	case "darwin":
		return exec.Command("open", url).Start()
	case "windows":
		return exec.Command("rundll32", "url.dll,FileProtocolHandler", url).Start()
	}
	if _, err := exec.LookPath("xdg-open"); err != nil {
		return err
	}
	if f.Getenv("DISPLAY") == "" && f.Getenv("WAYLAND_DISPLAY") == "" {
		return errors.New("no display")
	}
	return exec.Command("xdg-open", url).Start()
}
