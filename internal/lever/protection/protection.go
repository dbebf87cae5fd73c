// Package protection is the lever for classic branch protection of one
// branch: read the complete rule, relax parts of it (or remove it), and put
// it back exactly.
//
// Fields (see Keys): protected (true, false, or "pattern" when a rule the
// REST endpoints cannot address governs the branch), owner_type, the
// required_status_checks.*, required_pull_request_reviews.* and
// restrictions.* groups (enabled plus sub-fields, absent when disabled),
// enforce_admins, the seven boolean flags and required_signatures.
//
// Wildcard rules: GET/PUT/DELETE …/branches/{branch}/protection address only
// a rule named exactly like the branch; {branch} "cannot contain wildcard
// characters. To use wildcard characters in branch names, use the GraphQL
// API" (docs.github.com, REST "Update branch protection"). A rule whose name
// is a pattern "can no longer be read via API" (github/rest-api-description#577;
// also octokit/octokit.net#2180, google/go-github#1362). GET …/branches/{branch}
// still says protected:true, and GET …/protection answers 404 "Branch not
// protected" — the same answer a ruleset-only branch gets (hub4j/github-api#2062).
// A PUT for such a branch creates a new exact-name rule that outranks the
// wildcard ("the rules that include a specific branch name have the highest
// priority", docs "About protected branches"; PyGithub/PyGithub#2415 uses
// exactly that as a workaround). glass therefore cannot snapshot the rule in
// force, and refuses before changing anything.
package protection

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghapi"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/override"
)

// Lever implements lever.Lever and lever.Previewer for classic protection.
type Lever struct{ c *github.Client }

// New returns the protection lever using c.
func New(c *github.Client) lever.Lever { return &Lever{c: c} }

var (
	_ lever.Lever     = (*Lever)(nil)
	_ lever.Previewer = (*Lever)(nil)
)

// relaxations in --relax order; all removes the protection.
var relaxations = []lever.RelaxOption{
	{Name: "reviews", Summary: "required pull request reviews"},
	{Name: "checks", Summary: "required status checks"},
	{Name: "admins", Summary: "enforcement for administrators (enforce_admins off)"},
	{Name: "force-push", Summary: "allow force pushes"},
	{Name: "deletions", Summary: "allow deleting the branch"},
	{Name: "restrictions", Summary: "who may push (push restrictions)"},
	{Name: "linear-history", Summary: "required linear history"},
	{Name: "signatures", Summary: "required signed commits"},
	{Name: "conversations", Summary: "required conversation resolution"},
	{Name: "lock", Summary: "branch lock (read-only branch)"},
	{Name: "all", Summary: "remove the protection rule entirely"},
}

func (l *Lever) Kind() override.Lever { return override.LeverProtection }

func (l *Lever) Relaxations() []lever.RelaxOption {
	return append([]lever.RelaxOption(nil), relaxations...)
}

func known(name string) bool {
	for _, o := range relaxations {
		if o.Name == name {
			return true
		}
	}
	return false
}

func (l *Lever) Validate(t override.Target, relax []string) error {
	if _, _, err := ghapi.SplitRepo(t.Repo); err != nil {
		return err
	}
	if t.Branch == "" {
		return errors.New("the protection lever needs a branch (--branch)")
	}
	if strings.ContainsAny(t.Branch, "*?[") {
		return &lever.RefusalError{
			Reason: fmt.Sprintf("%q is a pattern, not a branch", t.Branch),
			Hint:   "name one branch; the REST API cannot address wildcard rules (edit the rule in Settings → Branches, or convert it to a ruleset and use --lever ruleset)",
		}
	}
	if len(relax) == 0 {
		return errors.New("name what to relax with --relax (e.g. --relax reviews)")
	}
	for _, r := range relax {
		if !known(r) {
			return lever.UnknownRelax(l, r)
		}
	}
	return nil
}

