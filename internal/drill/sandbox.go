package drill

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/lever/levers"
	"github.com/glass-cli/glass/internal/notify"
	"github.com/glass-cli/glass/internal/override"
)

// SandboxRepo and SandboxBranch are the sandbox's drill target (seed
// acme); with --lever ruleset, SandboxRulesetBranch and its repository
// ruleset SandboxRuleset; with --lever team, SandboxTeamUser (dave: write
// on acme/payments through team developers) added to SandboxTeam (admin on
// acme/payments) by SandboxTeamActor, an organization owner (adding to a
// team needs an owner or a team maintainer).
const (
	SandboxRepo          = "acme/payments"
	SandboxBranch        = "main"
	SandboxRulesetBranch = "staging"
	SandboxRuleset       = "payments-staging"
	SandboxTeam          = "acme/oncall"
	SandboxTeamUser      = "dave"
	SandboxTeamActor     = "acme-admin"
)

// SandboxOptions configure StartSandbox. The zero value is what
// `glass drill --sandbox` uses: the wall clock, no wrapper.
type SandboxOptions struct {
	// Wrap wraps the simulator's handler (tests: the OpenAPI contract validator).
	Wrap func(http.Handler) http.Handler
	// Clock drives the simulator, the engines and the drill; nil: the wall clock.
	Clock clock.Clock
	// Sleep waits by Clock; nil: a real timer.
	Sleep func(context.Context, time.Duration) error
	// Debug receives glass's redacted HTTP trace; nil: none.
	Debug io.Writer
	// Actor is the drill actor's login; empty: alice.
	Actor string
}

// Sandbox is the embedded simulator (seed acme) on a loopback port, with a
// local webhook receiver, set up for a drill: alice is the drill actor, bob
// the second responder, acme-admin the "someone else" who edits the
// protection mid-window.
type Sandbox struct {
	Env Env
	Sim *ghsim.Server
	URL string

	srv *http.Server
}

// StartSandbox starts the sandbox. Close it when done.
func StartSandbox(o SandboxOptions) (*Sandbox, error) {
	clk := o.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	sleep := o.Sleep
	if sleep == nil {
		sleep = clock.Sleep
	}
	actor := o.Actor
	if actor == "" {
		actor = "alice"
	}
	sim := ghsim.New(ghsim.WithSeed("acme"), ghsim.WithClock(clk.Now))
	var h http.Handler = sim
	if o.Wrap != nil {
		h = o.Wrap(h)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cannot start the sandbox: %w", err)
	}
	sb := &Sandbox{Sim: sim, URL: "http://" + ln.Addr().String() + "/", srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go sb.srv.Serve(ln)
	ep, err := ghapi.Resolve(sb.URL, "")
	if err != nil {
		sb.srv.Close()
		return nil, err
	}
	client := func(login string) *github.Client {
		opts := ghapi.Options{Endpoint: ep, Token: sim.Token(login)}
		if o.Debug != nil {
			opts.Debug = o.Debug
		}
		return ghapi.NewClient(opts)
	}
	rcv, err := StartReceiver(clk.Now)
	if err != nil {
		sb.srv.Close()
		return nil, fmt.Errorf("cannot start the sandbox's webhook receiver: %w", err)
	}
	const urlEnv = "GLASS_DRILL_WEBHOOK_URL"
	nt := notify.New([]notify.Target{{Name: "sandbox-receiver", Kind: "generic", URLEnv: urlEnv}}, notify.Options{
		Getenv: func(k string) string {
			if k == urlEnv {
				return rcv.URL
			}
			return ""
		},
		BaseDelay: 100 * time.Millisecond,
	})
	sb.Env = Env{
		GitHub:    client(actor),
		Second:    client("bob"),
		Editor:    client("acme-admin"),
		NewEngine: EngineMaker(levers.For, clk),
		Now:       clk.Now,
		Sleep:     sleep,
		Sim:       sim,
		Notifier:  nt,
		Receiver:  rcv,
	}
	return sb, nil
}

// Close stops the simulator and the receiver.
func (sb *Sandbox) Close() {
	sb.srv.Close()
	if sb.Env.Receiver != nil {
		sb.Env.Receiver.Close()
	}
}

// EngineMaker returns an Env.NewEngine that builds engines the way the
// factory does, one per call (each with its own ledger cache, as separate
// glass processes have).
func EngineMaker(levers func(*github.Client) map[override.Lever]lever.Lever, clk clock.Clock) func(*github.Client, time.Duration, func(engine.Step)) *engine.Engine {
	return func(gh *github.Client, grace time.Duration, progress func(engine.Step)) *engine.Engine {
		return engine.New(engine.Config{GitHub: gh, Levers: levers(gh), Ledger: ledger.NewStore(gh), Clock: clk, ReconcileGrace: grace, Progress: progress})
	}
}
