// Package access is the lever for a user's direct role on a repository:
// grant --permission for the window, then put back exactly what was there.
//
// Fields:
//
//	role        the direct role as GitHub's role_name says it (read, triage,
//	            write, maintain, admin or a custom role), "invited:<permissions>"
//	            for a pending repository invitation (read, write, triage,
//	            maintain, admin), or "" for neither. One field, so that an
//	            invitation accepted during the window is glass's own change
//	            (a conflict Merge puts back), not someone else's drift.
//	org_member  whether the user is a member of the owning organization: a
//	            PUT for a non-member who is not a collaborator creates an
//	            invitation (201) instead of access (204).
//	effective   the highest permission the user has from every source
//	            (pull, triage, push, maintain, admin, or ""), from
//	            GET …/collaborators/{u}/permission. Only present when role is
//	            "": once the user has a direct role or invitation it can no
//	            longer tell inherited access from glass's grant.
//
// Restore never DELETEs someone who was a direct collaborator before: DELETE
// unstars the repository, unassigns their issues and may delete their fork
// (repos/remove-collaborator; github-api.md §3.2). A previous role is put
// back with PUT, a previous invitation with PATCH.
package access

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

const (
	kRole      = "role"
	kOrgMember = "org_member"
	kEffective = "effective"

	invitedPrefix = "invited:"
)

// Keys lists the field keys.
func Keys() []string { return []string{kEffective, kOrgMember, kRole} }

// Lever implements lever.Lever and lever.Previewer for repository access.
type Lever struct{ c *github.Client }

// New returns the access lever using c.
func New(c *github.Client) lever.Lever { return &Lever{c: c} }

var (
	_ lever.Lever     = (*Lever)(nil)
	_ lever.Previewer = (*Lever)(nil)
)

// rank orders the PUT vocabulary (pull…admin), the role_name vocabulary
// (read…admin) and the invitation vocabulary alike. Custom roles rank 0:
// glass cannot see their base role without org admin rights.
var rank = map[string]int{"pull": 1, "read": 1, "triage": 2, "push": 3, "write": 3, "maintain": 4, "admin": 5}

var perms = []string{"pull", "triage", "push", "maintain", "admin"}

// roleName maps the PUT vocabulary to role_name (and to invitation permissions).
func roleName(p string) string {
	switch p {
	case "pull":
		return "read"
	case "push":
		return "write"
	}
	return p
}

// putPermission maps role_name / invitation permissions back to PUT's vocabulary.
func putPermission(r string) string {
	switch r {
	case "read":
		return "pull"
	case "write":
		return "push"
	}
	return r
}

func (l *Lever) Kind() override.Lever { return override.LeverAccess }

func (l *Lever) Relaxations() []lever.RelaxOption {
	return []lever.RelaxOption{
		{Name: "pull", Summary: "read access"},
		{Name: "triage", Summary: "triage access"},
		{Name: "push", Summary: "write access"},
		{Name: "maintain", Summary: "maintain access"},
		{Name: "admin", Summary: "admin access"},
	}
}

func (l *Lever) Validate(t override.Target, relax []string) error {
	if _, _, err := ghapi.SplitRepo(t.Repo); err != nil {
		return err
	}
	if t.User == "" {
		// The login is part of the record: whoever closes the override must
		// revoke this user's access, not their own (the CLI fills in the
		// token's login for --user's default).
		return errors.New("the access lever needs the user's login (--user)")
	}
	if len(relax) == 0 && t.Permission == "" {
		return errors.New("name the permission to grant (--permission pull|triage|push|maintain|admin)")
	}
	for _, r := range append(append([]string(nil), relax...), t.Permission) {
		if r != "" && (rank[r] == 0 || r == "read" || r == "write") {
			return lever.UnknownRelax(l, r)
		}
	}
	return nil
}

// highest returns the highest permission named (the union of overlapping
// overrides grants the highest).
func highest(names []string) string {
	best := ""
	for _, n := range names {
		if rank[n] > rank[best] {
			best = n
		}
	}
	return best
}