// Relax is pure: the fields that Read returns once Write has made relax live.
// It refuses (*lever.RefusalError) an unprotected branch and one governed by a
// rule glass cannot read (see the package doc); Read itself reports those
// states without refusing, because close must be able to read a branch whose
// protection glass removed.
func (l *Lever) Relax(t override.Target, orig lever.Fields, relax []string) (lever.Fields, error) {
	if err := refuseState(t, orig); err != nil {
		return nil, err
	}
	out := orig.Clone()
	for _, r := range relax {
		switch r {
		case "all":
			return lever.Fields{kProtected: false, kOwnerType: orig[kOwnerType]}, nil
		case "reviews":
			dropGroup(out, "required_pull_request_reviews.")
			out[kReviews] = false
		case "checks":
			dropGroup(out, "required_status_checks.")
			out[kChecks] = false
		case "restrictions":
			dropGroup(out, kRestrictionsP)
			out[kRestrictions] = false
		case "admins":
			out[kEnforceAdmins] = false
		case "force-push":
			out[kForcePush] = true
		case "deletions":
			out[kDeletions] = true
		case "linear-history":
			out[kLinear] = false
		case "signatures":
			out[kSignatures] = false
		case "conversations":
			out[kConversations] = false
		case "lock":
			out[kLock] = false
		default:
			return nil, lever.UnknownRelax(l, r)
		}
	}
	return out, nil
}

func dropGroup(f lever.Fields, prefix string) {
	for k := range f {
		if strings.HasPrefix(k, prefix) {
			delete(f, k)
		}
	}
}

func refuseState(t override.Target, f lever.Fields) error {
	switch f[kProtected] {
	case true:
		return nil
	case patternValue:
		return &lever.RefusalError{
			Reason: fmt.Sprintf("branch %s of %s is protected by a rule the REST API cannot read or restore (a wildcard rule such as release/*, or a ruleset): GET …/protection answers 404 although the branch is protected", t.Branch, t.Repo),
			Hint:   "edit the matching rule in Settings → Branches, or convert it to a ruleset and use --lever ruleset",
		}
	default:
		return &lever.RefusalError{
			Reason: fmt.Sprintf("branch %s of %s is not protected: there is nothing to relax", t.Branch, t.Repo),
		}
	}
}

// ---- Read ----

// Read runs three GETs in parallel: the protection (kept byte for byte as
// Snapshot.Raw), the branch (protected or not, and whether it exists) and the
// repository (owner type, which decides the PUT shape). One round trip.
func (l *Lever) Read(ctx context.Context, t override.Target) (lever.Snapshot, error) {
	owner, repo, err := ghapi.SplitRepo(t.Repo)
	if err != nil {
		return lever.Snapshot{}, err
	}
	var (
		wg                   sync.WaitGroup
		raw                  bytes.Buffer
		protErr, brErr, rErr error
		branch               struct {
			Protected bool `json:"protected"`
		}
		repoInfo struct {
			Owner struct {
				Type string `json:"type"`
			} `json:"owner"`
		}
	)
	wg.Add(3)
	go func() {
		defer wg.Done()
		protErr = l.do(ctx, "GET", protPath(owner, repo, t.Branch), nil, &raw)
	}()
	go func() {
		defer wg.Done()
		brErr = l.do(ctx, "GET", fmt.Sprintf("repos/%s/%s/branches/%s", owner, repo, url.PathEscape(t.Branch)), nil, &branch)
	}()
	go func() {
		defer wg.Done()
		rErr = l.do(ctx, "GET", fmt.Sprintf("repos/%s/%s", owner, repo), nil, &repoInfo)
	}()
	wg.Wait()
	what := fmt.Sprintf("reading the protection of %s", t)
	if rErr != nil {
		return lever.Snapshot{}, lever.DescribeError(what+" (GET /repos/"+t.Repo+")", rErr, "nothing was changed")
	}
	if brErr != nil {
		if ghapi.StatusCode(brErr) == http.StatusNotFound {
			return lever.Snapshot{}, &lever.RefusalError{
				Reason: fmt.Sprintf("branch %s not found in %s", t.Branch, t.Repo),
				Hint:   "check the branch name; classic protection can only be read and restored for an existing branch (nothing was changed)",
			}
		}
		return lever.Snapshot{}, lever.DescribeError(what+" (GET …/branches/"+t.Branch+")", brErr, "nothing was changed")
	}
	ot := repoInfo.Owner.Type
	if protErr != nil {
		if ghapi.StatusCode(protErr) == http.StatusNotFound && strings.Contains(message(protErr), "not protected") {
			if branch.Protected {
				return lever.Snapshot{Fields: lever.Fields{kProtected: patternValue, kOwnerType: ot}}, nil
			}
			return lever.Snapshot{Fields: lever.Fields{kProtected: false, kOwnerType: ot}}, nil
		}
		return lever.Snapshot{}, lever.DescribeError(what+" (GET …/protection)", protErr, "nothing was changed")
	}
	f, err := fieldsFromGET(raw.Bytes(), ot)
	if err != nil {
		return lever.Snapshot{}, fmt.Errorf("%s: %w (nothing was changed)", what, err)
	}
	return lever.Snapshot{Fields: f, Raw: raw.Bytes()}, nil
}

