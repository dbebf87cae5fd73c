package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v60/github"
	"golang.org/x/sync/errgroup"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/override"
)

// Two-factor requirements, with policy.TwoFactor's values.
const (
	TwoFactorOff       = "off"        // not checked
	TwoFactorIfVisible = "if-visible" // refused only when GitHub shows it off (default)
	TwoFactorRequired  = "required"   // must be shown on
)

// Requirements are what the strict checks demand beyond the defaults.
type Requirements struct {
	TwoFactor  string        // TwoFactorOff, TwoFactorIfVisible (""), TwoFactorRequired
	FreshLogin time.Duration // > 0: the token must come from a `glass auth login` this recent
}

// Target is what an override will touch, as the checks need it.
type Target struct {
	Lever     override.Lever
	Repo      string // OWNER/REPO
	User      string // access and team levers: who gets access (may be someone else: an on-call admin grants it)
	Team      string // team lever: ORG/SLUG
	AuditRepo string // OWNER/REPO of the audit issues; "" means Repo
}

// RefusalError is a strict check saying no (exit 3). Check names it:
// identity, two-factor, fresh-login, permission.
type RefusalError struct {
	Check  string
	Reason string
	Hint   string
}

func (e *RefusalError) Error() string {
	s := e.Reason
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// ExitCode is 3, like every refusal before a change.
func (e *RefusalError) ExitCode() int { return 3 }

// Facts are the answers the checks read, all in one parallel round.
type Facts struct {
	Identity       Identity
	OrgRequires2FA *bool                   // two_factor_requirement_enabled of the target's owner, when shown
	Repos          map[string]*repoFacts   // by OWNER/REPO, lower case
	Probes         map[string]*probeResult // by probe name
}

type repoFacts struct {
	Found       bool
	Private     bool
	Permissions map[string]bool
}

type probeResult struct {
	Denied   bool
	Accepted string // X-Accepted-GitHub-Permissions
}

// Result is what passed, for the audit record.
type Result struct {
	Login string
	Notes []string
	// TwoFactor is the effective 2FA status: the private view, else true
	// when the organization requires 2FA, else nil (unknown). It is what
	// policy.Request.TwoFactor wants.
	TwoFactor *bool
	// LoginAt is when the token was stored by `glass auth login` (zero for
	// other sources): policy.Request.LoginAt.
	LoginAt time.Time
}

// Checker runs the strict checks before `glass open` changes anything.
// Start fires every read at once so that they overlap the engine's own
// first round; Check waits for them and decides.
type Checker struct {
	GitHub *github.Client
	Token  Token
	Req    Requirements
	Clock  clock.Clock

	once  sync.Once
	done  chan struct{}
	facts *Facts
	err   error
}

// Start launches the reads for t in the background. Calling it is
// optional: Check starts them itself when needed.
func (c *Checker) Start(ctx context.Context, t Target) {
	c.once.Do(func() {
		c.done = make(chan struct{})
		go func() {
			defer close(c.done)
			c.facts, c.err = c.gather(ctx, t)
		}()
	})
}

// Gather returns the facts (starting the reads if Start was not called).
func (c *Checker) Gather(ctx context.Context, t Target) (*Facts, error) {
	c.Start(ctx, t)
	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return c.facts, c.err
}

func lowerRepo(r string) string { return strings.ToLower(r) }

// maybeFineGrained: a token whose prefix says classic never needs probes.
func maybeFineGrained(tok string) bool {
	return !strings.HasPrefix(tok, "ghp_") && !strings.HasPrefix(tok, "gho_")
}

func (c *Checker) gather(ctx context.Context, t Target) (*Facts, error) {
	f := &Facts{Repos: map[string]*repoFacts{}, Probes: map[string]*probeResult{}}
	audit := t.AuditRepo
	if audit == "" {
		audit = t.Repo
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		id, err := FetchIdentity(gctx, c.GitHub)
		if err != nil {
			return err
		}
		f.Identity = id
		return nil
	})
	repos := []string{t.Repo}
	if !strings.EqualFold(audit, t.Repo) {
		repos = append(repos, audit)
	}
	for _, full := range repos {
		if full == "" {
			continue
		}
		full := full
		g.Go(func() error {
			o, r, _ := strings.Cut(full, "/")
			repo, resp, err := c.GitHub.Repositories.Get(gctx, o, r)
			rf := &repoFacts{}
			switch {
			case err == nil:
				rf.Found, rf.Private, rf.Permissions = true, repo.GetPrivate(), repo.GetPermissions()
			case resp != nil && resp.StatusCode == http.StatusNotFound:
			default:
				return fmt.Errorf("reading %s (GET /repos/%s): %w", full, full, err)
			}
			mu.Lock()
			f.Repos[lowerRepo(full)] = rf
			mu.Unlock()
			return nil
		})
	}
	owner, _, _ := strings.Cut(t.Repo, "/")
	if c.Req.TwoFactor != TwoFactorOff && owner != "" {
		g.Go(func() error {
			org, _, err := c.GitHub.Organizations.Get(gctx, owner)
			if err == nil {
				f.OrgRequires2FA = org.TwoFactorRequirementEnabled
			}
			return nil // a user-owned repository, or not visible: no org answer
		})
	}
	if maybeFineGrained(c.Token.Value) {
		for name, p := range probesFor(t, audit) {
			name, p := name, p
			g.Go(func() error {
				res, err := c.probe(gctx, p)
				if err != nil {
					return err
				}
				mu.Lock()
				f.Probes[name] = res
				mu.Unlock()
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return f, nil
}

type probe struct {
	method, path string
	perm         string // the fine-grained permission it proves
}

// probesFor lists harmless writes that prove a fine-grained token's write
// permissions: they name an id (0) that never exists, so a token with the
// permission gets 404 and one without gets 403 "Resource not accessible by
// personal access token" with X-Accepted-GitHub-Permissions. guess: GitHub
// checks a fine-grained token's permission before it looks the resource up
// (the simulator does; GitHub's docs do not say).
func probesFor(t Target, audit string) map[string]probe {
	m := map[string]probe{}
	switch t.Lever {
	case override.LeverProtection, override.LeverRuleset, override.LeverAccess:
		m["administration"] = probe{"DELETE", "repos/" + t.Repo + "/invitations/0", "administration=write"}
	}
	if audit != "" {
		m["issues"] = probe{"DELETE", "repos/" + audit + "/issues/0/lock", "issues=write"}
	}
	return m
}

func (c *Checker) probe(ctx context.Context, p probe) (*probeResult, error) {
	req, err := c.GitHub.NewRequest(p.method, p.path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.GitHub.Do(ctx, req, nil)
	res := &probeResult{}
	if resp != nil {
		res.Accepted = resp.Header.Get("X-Accepted-GitHub-Permissions")
	}
	var ge *github.ErrorResponse
	switch {
	case err == nil:
	case errors.As(err, &ge) && ge.Response != nil && ge.Response.StatusCode == http.StatusForbidden &&
		strings.Contains(ge.Message, "not accessible"):
		res.Denied = true
	case errors.As(err, &ge) && ge.Response != nil && ge.Response.StatusCode < 500:
		// 404/422: past the permission check.
	default:
		return nil, fmt.Errorf("checking the token's permissions (%s /%s): %w", p.method, p.path, err)
	}
	return res, nil
}

// Check runs every strict check for t on behalf of actor (the login the
// override will name; "" when not known yet). It returns what passed, or
// a *RefusalError.
func (c *Checker) Check(ctx context.Context, t Target, actor string) (*Result, error) {
	f, err := c.Gather(ctx, t)
	if err != nil {
		return nil, err
	}
	return c.Decide(f, t, actor)
}

// Decide applies the checks to facts already read.
func (c *Checker) Decide(f *Facts, t Target, actor string) (*Result, error) {
	id := f.Identity
	res := &Result{Login: id.Login, TwoFactor: id.TwoFactor, LoginAt: c.Token.StoredAt}
	if res.TwoFactor == nil && f.OrgRequires2FA != nil && *f.OrgRequires2FA {
		on := true
		res.TwoFactor = &on
	}
	audit := t.AuditRepo
	if audit == "" {
		audit = t.Repo
	}
	// 1. Identity: the token's user is who the override will name.
	if c.Token.Login != "" && !strings.EqualFold(c.Token.Login, id.Login) {
		return nil, &RefusalError{Check: "identity",
			Reason: fmt.Sprintf("the token from the %s was stored for %s but GitHub says it belongs to %s", c.Token.Source, c.Token.Login, id.Login),
			Hint:   "run `glass auth login` again"}
	}
	if actor != "" && !strings.EqualFold(actor, id.Login) {
		return nil, &RefusalError{Check: "identity",
			Reason: fmt.Sprintf("the override would name %s but the token belongs to %s", actor, id.Login),
			Hint:   "use your own credentials"}
	}
	res.Notes = append(res.Notes, fmt.Sprintf("identity: %s (token from %s)", id.Login, c.Token.Source))

	// 2. Two-factor authentication.
	switch req := c.Req.TwoFactor; {
	case req == TwoFactorOff:
	case id.TwoFactor != nil && !*id.TwoFactor:
		return nil, &RefusalError{Check: "two-factor",
			Reason: fmt.Sprintf("two-factor authentication is off for %s (GitHub's private view of the account)", id.Login),
			Hint:   "turn it on at https://github.com/settings/security, then try again"}
	case id.TwoFactor != nil:
		res.Notes = append(res.Notes, "two-factor: on (GitHub's private view of the account)")
	case f.OrgRequires2FA != nil && *f.OrgRequires2FA:
		owner, _, _ := strings.Cut(t.Repo, "/")
		res.Notes = append(res.Notes, fmt.Sprintf("two-factor: on (organization %s requires it of every member)", owner))
	case req == TwoFactorRequired:
		return nil, &RefusalError{Check: "two-factor",
			Reason: fmt.Sprintf("the policy requires proof of two-factor authentication and GitHub does not show it for %s (%s)", id.Login, whyHidden(id)),
			Hint:   "run `glass auth login` (it asks for the `user` scope), or use a classic token with the `user` scope"}
	default:
		res.Notes = append(res.Notes, fmt.Sprintf("two-factor: unknown (%s); the policy refuses only when GitHub shows it off", whyHidden(id)))
	}

	// 3. Step-up: a fresh login.
	if w := c.Req.FreshLogin; w > 0 {
		clk := c.Clock
		if clk == nil {
			clk = clock.Real{}
		}
		if c.Token.StoredAt.IsZero() {
			return nil, &RefusalError{Check: "fresh-login",
				Reason: fmt.Sprintf("the policy requires a sign-in within the last %s and the token from %s has no login time", w, c.Token.Source),
				Hint:   "run `glass auth login` and unset the token variables"}
		}
		if age := clk.Now().Sub(c.Token.StoredAt); age > w {
			return nil, &RefusalError{Check: "fresh-login",
				Reason: fmt.Sprintf("the policy requires a sign-in within the last %s; yours is %s old", w, age.Round(time.Minute)),
				Hint:   "run `glass auth login` again"}
		}
		res.Notes = append(res.Notes, "fresh login: "+c.Token.StoredAt.UTC().Format(time.RFC3339))
	}

	// 4. Permission preflight: every write the override needs.
	if err := c.permissions(f, t, audit); err != nil {
		return nil, err
	}
	if id.FineGrained {
		res.Notes = append(res.Notes, "permissions: fine-grained token, administration and issues write proven")
	} else {
		res.Notes = append(res.Notes, "permissions: scopes "+strings.Join(id.Scopes, ", "))
	}
	return res, nil
}

func whyHidden(id Identity) string {
	if id.FineGrained {
		return "a fine-grained or App token does not see the private view of the account"
	}
	if !HasScope(id.Scopes, "user") {
		return "the token lacks the `user` scope"
	}
	return "GitHub's answer had no two_factor_authentication field"
}

func (c *Checker) permissions(f *Facts, t Target, audit string) error {
	id := f.Identity
	needAdmin := t.Lever == override.LeverProtection || t.Lever == override.LeverRuleset || t.Lever == override.LeverAccess
	refuse := func(reason, hint string) error {
		return &RefusalError{Check: "permission", Reason: reason, Hint: hint}
	}
	repoScope := func(full string) string {
		if rf := f.Repos[lowerRepo(full)]; rf != nil && rf.Found && !rf.Private {
			return "public_repo"
		}
		return "repo"
	}
	if !id.FineGrained {
		for _, full := range []string{t.Repo, audit} {
			if full == "" {
				continue
			}
			if s := repoScope(full); !HasScope(id.Scopes, s) {
				return refuse(fmt.Sprintf("the token lacks the `%s` scope, which %s needs for %s", s, writeFor(t, full, audit), full),
					"run `glass auth login` (it asks for repo, read:org, write:org, user), or add the scope to your token")
			}
		}
		if t.Lever == override.LeverTeam && !HasScope(id.Scopes, "write:org") {
			return refuse("the token lacks the `write:org` scope, which the team lever needs to change team membership",
				"run `glass auth login`, or add write:org to your token")
		}
	} else {
		names := []string{"administration", "issues"}
		for _, n := range names {
			p := f.Probes[n]
			if p != nil && p.Denied {
				perm := p.Accepted
				if perm == "" {
					perm = map[string]string{"administration": "administration=write", "issues": "issues=write"}[n]
				}
				where := t.Repo
				if n == "issues" {
					where = audit
				}
				return refuse(fmt.Sprintf("the fine-grained token lacks the %s permission on %s (%s)", permText(perm), where, writeFor(t, where, audit)),
					fmt.Sprintf("edit the token at https://github.com/settings/personal-access-tokens and grant %s for %s", permText(perm), where))
			}
		}
	}
	// The account's own role (GET /repos → permissions), whatever the
	// token: the target first, then the audit repository.
	if rf := f.Repos[lowerRepo(t.Repo)]; rf == nil || !rf.Found {
		return refuse(fmt.Sprintf("%s cannot see %s", id.Login, t.Repo), "check the repository name and your access")
	} else if needAdmin && !rf.Permissions["admin"] {
		return refuse(fmt.Sprintf("%s is not an administrator of %s, and the %s lever writes repository administration settings", id.Login, t.Repo, t.Lever),
			"ask for admin (e.g. through the on-call team), or use a policy-approved lever")
	}
	if rf := f.Repos[lowerRepo(audit)]; rf == nil || !rf.Found {
		return refuse(fmt.Sprintf("%s cannot see the audit repository %s", id.Login, audit), "check --audit-repo and your access")
	} else if !(rf.Permissions["admin"] || rf.Permissions["maintain"] || rf.Permissions["push"] || rf.Permissions["triage"]) {
		return refuse(fmt.Sprintf("%s cannot write issues and labels in the audit repository %s (needs triage or more)", id.Login, audit),
			"pick another --audit-repo, or ask for triage access to it")
	}
	return nil
}

func writeFor(t Target, full, audit string) string {
	switch {
	case strings.EqualFold(full, t.Repo) && t.Lever != override.LeverTeam && strings.EqualFold(full, audit):
		return "the " + string(t.Lever) + " change and its audit issue"
	case strings.EqualFold(full, audit):
		return "the audit issue"
	}
	return "the " + string(t.Lever) + " change"
}

// permText turns "administration=write" into "Administration: write".
func permText(p string) string {
	var out []string
	for _, alt := range strings.Split(p, ";") {
		n, l, _ := strings.Cut(strings.TrimSpace(alt), "=")
		if n == "" {
			continue
		}
		n = strings.ToUpper(n[:1]) + strings.ReplaceAll(n[1:], "_", " ")
		out = append(out, n+": "+l)
	}
	return strings.Join(out, " or ")
}

// MarshalJSON keeps Facts printable in tests without the token.
func (f *Facts) MarshalJSON() ([]byte, error) {
	type alias Facts
	return json.Marshal((*alias)(f))
}
