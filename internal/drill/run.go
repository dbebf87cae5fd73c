package drill

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/override"
)

// Env is what a drill needs: the same engine a real incident uses, a client
// for the door test and the raw protection reads, and the ledger to check
// the audit record.
type Env struct {
	GitHub *github.Client
	Engine *engine.Engine
	Ledger *ledger.Store
	Now    func() time.Time
	Sleep  func(context.Context, time.Duration) error
}

// Options choose the drill target and how long the door stays open.
type Options struct {
	Repo      string
	Branch    string
	Relax     []string // default: admins (the smallest relaxation that lets an admin write directly)
	Duration  time.Duration
	AuditRepo string
	SLOs      SLOs
	Scenarios []string // happy (default)
	Sandbox   bool
}

// Scenarios lists the scenarios this build can run.
func Scenarios() []string { return []string{"happy"} }

// Run runs the drill and returns its report. An error means the drill could
// not run at all; a drill that ran and failed a check returns a report with
// Passed false.
func Run(ctx context.Context, env Env, o Options) (*Report, error) {
	if len(o.Relax) == 0 {
		o.Relax = []string{"admins"}
	}
	if o.Duration <= 0 {
		o.Duration = 3 * time.Second
	}
	if o.SLOs == nil {
		o.SLOs = DefaultSLOs()
	}
	if len(o.Scenarios) == 0 {
		o.Scenarios = []string{"happy"}
	}
	r := &Report{Version: ReportVersion, Repo: o.Repo, Branch: o.Branch, Sandbox: o.Sandbox, StartedAt: env.Now()}
	for _, name := range o.Scenarios {
		if name != "happy" {
			return nil, fmt.Errorf("unknown scenario %q (valid: %s)", name, strings.Join(Scenarios(), ", "))
		}
		sc := happy(ctx, env, o)
		o.SLOs.apply(sc)
		sc.finish()
		r.Scenarios = append(r.Scenarios, sc)
		postReport(ctx, env, r, sc)
	}
	r.Elapsed = Ms(env.Now().Sub(r.StartedAt))
	r.Passed = len(r.Failures()) == 0
	return r, nil
}