func str(v any) string { s, _ := v.(string); return s }

// Relax is pure. It never downgrades: when the user already has the
// permission (directly, or through a team or org role when not a direct
// collaborator) it returns orig unchanged, and Preview says why.
func (l *Lever) Relax(t override.Target, orig lever.Fields, relax []string) (lever.Fields, error) {
	for _, r := range relax {
		if rank[r] == 0 || r == "read" || r == "write" {
			return nil, lever.UnknownRelax(l, r)
		}
	}
	p := highest(relax)
	out := orig.Clone()
	role := str(orig[kRole])
	switch {
	case p == "":
		return out, nil
	case role == "" && rank[str(orig[kEffective])] >= rank[p]:
		return out, nil
	case role != "" && !strings.HasPrefix(role, invitedPrefix) && rank[role] >= rank[p]:
		return out, nil
	}
	delete(out, kEffective)
	switch {
	case strings.HasPrefix(role, invitedPrefix) && orig[kOrgMember] != true:
		// Write changes a pending invitation with PATCH (repos/update-invitation).
		out[kRole] = invitedPrefix + roleName(p)
	case role == "" && orig[kOrgMember] != true:
		// 201: "when a new invitation is created" (repos/add-collaborator).
		out[kRole] = invitedPrefix + roleName(p)
	default:
		// 204: existing collaborator or organization member.
		out[kRole] = roleName(p)
	}
	return out, nil
}

// ---- Read ----

type collaborator struct {
	Login    string `json:"login"`
	RoleName string `json:"role_name"`
}

type invitation struct {
	ID          int64  `json:"id"`
	Permissions string `json:"permissions"`
	Expired     bool   `json:"expired"`
	Invitee     *struct {
		Login string `json:"login"`
	} `json:"invitee"`
}

type permissionLevel struct {
	Permission string `json:"permission"`
	RoleName   string `json:"role_name"` // dropped by go-github v60's RepositoryPermissionLevel
	User       *struct {
		Permissions map[string]bool `json:"permissions"`
	} `json:"user"`
}

