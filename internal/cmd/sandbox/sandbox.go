// Package sandbox serves glass's embedded GitHub simulator for demos and
// for trying glass without credentials.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/ghsim"
)

// NewCmdSandbox returns `glass sandbox`.
func NewCmdSandbox(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox <command>",
		Short: "Run glass against an embedded GitHub simulator",
	}
	cmd.AddCommand(NewCmdServe(f, nil))
	return cmd
}

// ServeOptions are the inputs of `glass sandbox serve`.
type ServeOptions struct {
	Addr   string
	Seed   string
	Faults string
	As     string // seeded user whose token is printed
	// Ready is called with the base URL once the server listens (tests).
	Ready func(url string)
}

// NewCmdServe returns `glass sandbox serve`.
func NewCmdServe(f *cmdutil.Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the GitHub simulator on a loopback address",
		Long: `Serve glass's stateful GitHub simulator and print the environment to point
glass at it. The simulator keeps everything in memory; stop it with Ctrl-C.
The printed token is a sandbox token, valid only for this simulator.`,
		Example: `  glass sandbox serve --seed acme --addr 127.0.0.1:8787
  glass sandbox serve --faults latency=50ms,error-rate=0.05,seed=1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !validSeed(opts.Seed) {
				return cmdutil.FlagErrorf("unknown --seed %q (valid: %v)", opts.Seed, ghsim.Seeds())
			}
			if runF != nil {
				return runF(opts)
			}
			return serveRun(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:0", "Loopback `address` to listen on (port 0 picks a free one)")
	cmd.Flags().StringVar(&opts.Seed, "seed", "acme", "Initial state: "+fmt.Sprint(ghsim.Seeds()))
	cmd.Flags().StringVar(&opts.Faults, "faults", "", "Fault injection `spec`, e.g. latency=50ms,error-rate=0.1,fail-nth=3:503,seed=1")
	cmd.Flags().StringVar(&opts.As, "as", "alice", "Seeded `user` whose token to print")
	return cmd
}

func validSeed(s string) bool {
	for _, n := range ghsim.Seeds() {
		if n == s {
			return true
		}
	}
	return false
}

func serveRun(ctx context.Context, f *cmdutil.Factory, opts *ServeOptions) error {
	host, _, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return cmdutil.FlagErrorf("invalid --addr %q: %v", opts.Addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return cmdutil.FlagErrorf("--addr %q is not a loopback address: the sandbox only serves this machine", opts.Addr)
	}
	sim := ghsim.New(ghsim.WithSeed(opts.Seed))
	if opts.Faults != "" {
		fs, err := ghsim.ParseFaults(opts.Faults)
		if err != nil {
			return cmdutil.FlagErrorf("invalid --faults: %v", err)
		}
		sim.SetFaults(fs)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", opts.Addr, err)
	}
	url := "http://" + ln.Addr().String() + "/"
	token := sim.Token(opts.As)
	if token == "" {
		ln.Close()
		return cmdutil.FlagErrorf("--as %q is not a user of seed %q", opts.As, opts.Seed)
	}
	out := f.IOStreams.Out
	fmt.Fprintf(out, "export GLASS_API_URL=%s\n", url)
	fmt.Fprintf(out, "export GH_TOKEN=%s  # sandbox token for %s, valid only here\n", token, opts.As)
	cs := f.IOStreams.ColorScheme()
	fmt.Fprintf(f.IOStreams.ErrOut, "%s GitHub simulator (seed %s) listening on %s; Ctrl-C stops it\n", cs.SuccessIcon(), opts.Seed, url)
	if opts.Ready != nil {
		opts.Ready(url)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
