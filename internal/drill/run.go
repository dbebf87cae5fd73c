package drill

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/lever/protection"
	"github.com/glass-cli/glass/internal/lever/ruleset"
	"github.com/glass-cli/glass/internal/lever/team"
	"github.com/glass-cli/glass/internal/override"
)

// Options choose the drill target and how long the door stays open.
type Options struct {
	Repo   string
	Branch string
	Lever  string // protection (default), ruleset or team
	// Ruleset picks the ruleset (id or name) for --lever ruleset; empty: the
	// one ruleset with active rules on Branch.
	Ruleset string
	// Team (ORG/SLUG) and User are the team lever's target: User is added to
	// Team for the window; the door test is User's permission on Repo.
	Team string
	User string
	// Relax defaults to admins for protection (the smallest relaxation that
	// lets an admin write directly), disable for ruleset, member for team.
	Relax []string
	// Duration is how long the door stays open (default 3s).
	Duration time.Duration
	// Grace is the drill sweep's reconcile grace: how long an override may
	// stay half-done before the sweep treats its opener as dead (crash
	// scenario). Default: Duration. The scheduled `glass sweep` uses 2m.
	Grace     time.Duration
	AuditRepo string
	SLOs      SLOs
	Scenarios []string // names from Scenarios(), or "all"; default happy
	Sandbox   bool
	// Faults is the fault schedule of the faults scenario (ghsim.ParseFaults
	// syntax); default DefaultFaults. With the prefix "restore:" the faults
	// start only when the sweep begins the rollback.
	Faults string
}

// DefaultFaults is the faults scenario's schedule: every fifth request
// fails, in turn with a 500, a secondary rate limit, a 502, a 429, a
// dropped connection and a 503. Retry-After is one second so the drill
// stays short. A retry never meets the next fault at once, so a glass that
// retries what it should survives every one; one that does not, fails.
const DefaultFaults = "fail-every=5:500/secondary/502/429/drop/503,retry-after=1"

// CheckFaults validates a faults scenario schedule (see Options.Faults).
func CheckFaults(spec string) error {
	_, err := ghsim.ParseFaults(strings.TrimPrefix(spec, "restore:"))
	return err
}

// Scenarios lists the scenarios this build can run, in the order
// `--scenario all` runs them.
func Scenarios() []string { return []string{"happy", "crash", "drift", "overlap", "faults"} }

// SandboxOnly reports whether a scenario needs the embedded simulator.
func SandboxOnly(name string) bool { return name == "faults" }

// ProtectionOnly reports whether a scenario drills branch protection only
// (drift edits a protection field; overlap combines protection relaxations).
func ProtectionOnly(name string) bool { return name == "drift" || name == "overlap" }

// SkipReason says why `--scenario all` leaves a scenario out.
func SkipReason(name string) string {
	if SandboxOnly(name) {
		return "sandbox only"
	}
	return "protection lever only"
}

// Expand resolves scenario names for the protection lever (ExpandFor).
func Expand(names []string, sandbox bool) (run, skipped []string, err error) {
	return ExpandFor(names, sandbox, "protection")
}