// Read runs four GETs in parallel (one round trip, plus pages of long
// lists): the direct collaborators (affiliation=direct), the pending
// invitations, the user's permission level, and organization membership.
func (l *Lever) Read(ctx context.Context, t override.Target) (lever.Snapshot, error) {
	owner, repo, err := ghapi.SplitRepo(t.Repo)
	if err != nil {
		return lever.Snapshot{}, err
	}
	user, err := l.user(ctx, t)
	if err != nil {
		return lever.Snapshot{}, err
	}
	var (
		wg                     sync.WaitGroup
		direct                 *collaborator
		inv                    *invitation
		perm                   permissionLevel
		rawC, rawI, rawP       json.RawMessage
		member                 bool
		errC, errI, errP, errM error
	)
	wg.Add(4)
	go func() {
		defer wg.Done()
		errC = pages(l, ctx, fmt.Sprintf("repos/%s/%s/collaborators?affiliation=direct", owner, repo), func(page []json.RawMessage) {
			for _, r := range page {
				var c collaborator
				if json.Unmarshal(r, &c) == nil && strings.EqualFold(c.Login, user) {
					direct, rawC = &c, r
				}
			}
		})
	}()
	go func() {
		defer wg.Done()
		errI = pages(l, ctx, fmt.Sprintf("repos/%s/%s/invitations", owner, repo), func(page []json.RawMessage) {
			for _, r := range page {
				var v invitation
				// An expired invitation can no longer be accepted (GitHub docs:
				// invitations expire after 7 days); it grants nothing.
				if json.Unmarshal(r, &v) == nil && v.Invitee != nil && strings.EqualFold(v.Invitee.Login, user) && !v.Expired {
					inv, rawI = &v, r
				}
			}
		})
	}()
	go func() {
		defer wg.Done()
		var buf bytes.Buffer
		errP = l.do(ctx, "GET", fmt.Sprintf("repos/%s/%s/collaborators/%s/permission", owner, repo, url.PathEscape(user)), nil, &buf)
		if errP == nil {
			rawP = buf.Bytes()
			if err := json.Unmarshal(rawP, &perm); err != nil {
				errP = fmt.Errorf("decoding the permission level: %w", err)
			}
		}
	}()
	go func() {
		defer wg.Done()
		// orgs/check-membership-for-user: 204 member, 404 not a member (or
		// the owner is not an organization).
		errM = l.do(ctx, "GET", fmt.Sprintf("orgs/%s/members/%s", owner, url.PathEscape(user)), nil, nil)
		if errM == nil {
			member = true
		} else if ghapi.StatusCode(errM) == http.StatusNotFound {
			errM = nil
		}
	}()
	wg.Wait()
	what := fmt.Sprintf("reading %s's access to %s", user, t.Repo)
	if errP != nil && ghapi.StatusCode(errP) == http.StatusNotFound && errC == nil {
		return lever.Snapshot{}, &lever.RefusalError{Reason: fmt.Sprintf("user %s not found on GitHub", user), Hint: "check the login (nothing was changed)"}
	}
	if err := errors.Join(errC, errI, errP, errM); err != nil {
		return lever.Snapshot{}, lever.DescribeError(what, err, "nothing was changed")
	}
	f := lever.Fields{kOrgMember: member, kRole: ""}
	switch {
	case direct != nil:
		f[kRole] = direct.RoleName
	case inv != nil:
		f[kRole] = invitedPrefix + inv.Permissions
	default:
		f[kEffective] = level(perm)
	}
	// Raw, for the audit record: the user's entries exactly as GitHub sent
	// them (null when absent).
	raw, err := json.Marshal(struct {
		Collaborator json.RawMessage `json:"collaborator"`
		Invitation   json.RawMessage `json:"invitation"`
		Permission   json.RawMessage `json:"permission"`
	}{orNull(rawC), orNull(rawI), orNull(rawP)})
	if err != nil {
		return lever.Snapshot{}, err
	}
	return lever.Snapshot{Fields: f, Raw: raw}, nil
}

func orNull(r json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(r)) == 0 {
		return json.RawMessage("null")
	}
	return r
}

// level is the highest permission from the permission endpoint's user
// permissions booleans ("" for none); role_name is the fallback.
func level(p permissionLevel) string {
	best := ""
	if p.User != nil {
		for _, k := range perms {
			if p.User.Permissions[k] {
				best = k
			}
		}
	}
	if best == "" && p.RoleName != "" && p.RoleName != "none" {
		best = putPermission(p.RoleName)
		if rank[best] == 0 {
			best = ""
		}
	}
	return best
}

// ---- Write ----