// ---- Write ----

// Write makes want live. want.protected false: DELETE the rule. Otherwise a
// full PUT converted from want (skipped when only required_signatures
// differs), plus POST/DELETE …/required_signatures, which the PUT cannot
// carry; that call runs beside the PUT when the rule already exists, after it
// when the PUT creates the rule. The answers are the verification: the PUT
// returns the whole rule, the signatures call its one flag.
func (l *Lever) Write(ctx context.Context, t override.Target, live, want lever.Fields) (lever.Fields, error) {
	owner, repo, err := ghapi.SplitRepo(t.Repo)
	if err != nil {
		return nil, err
	}
	path := protPath(owner, repo, t.Branch)
	ot := want[kOwnerType]
	if ot == nil {
		ot = live[kOwnerType]
	}
	if want[kProtected] != true {
		if want[kProtected] == patternValue {
			return nil, &lever.RefusalError{Reason: fmt.Sprintf("glass cannot make %s governed by a pattern rule; nothing was changed", t)}
		}
		if live[kProtected] != true {
			return lever.Fields{kProtected: live[kProtected], kOwnerType: ot}, nil
		}
		if err := l.do(ctx, "DELETE", path, nil, nil); err != nil {
			return nil, lever.DescribeWriteError("removing the protection of "+t.String()+" (DELETE …/protection)", err, "the protection may or may not have been removed: read it again before retrying")
		}
		// 204: the exact-name rule is gone. A wildcard rule that also
		// matches the branch (invisible to REST) would now govern it; close
		// then reads protected:"pattern", a conflict the restore PUT fixes.
		return lever.Fields{kProtected: false, kOwnerType: ot}, nil
	}
	body, err := putBody(want)
	if err != nil {
		return nil, fmt.Errorf("converting the wanted protection of %s: %w (nothing was changed)", t, err)
	}
	exists := live[kProtected] == true
	needPut := !exists
	if exists {
		lb, err := putBody(live)
		if err != nil || !jsonEqual(lb, body) {
			needPut = true
		}
	}
	wantSig := boolOf(want[kSignatures])
	liveSig := exists && boolOf(live[kSignatures])

	var (
		putRaw bytes.Buffer
		putErr error
		sigErr error
		sigGot = liveSig
		sigRan bool
	)
	sig := func() {
		sigRan = true
		if wantSig {
			var r struct {
				Enabled bool `json:"enabled"`
			}
			sigErr = l.do(ctx, "POST", path+"/required_signatures", nil, &r)
			sigGot = r.Enabled
		} else {
			sigErr = l.do(ctx, "DELETE", path+"/required_signatures", nil, nil)
			sigGot = false
		}
	}
	put := func() { putErr = l.do(ctx, "PUT", path, body, &putRaw) }

	switch {
	case exists && needPut && wantSig != liveSig:
		// Safe in parallel: PUT leaves required_signatures alone (§0 item 3)
		// and the sub-resource touches nothing else.
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); put() }()
		go func() { defer wg.Done(); sig() }()
		wg.Wait()
	case needPut:
		put()
		if putErr == nil {
			var g getProtection
			if json.Unmarshal(putRaw.Bytes(), &g) == nil {
				sigGot = on(g.Signatures)
			}
			if sigGot != wantSig {
				sig()
			}
		}
	case wantSig != liveSig:
		sig()
	}
	if putErr != nil {
		unchanged := "the protection rule was not replaced"
		what := "replacing the protection of " + t.String() + " (PUT …/protection)"
		if sigRan && sigErr == nil {
			unchanged += fmt.Sprintf("; but required_signatures was set to %v", wantSig)
			what += fmt.Sprintf(" (required_signatures was set to %v)", wantSig)
		}
		return nil, lever.DescribeWriteError(what, putErr, unchanged)
	}
	if sigErr != nil {
		changed := "nothing else was changed"
		if needPut {
			changed = "the rest of the rule was written (PUT succeeded)"
		}
		return nil, lever.DescribeWriteError("setting required_signatures on "+t.String(), sigErr, changed)
	}
	var got lever.Fields
	if needPut {
		got, err = fieldsFromGET(putRaw.Bytes(), fmt.Sprint(ot))
		if err != nil {
			return nil, nil // the caller reads to verify
		}
	} else {
		got = live.Clone()
	}
	got[kOwnerType] = ot
	got[kSignatures] = sigGot
	return got, nil
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// ---- Preview ----