// happy opens the door, walks through it, and watches it shut on time.
func happy(ctx context.Context, env Env, o Options) *Scenario {
	sc := &Scenario{Name: "happy"}
	owner, repo, _ := strings.Cut(o.Repo, "/")
	before, err := rawProtection(ctx, env.GitHub, owner, repo, o.Branch)
	if !sc.check("snapshot", err == nil, "read the protection before opening: %v", errText(err)) {
		return sc
	}
	path := fmt.Sprintf(".glass-drill/%d.txt", env.Now().UnixNano())
	_, werr := writeFile(ctx, env.GitHub, owner, repo, o.Branch, path)
	sc.check("door shut before", werr != nil, "direct write to %s refused: %s", o.Branch, errText(werr))

	start := env.Now()
	ov, err := env.Engine.Open(ctx, engine.OpenRequest{
		Lever: override.LeverProtection, Target: override.Target{Repo: o.Repo, Branch: o.Branch},
		Relax: o.Relax, Duration: o.Duration, Drill: true, AuditRepo: o.AuditRepo,
		Reason: "Fire drill: prove the emergency door opens, alerts and shuts again",
	})
	if !sc.check("open", err == nil, "override opened through the engine: %s", errText(err)) {
		return sc
	}
	granted := env.Now()
	sc.Override = ov.ID
	sc.metric(MetricGrant, granted.Sub(start))
	// The audit issue is written before the change, so it exists no later
	// than the grant; the alert is the issue itself (no webhook configured).
	sc.metric(MetricAlert, granted.Sub(start))

	sha, werr := writeFile(ctx, env.GitHub, owner, repo, o.Branch, path)
	sc.check("door open during", werr == nil, "direct write to %s went through: %s", o.Branch, errText(werr))
	if werr == nil {
		_, _, derr := env.GitHub.Repositories.DeleteFile(ctx, owner, repo, path, &github.RepositoryContentFileOptions{
			Message: github.String("glass drill: remove throw-away file"), SHA: github.String(sha), Branch: github.String(o.Branch)})
		sc.check("drill file cleaned up", derr == nil, "throw-away file removed: %s", errText(derr))
	}

	// Wait for the expiry, then run the same sweep the scheduled workflow runs.
	if wait := ov.Expires.Sub(env.Now()); wait > 0 {
		if err := env.Sleep(ctx, wait); err != nil {
			sc.check("wait for expiry", false, "%v", err)
			return sc
		}
	}
	swept := env.Now()
	res, err := env.Engine.Sweep(ctx, auditRepo(o))
	restored := env.Now()
	ok := err == nil && res != nil && len(res.Restored)+len(res.Reconciled) >= 1
	sc.check("sweep rolled back", ok, "sweep restored the expired override: %s", errText(err))
	sc.metric(MetricHold, swept.Sub(ov.Expires))
	sc.metric(MetricRestore, restored.Sub(ov.Expires))
	sc.metric(MetricOpenFor, restored.Sub(granted))

	after, err := rawProtection(ctx, env.GitHub, owner, repo, o.Branch)
	sc.check("restore verified", err == nil && bytes.Equal(before, after), "protection after equals before, byte for byte")
	_, werr = writeFile(ctx, env.GitHub, owner, repo, o.Branch, path)
	sc.check("door shut after", werr != nil, "direct write refused again: %s", errText(werr))

	_, events, err := env.Ledger.Load(ctx, ov.ID)
	seen := map[ledger.Kind]bool{}
	listsCommit := false
	for _, ev := range events {
		seen[ev.Kind] = true
		if ev.Activity != nil {
			for _, c := range ev.Activity.Commits {
				if sha != "" && strings.Contains(c.Message, "glass drill") {
					listsCommit = true
				}
			}
		}
	}
	var missing []string
	for _, k := range []ledger.Kind{ledger.KindApplied, ledger.KindRestored, ledger.KindActivity} {
		if !seen[k] {
			missing = append(missing, string(k))
		}
	}
	sc.check("audit record complete", err == nil && len(missing) == 0, "state block digest valid, events present (missing: %s)", strings.Join(missing, ", "))
	sc.check("activity lists the drill commit", listsCommit, "the audit issue's activity section names the drill's own commit")
	return sc
}

func auditRepo(o Options) string {
	if o.AuditRepo != "" {
		return o.AuditRepo
	}
	return o.Repo
}

// postReport adds the scenario's report as a comment on its audit issue,
// so the evidence stays with the record.
func postReport(ctx context.Context, env Env, r *Report, sc *Scenario) {
	if sc.Override == "" {
		return
	}
	js, _ := json.Marshal(sc)
	repo, n, err := ledger.ParseID(sc.Override, "")
	if err != nil {
		return
	}
	owner, name, _ := strings.Cut(repo, "/")
	body := sc.Markdown(r, js)
	if _, _, err := env.GitHub.Issues.CreateComment(ctx, owner, name, n, &github.IssueComment{Body: &body}); err != nil {
		sc.Notes = append(sc.Notes, "could not post the report on the audit issue: "+err.Error())
	}
}

func rawProtection(ctx context.Context, c *github.Client, owner, repo, branch string) ([]byte, error) {
	req, err := c.NewRequest(http.MethodGet, fmt.Sprintf("repos/%s/%s/branches/%s/protection", owner, repo, branch), nil)
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if _, err := c.Do(ctx, req, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// writeFile is the door test: a direct commit to the branch.
func writeFile(ctx context.Context, c *github.Client, owner, repo, branch, path string) (string, error) {
	res, _, err := c.Repositories.CreateFile(ctx, owner, repo, path, &github.RepositoryContentFileOptions{
		Message: github.String("glass drill: door test"), Content: []byte("glass drill\n"), Branch: github.String(branch)})
	if err != nil {
		return "", err
	}
	return res.Content.GetSHA(), nil
}

func errText(err error) string {
	if err == nil {
		return "ok"
	}
	s := err.Error()
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