// Write moves the user's direct access from live["role"] to want["role"]:
// PUT for a role (204) or a new invitation (201), PATCH to change a pending
// invitation, DELETE of the invitation or of the collaborator to go back to
// none. The answers are the verification, except after a DELETE, where the
// user's remaining (inherited) access is unknown: Write returns nil so the
// caller reads it.
func (l *Lever) Write(ctx context.Context, t override.Target, live, want lever.Fields) (lever.Fields, error) {
	owner, repo, err := ghapi.SplitRepo(t.Repo)
	if err != nil {
		return nil, err
	}
	user, err := l.user(ctx, t)
	if err != nil {
		return nil, err
	}
	lr, wr := str(live[kRole]), str(want[kRole])
	if lr == wr {
		return live.Clone(), nil
	}
	collab := fmt.Sprintf("repos/%s/%s/collaborators/%s", owner, repo, url.PathEscape(user))
	out := lever.Fields{kOrgMember: live[kOrgMember]}
	lInv, wInv := strings.HasPrefix(lr, invitedPrefix), strings.HasPrefix(wr, invitedPrefix)

	switch {
	case wr == "":
		if lInv {
			id, err := l.invitationID(ctx, owner, repo, user)
			if err != nil {
				return nil, err
			}
			if id != 0 {
				if err := l.do(ctx, "DELETE", fmt.Sprintf("repos/%s/%s/invitations/%d", owner, repo, id), nil, nil); err != nil {
					return nil, lever.DescribeWriteError(fmt.Sprintf("cancelling the invitation of %s to %s", user, t.Repo), err, "the invitation may still be pending")
				}
			}
			return nil, nil
		}
		// live is a direct role; want none: glass added it (or the user
		// accepted glass's invitation). want is "" only when the user was
		// not a collaborator before, so this DELETE never removes a
		// previous collaborator.
		if err := l.do(ctx, "DELETE", collab, nil, nil); err != nil {
			return nil, lever.DescribeWriteError(fmt.Sprintf("removing %s's direct access to %s (DELETE collaborator)", user, t.Repo), err, fmt.Sprintf("%s may still have %s", user, lr))
		}
		return nil, nil

	case wInv && lInv:
		id, err := l.invitationID(ctx, owner, repo, user)
		if err != nil {
			return nil, err
		}
		if id == 0 {
			return nil, fmt.Errorf("the pending invitation of %s to %s is gone (accepted, declined or expired); nothing was changed", user, t.Repo)
		}
		var got invitation
		p := strings.TrimPrefix(wr, invitedPrefix)
		if err := l.do(ctx, "PATCH", fmt.Sprintf("repos/%s/%s/invitations/%d", owner, repo, id), map[string]string{"permissions": p}, &got); err != nil {
			return nil, lever.DescribeWriteError(fmt.Sprintf("changing the invitation of %s to %s back to %s", user, t.Repo, p), err, "the invitation keeps "+strings.TrimPrefix(lr, invitedPrefix))
		}
		out[kRole] = invitedPrefix + got.Permissions
		return out, nil
	}

	// A direct role or a new invitation: PUT.
	if wInv && lr != "" {
		// The user holds a direct role (an invitation glass sent was
		// accepted) but had only an invitation before: remove the role,
		// then invite again with the old permission.
		if err := l.do(ctx, "DELETE", collab, nil, nil); err != nil {
			return nil, lever.DescribeWriteError(fmt.Sprintf("removing %s's direct access to %s", user, t.Repo), err, fmt.Sprintf("%s may still have %s", user, lr))
		}
	}
	p := putPermission(strings.TrimPrefix(wr, invitedPrefix))
	var inv invitation
	req, err := l.c.NewRequest("PUT", collab, map[string]string{"permission": p})
	if err != nil {
		return nil, err
	}
	resp, err := l.c.Do(ctx, req, &inv)
	if err != nil {
		return nil, lever.DescribeWriteError(fmt.Sprintf("giving %s %s on %s (PUT collaborator)", user, p, t.Repo), err, fmt.Sprintf("%s keeps %s", user, orNone(lr)))
	}
	// v60 returns a zero invitation on 204; the status code tells them apart.
	if resp.StatusCode == http.StatusCreated {
		out[kRole] = invitedPrefix + inv.Permissions
	} else {
		out[kRole] = roleName(p)
	}
	return out, nil
}

func orNone(r string) string {
	if r == "" {
		return "no direct access"
	}
	return r
}

// invitationID finds the user's pending invitation (0 when none).
func (l *Lever) invitationID(ctx context.Context, owner, repo, user string) (int64, error) {
	var id int64
	err := pages(l, ctx, fmt.Sprintf("repos/%s/%s/invitations", owner, repo), func(page []invitation) {
		for _, inv := range page {
			if inv.Invitee != nil && strings.EqualFold(inv.Invitee.Login, user) && !inv.Expired {
				id = inv.ID
			}
		}
	})
	if err != nil {
		return 0, lever.DescribeError(fmt.Sprintf("listing invitations of %s/%s", owner, repo), err, "nothing was changed")
	}
	return id, nil
}