// Preview lists open pull requests into the branch with auto-merge enabled
// when reviews or checks stop being required: they may merge as soon as the
// rule relaxes. (Merge queues are a ruleset feature and invisible here.)
func (l *Lever) Preview(ctx context.Context, t override.Target, orig, want lever.Fields) ([]lever.Notice, error) {
	var notes []lever.Notice
	if orig[kProtected] == true && len(lever.Diff(orig, want)) == 0 {
		notes = append(notes, lever.Notice{Kind: "no-op", Message: fmt.Sprintf("nothing to relax on %s: what was asked is already off", t)})
		return notes, nil
	}
	removed := want[kProtected] != true && orig[kProtected] == true
	gate := removed ||
		boolOf(orig[kReviews]) && !boolOf(want[kReviews]) ||
		boolOf(orig[kChecks]) && !boolOf(want[kChecks])
	if removed {
		notes = append(notes, lever.Notice{Kind: "rule-removed", Message: fmt.Sprintf("the protection rule of %s is deleted and recreated from the snapshot on close; if a wildcard rule also matches %s, it governs the branch meanwhile", t, t.Branch)})
	}
	if !gate {
		return notes, nil
	}
	owner, repo, err := ghapi.SplitRepo(t.Repo)
	if err != nil {
		return notes, err
	}
	for page := 1; page > 0; {
		var prs []struct {
			Number    int                    `json:"number"`
			Title     string                 `json:"title"`
			HTMLURL   string                 `json:"html_url"`
			User      struct{ Login string } `json:"user"`
			AutoMerge *struct {
				MergeMethod string                 `json:"merge_method"`
				EnabledBy   struct{ Login string } `json:"enabled_by"`
			} `json:"auto_merge"`
		}
		q := url.Values{"state": {"open"}, "base": {t.Branch}, "per_page": {"100"}, "page": {fmt.Sprint(page)}}
		resp, err := l.c.Do(ctx, mustReq(l.c, "GET", fmt.Sprintf("repos/%s/%s/pulls?%s", owner, repo, q.Encode()), nil), &prs)
		if err != nil {
			return notes, lever.DescribeError("listing open pull requests into "+t.String(), err, "nothing was changed")
		}
		for _, pr := range prs {
			if pr.AutoMerge == nil {
				continue
			}
			notes = append(notes, lever.Notice{Kind: "auto-merge", URL: pr.HTMLURL,
				Message: fmt.Sprintf("#%d %q by %s has auto-merge (%s) enabled and may merge as soon as %s is relaxed", pr.Number, pr.Title, pr.User.Login, pr.AutoMerge.MergeMethod, t)})
		}
		page = resp.NextPage
	}
	return notes, nil
}

// ---- HTTP helpers ----

func protPath(owner, repo, branch string) string {
	// v60 path-escapes the branch the same way (release/1.x → release%2F1.x).
	return fmt.Sprintf("repos/%s/%s/branches/%s/protection", owner, repo, url.PathEscape(branch))
}

func mustReq(c *github.Client, method, path string, body any) *http.Request {
	req, err := c.NewRequest(method, path, body)
	if err != nil {
		// Only a BaseURL without a trailing slash or an unencodable body gets here.
		panic(err)
	}
	return req
}

func (l *Lever) do(ctx context.Context, method, path string, body, v any) error {
	req, err := l.c.NewRequest(method, path, body)
	if err != nil {
		return err
	}
	_, err = l.c.Do(ctx, req, v)
	return err
}

func message(err error) string {
	var er *github.ErrorResponse
	if errors.As(err, &er) {
		return er.Message
	}
	return ""
}
