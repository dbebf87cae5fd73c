// Package app is glass's entry point as a function, so that tests (and
// testscript) run exactly what the binary runs.
package app

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/cmd/factory"
	"github.com/glass-cli/glass/internal/cmd/root"
	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/iostreams"
)

// Main runs glass with args (without the program name) and returns the
// exit code.
func Main(args []string) int {
	ios := iostreams.System()
	f := factory.New(ios)
	return Run(context.Background(), f, args)
}

// Run executes the command tree with a prepared factory.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	cmd := root.NewCmdRoot(f)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if errors.Is(err, cmdutil.ErrSilent) {
		return cmdutil.ExitFailure
	}
	code := cmdutil.CodeOf(err)
	var secrets []string
	if tok, terr := f.Token(); terr == nil {
		secrets = append(secrets, tok.Value)
	}
	msg := ghapi.Redact(err.Error(), secrets...)
	w := f.IOStreams.ErrOut
	if errors.Is(err, cmdutil.ErrCancel) {
		fmt.Fprintln(w, "Cancelled. Nothing was changed.")
		return code
	}
	fmt.Fprintf(w, "glass: %s\n", strings.TrimSpace(msg))
	if hint := hintFor(err); hint != "" {
		fmt.Fprintln(w, hint)
	}
	var fe *cmdutil.FlagError
	if errors.As(err, &fe) {
		if c, _, ferr := cmd.Find(args); ferr == nil && c != nil {
			fmt.Fprintf(w, "Run '%s --help' for usage.\n", c.CommandPath())
		}
	}
	return code
}

// hintFor adds the next step for failures whose message cannot know it.
func hintFor(err error) string {
	var ge *github.ErrorResponse
	if errors.As(err, &ge) && ge.Response != nil && ge.Response.StatusCode == 401 {
		return "Your token was refused: run `glass auth login`, or check GH_TOKEN."
	}
	var rl *github.RateLimitError
	if errors.As(err, &rl) {
		return fmt.Sprintf("GitHub's rate limit resets at %s; try again then.", rl.Rate.Reset.Format("15:04:05 MST"))
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) || errors.As(err, &ne) {
		return "Could not reach GitHub: check your network, GH_HOST and GLASS_API_URL."
	}
	return ""
}