// ---- Preview ----

// Preview says what a human should know first: an invitation instead of
// access, access the user already has, a custom role replaced for the
// window, and the DELETE that closing will make.
func (l *Lever) Preview(ctx context.Context, t override.Target, orig, want lever.Fields) ([]lever.Notice, error) {
	user, err := l.user(ctx, t)
	if err != nil {
		return nil, err
	}
	or, wr := str(orig[kRole]), str(want[kRole])
	var notes []lever.Notice
	switch {
	case or == wr && or == "":
		eff := str(orig[kEffective])
		notes = append(notes, lever.Notice{Kind: "team-access", Message: fmt.Sprintf("%s already has %s on %s through a team or organization role: nothing to grant", user, eff, t.Repo)})
		return notes, nil
	case or == wr && strings.HasPrefix(or, invitedPrefix):
		notes = append(notes, lever.Notice{Kind: "invitation", Message: fmt.Sprintf("%s already has a pending invitation (%s) to %s: nothing to change", user, strings.TrimPrefix(or, invitedPrefix), t.Repo)})
		return notes, nil
	case or == wr:
		notes = append(notes, lever.Notice{Kind: "already-has", Message: fmt.Sprintf("%s already has %s on %s directly: glass never downgrades, nothing to grant", user, or, t.Repo)})
		return notes, nil
	}
	if strings.HasPrefix(wr, invitedPrefix) && !strings.HasPrefix(or, invitedPrefix) {
		notes = append(notes, lever.Notice{Kind: "invitation", Message: fmt.Sprintf("GitHub will send an invitation; %s has no access until they accept it", user)})
	}
	if or == "" {
		if eff := str(orig[kEffective]); eff != "" {
			notes = append(notes, lever.Notice{Kind: "team-access", Message: fmt.Sprintf("%s already has %s on %s through a team or organization role", user, eff, t.Repo)})
		}
		if !strings.HasPrefix(wr, invitedPrefix) {
			notes = append(notes, lever.Notice{Kind: "removal", Message: fmt.Sprintf("on close glass removes %s as a direct collaborator (DELETE): GitHub also unassigns their issues here and unstars the repository", user)})
		}
	} else if rank[or] == 0 && !strings.HasPrefix(or, invitedPrefix) {
		notes = append(notes, lever.Notice{Kind: "custom-role", Message: fmt.Sprintf("%s's direct role is the custom role %s; glass replaces it with %s for the window and puts %s back on close", user, or, wr, or)})
	}
	return notes, nil
}

// ---- helpers ----

// user is t.User. It is never guessed from the token: the override may be
// closed by someone else, who must revoke this user's access, not their own.
func (l *Lever) user(_ context.Context, t override.Target) (string, error) {
	if t.User == "" {
		return "", errors.New("the access target names no user; nothing was changed")
	}
	return t.User, nil
}

// pages GETs every page of a list (per_page=100, following Link: next).
func pages[T any](l *Lever, ctx context.Context, path string, each func([]T)) error {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	next := path + sep + "per_page=100"
	for next != "" {
		req, err := l.c.NewRequest("GET", next, nil)
		if err != nil {
			return err
		}
		var page []T
		resp, err := l.c.Do(ctx, req, &page)
		if err != nil {
			return err
		}
		each(page)
		next = ""
		if resp.NextPage != 0 {
			u, _ := url.Parse(path + sep + "per_page=100")
			q := u.Query()
			q.Set("page", fmt.Sprint(resp.NextPage))
			next = u.Path + "?" + q.Encode()
		}
	}
	return nil
}

func (l *Lever) do(ctx context.Context, method, path string, body, v any) error {
	req, err := l.c.NewRequest(method, path, body)
	if err != nil {
		return err
	}
	_, err = l.c.Do(ctx, req, v)
	return err
}
