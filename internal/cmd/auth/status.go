package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/auth"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
)

// StatusOptions are the inputs of `glass auth status`.
type StatusOptions struct {
	Hostname     string
	JSON         bool
	ShowEndpoint bool
}

// Status is `glass auth status --json`. It never holds the token.
type Status struct {
	Host        string       `json:"host"`
	APIURL      string       `json:"api_url"`
	OAuthURL    string       `json:"oauth_url"`
	LoggedIn    bool         `json:"logged_in"`
	Login       string       `json:"login,omitempty"`
	Source      string       `json:"source,omitempty"`
	TokenKind   string       `json:"token_kind,omitempty"`
	StoredAt    *time.Time   `json:"stored_at,omitempty"`
	Scopes      []string     `json:"scopes"`
	FineGrained bool         `json:"fine_grained"`
	TwoFactor   *bool        `json:"two_factor_authentication"`
	Expires     string       `json:"token_expires,omitempty"`
	Error       string       `json:"error,omitempty"`
	Sources     []auth.Check `json:"sources"`
}

// NewCmdStatus returns `glass auth status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show who glass acts as, where the token comes from, its scopes and 2FA",
		Long: `Show the account behind glass's token for a host: the login, which source the
token came from (and every source checked, in order), its scopes or that it is
a fine-grained token, and whether the account has two-factor authentication
on ("unknown" when GitHub does not show it to this token). The token itself is
never printed.

--show-endpoint prints where glass would talk to and which token source it
would use, without contacting GitHub.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd, f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Hostname, "hostname", "", "GitHub `host` to check (default GH_HOST or github.com)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print the status as JSON")
	cmd.Flags().BoolVar(&opts.ShowEndpoint, "show-endpoint", false, "Print the API and OAuth endpoints only (no network)")
	return cmd
}

func statusRun(cmd *cobra.Command, f *cmdutil.Factory, opts *StatusOptions) error {
	ep, err := endpoint(f, opts.Hostname)
	if err != nil {
		return err
	}
	ios := f.IOStreams
	st := Status{Host: ep.Host, APIURL: ep.API.String(), OAuthURL: ep.OAuth.String(), Scopes: []string{}}
	if opts.ShowEndpoint {
		// Where glass would talk to and with which token source; no request.
		src := "none"
		if tok, err := resolver(f).Resolve(ctxOf(cmd), ep); err == nil {
			src = tok.Source
		}
		if opts.JSON {
			return cmdutil.WriteJSON(ios.Out, map[string]string{"host": st.Host, "api_url": st.APIURL, "oauth_url": st.OAuthURL,
				"device_code_url": st.OAuthURL + "login/device/code", "token_source": src})
		}
		fmt.Fprintf(ios.Out, "host:   %s\napi:    %s\noauth:  %slogin/device/code\ntoken:  %s\n", st.Host, st.APIURL, st.OAuthURL, src)
		return nil
	}
	tok, checks, rerr := resolver(f).Explain(ctxOf(cmd), ep)
	st.Sources = checks
	var exit error
	if rerr != nil {
		st.Error = rerr.Error()
		code := cmdutil.ExitFailure
		if errors.Is(rerr, auth.ErrNoToken) {
			code = cmdutil.ExitAuth
		}
		exit = cmdutil.WithCode(code, rerr)
	} else {
		st.Source, st.TokenKind, st.Login = tok.Source, auth.TokenKind(tok.Value), tok.Login
		if !tok.StoredAt.IsZero() {
			t := tok.StoredAt.UTC()
			st.StoredAt = &t
		}
		id, err := auth.FetchIdentity(ctxOf(cmd), newClient(f, ep, tok.Value))
		if err != nil {
			var ge *github.ErrorResponse
			if errors.As(err, &ge) && ge.Response != nil && ge.Response.StatusCode == http.StatusUnauthorized {
				err = fmt.Errorf("GitHub refused the token from %s (401 Bad credentials): run `glass auth login`, or replace it", tok.Source)
				exit = cmdutil.WithCode(cmdutil.ExitAuth, err)
			} else {
				exit = err
			}
			st.Error = err.Error()
		} else {
			st.LoggedIn = true
			st.Login, st.Scopes, st.FineGrained, st.TwoFactor, st.Expires = id.Login, id.Scopes, id.FineGrained, id.TwoFactor, id.Expires
			if st.Scopes == nil {
				st.Scopes = []string{}
			}
			if tok.Login != "" && !strings.EqualFold(tok.Login, id.Login) {
				st.Error = fmt.Sprintf("the token was stored for %s but belongs to %s", tok.Login, id.Login)
			}
		}
	}
	if opts.JSON {
		if err := cmdutil.WriteJSON(ios.Out, st); err != nil {
			return err
		}
		return exit
	}
	if exit != nil {
		st.Error = "" // app prints the error once, last
	}
	printStatus(f, st)
	return exit
}

func printStatus(f *cmdutil.Factory, st Status) {
	ios := f.IOStreams
	cs := ios.ColorScheme()
	w := ios.Out
	fmt.Fprintln(w, cs.Bold(st.Host))
	if st.LoggedIn {
		fmt.Fprintf(w, "  %s Logged in as %s\n", cs.SuccessIcon(), st.Login)
	} else {
		fmt.Fprintf(w, "  %s Not logged in\n", cs.FailureIcon())
	}
	if st.Source != "" {
		fmt.Fprintf(w, "  Token:       %s, from %s\n", st.TokenKind, st.Source)
	}
	if st.StoredAt != nil {
		fmt.Fprintf(w, "  Logged in:   %s\n", st.StoredAt.Format(time.RFC3339))
	}
	if st.LoggedIn {
		if st.FineGrained {
			fmt.Fprintln(w, "  Scopes:      none: a fine-grained token (GitHub does not list its permissions; glass checks them before each open)")
		} else if len(st.Scopes) == 0 {
			fmt.Fprintln(w, "  Scopes:      none")
		} else {
			fmt.Fprintf(w, "  Scopes:      %s\n", strings.Join(st.Scopes, ", "))
		}
		tf := auth.TwoFactorText(st.TwoFactor)
		if st.TwoFactor == nil {
			why := "the token lacks the `user` scope"
			if st.FineGrained {
				why = "GitHub shows it only to classic and OAuth tokens with the `user` scope"
			} else if auth.HasScope(st.Scopes, "user") {
				why = "GitHub did not say"
			}
			tf += " (" + why + ")"
		}
		fmt.Fprintf(w, "  Two-factor:  %s\n", tf)
		if st.Expires != "" {
			fmt.Fprintf(w, "  Expires:     %s\n", st.Expires)
		}
	}
	fmt.Fprintf(w, "  API:         %s\n", st.APIURL)
	if st.Error != "" {
		fmt.Fprintf(w, "  %s %s\n", cs.WarningIcon(), st.Error)
	}
	fmt.Fprintln(w, "Token sources, first found wins:")
	for _, c := range st.Sources {
		state := "not set"
		switch {
		case c.Used:
			state = "used"
		case c.Found:
			state = "set, not used"
		case c.Source == auth.SourceFile || c.Source == auth.SourceKeyring || c.Source == auth.SourceGH:
			state = "none"
		}
		line := fmt.Sprintf("  %-24s %s", c.Source, state)
		if c.Note != "" {
			line += " (" + c.Note + ")"
		}
		fmt.Fprintln(w, line)
	}
}