// ExpandFor resolves scenario names: "all" is every scenario that can run
// here (sandbox-only ones against real GitHub, and protection-only ones for
// another lever, are returned as skipped). An unknown name, or one that
// cannot run here, is an error.
func ExpandFor(names []string, sandbox bool, lv string) (run, skipped []string, err error) {
	protectionOnly := lv != "" && lv != "protection"
	if len(names) == 0 {
		names = []string{"happy"}
	}
	for _, n := range names {
		n = strings.TrimSpace(strings.ToLower(n))
		switch {
		case n == "all":
			for _, s := range Scenarios() {
				if (SandboxOnly(s) && !sandbox) || (ProtectionOnly(s) && protectionOnly) {
					skipped = append(skipped, s)
					continue
				}
				run = append(run, s)
			}
		case !slices.Contains(Scenarios(), n):
			return nil, nil, fmt.Errorf("unknown scenario %q (valid: %s, all)", n, strings.Join(Scenarios(), ", "))
		case SandboxOnly(n) && !sandbox:
			return nil, nil, fmt.Errorf("scenario %q injects faults into the embedded simulator: run it with --sandbox", n)
		case ProtectionOnly(n) && protectionOnly:
			return nil, nil, fmt.Errorf("scenario %q drills branch protection: run it with --lever protection", n)
		default:
			run = append(run, n)
		}
	}
	var out []string
	for _, n := range run {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, skipped, nil
}

// driver runs the scenarios of one drill.
type driver struct {
	env    Env
	o      Options
	owner  string
	repo   string
	kind   override.Lever
	target override.Target
	lv     lever.Lever
	ledger *ledger.Store
	// beforeSweep, when set, runs once before the next sweep (the faults
	// scenario's "restore:" schedule).
	beforeSweep func()
	// teamRole is what the drilled team grants on the repository (role_name:
	// read, triage, write, maintain, admin); baseRole the user's own
	// permission before the drill (team lever's door test).
	teamRole, baseRole string
}

// DrillLevers lists the levers a drill can exercise.
func DrillLevers() []string { return []string{"protection", "ruleset", "team"} }

// DefaultRelax is a lever's default drill relaxation.
func DefaultRelax(lv string) string {
	switch lv {
	case "ruleset":
		return "disable"
	case "team":
		return "member"
	}
	return "admins"
}

// Run runs the drill and returns its report. An error means the drill could
// not run at all; a drill that ran and failed a check returns a report with
// Passed false.
func Run(ctx context.Context, env Env, o Options) (*Report, error) {
	if o.Lever == "" {
		o.Lever = "protection"
	}
	if !slices.Contains(DrillLevers(), o.Lever) {
		return nil, fmt.Errorf("drills exercise the %s levers (got %q)", strings.Join(DrillLevers(), ", "), o.Lever)
	}
	if len(o.Relax) == 0 {
		o.Relax = []string{DefaultRelax(o.Lever)}
	}
	if o.Duration <= 0 {
		o.Duration = 3 * time.Second
	}
	if o.Grace <= 0 {
		o.Grace = o.Duration
	}
	if o.SLOs == nil {
		o.SLOs = DefaultSLOs()
	}
	if o.Faults == "" {
		o.Faults = DefaultFaults
	}
	if o.AuditRepo == "" {
		o.AuditRepo = o.Repo
	}
	names, skipped, err := ExpandFor(o.Scenarios, o.Sandbox, o.Lever)
	if err != nil {
		return nil, err
	}
	owner, repo, ok := strings.Cut(o.Repo, "/")
	if !ok {
		return nil, fmt.Errorf("%q is not OWNER/REPO", o.Repo)
	}
	d := &driver{env: env, o: o, owner: owner, repo: repo, kind: override.LeverProtection, target: override.Target{Repo: o.Repo, Branch: o.Branch},
		lv: protection.New(env.GitHub), ledger: ledger.NewStore(env.GitHub)}
	if o.Lever == "ruleset" {
		d.kind, d.lv = override.LeverRuleset, ruleset.New(env.GitHub)
		t, relax, err := ruleset.Resolve(ctx, env.GitHub, d.target, o.Ruleset, o.Relax)
		if err != nil {
			return nil, fmt.Errorf("finding the drill's ruleset: %w", err)
		}
		d.target, d.o.Relax = t, relax
		o.Relax = relax
	}
	if o.Lever == "team" {
		if _, _, err := team.SplitTeam(o.Team); err != nil || o.User == "" {
			return nil, fmt.Errorf("a team drill needs the team as ORG/SLUG and the user to add (got team %q, user %q)", o.Team, o.User)
		}
		d.kind, d.lv = override.LeverTeam, team.New(env.GitHub)
		d.target = override.Target{Repo: o.Repo, Team: o.Team, User: o.User}
		o.Branch, d.o.Branch = "", ""
		role, err := d.teamGrant(ctx)
		if err != nil {
			return nil, err
		}
		d.teamRole = role
	}
	r := &Report{Version: ReportVersion, Repo: o.Repo, Branch: o.Branch, Lever: o.Lever, Relax: o.Relax, Sandbox: o.Sandbox, Team: o.Team, User: o.User,
		StartedAt: env.Now().UTC(), Duration: Ms(o.Duration), SLOs: o.SLOs.millis(), Skipped: skipped}
	for _, name := range names {
		sc := &Scenario{Name: name, StartedAt: env.Now().UTC()}
		switch name {
		case "happy":
			d.happy(ctx, sc)
		case "crash":
			d.crash(ctx, sc)
		case "drift":
			d.drift(ctx, sc)
		case "overlap":
			d.overlap(ctx, sc)
		case "faults":
			d.faults(ctx, sc)
		}
		o.SLOs.apply(sc)
		sc.finish()
		r.Scenarios = append(r.Scenarios, sc)
		d.postReport(ctx, r, sc)
	}
	r.Elapsed = Ms(env.Now().Sub(r.StartedAt))
	r.Passed = len(r.Failures()) == 0 && len(r.Scenarios) > 0
	return r, nil
}

// postReport adds the scenario's report as a comment on its audit issue,
// so the evidence stays with the record (and `glass drill history` can
// read it back).
func (d *driver) postReport(ctx context.Context, r *Report, sc *Scenario) {
	if sc.Override == "" {
		return
	}
	js, err := json.Marshal(sc)
	if err != nil {
		return
	}
	repo, n, err := ledger.ParseID(sc.Override, "")
	if err != nil {
		return
	}
	owner, name, _ := strings.Cut(repo, "/")
	body := sc.Markdown(r, js)
	err = try(ctx, func() error {
		_, _, err := d.env.GitHub.Issues.CreateComment(ctx, owner, name, n, &github.IssueComment{Body: &body})
		return err
	})
	if err != nil {
		sc.Notes = append(sc.Notes, "could not post the report on the audit issue: "+describe(err))
	}
}

// ---- the sandbox's fault log ----

// faultCounts counts the injected faults the simulator answered after
// request sequence number since, by what the client saw.
func faultCounts(sim *ghsim.Server, since int) map[string]int {
	out := map[string]int{}
	for _, e := range sim.Log() {
		if e.Seq <= since {
			continue
		}
		switch {
		case e.Status == 0:
			out["dropped connection"]++
		case !strings.HasPrefix(e.RespHeader.Get("X-GitHub-Request-Id"), "SIMFAULT:"):
		case e.Status == 403:
			out["secondary rate limit"]++
		case e.Status == 429:
			out["429 too many requests"]++
		default:
			out[fmt.Sprintf("%d server error", e.Status)]++
		}
	}
	return out
}

func lastSeq(sim *ghsim.Server) int {
	log := sim.Log()
	if len(log) == 0 {
		return 0
	}
	return log[len(log)-1].Seq
}

// fieldsEqual reports the fields that differ, as "field: want → got".
func fieldsDiff(want, got lever.Fields) []string {
	var out []string
	for _, m := range lever.Diff(want, got) {
		out = append(out, fmt.Sprintf("%s: %s → %s", m.Field, jsonish(m.Want), jsonish(m.Got)))
	}
	return out
}

func jsonish(v any) string {
	if v == nil {
		return "absent"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
