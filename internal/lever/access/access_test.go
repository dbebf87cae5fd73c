package access_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/lever/access"
	"github.com/glass-cli/glass/internal/lever/levertest"
	"github.com/glass-cli/glass/internal/override"
)

var ctx = context.Background()

func start(t *testing.T) *simtest.Sim {
	t.Helper()
	return simtest.Start(t, ghsim.WithSeed("acme"))
}

func target(user string) override.Target {
	return override.Target{Repo: "acme/payments", User: user}
}

// asAlice starts the acme simulator and gives the access lever acting as
// alice (admin of acme/payments) with the target of user's access.
func asAlice(t *testing.T, user string) (*simtest.Sim, lever.Lever, override.Target) {
	t.Helper()
	sim := start(t)
	return sim, access.New(sim.GitHub(t, "alice")), target(user)
}

func read(t *testing.T, l lever.Lever, tg override.Target) lever.Fields {
	t.Helper()
	return levertest.Read(t, l, tg).Fields
}

// cycle runs open (Relax, Write, Read = prediction) and close (Write(orig),
// Read = orig), returning the relaxed fields and the writes made on close.
func cycle(t *testing.T, sim *simtest.Sim, user string, relax []string, wantRole string) (lever.Fields, []string) {
	t.Helper()
	l := access.New(sim.GitHub(t, "alice"))
	tg := target(user)
	live := read(t, l, tg)
	orig := levertest.ViaJSON(t, live)
	want, err := l.Relax(tg, orig, relax)
	if err != nil {
		t.Fatal(err)
	}
	if want["role"] != wantRole {
		t.Fatalf("Relax role = %v, want %s (orig %v)", want["role"], wantRole, orig)
	}
	levertest.NoDiff(t, "Write's answer vs Relax", want, levertest.Write(t, l, tg, live, want))
	now := read(t, l, tg)
	levertest.NoDiff(t, "Read after open vs Relax", want, now)
	sim.ResetLog()
	plan := lever.Merge(orig, want, now, orig)
	if len(plan.Drift)+len(plan.Conflicts) > 0 {
		t.Fatalf("unexpected drift %+v", plan)
	}
	levertest.NoDiff(t, "restore answer", orig, levertest.Write(t, l, tg, now, plan.Want))
	w := levertest.Writes(sim)
	levertest.NoDiff(t, "Read after close vs orig", orig, read(t, l, tg))
	return want, w
}

func TestNoneToPushToNone(t *testing.T) {
	sim := start(t)
	// dave has push through team developers; maintain is more.
	_, w := cycle(t, sim, "dave", []string{"maintain"}, "maintain")
	if len(w) != 1 || !strings.HasPrefix(w[0], "DELETE /repos/acme/payments/collaborators/dave") {
		t.Fatalf("close writes = %v", w)
	}
}

func TestInvitation(t *testing.T) {
	sim := start(t)
	want, w := cycle(t, sim, "erin", []string{"push"}, "invited:write")
	if _, ok := want["effective"]; ok {
		t.Fatalf("effective predicted while invited: %v", want)
	}
	if len(w) != 1 || !strings.HasPrefix(w[0], "DELETE /repos/acme/payments/invitations/") {
		t.Fatalf("close writes = %v", w)
	}
	sim.Do(func(st *ghsim.State) {
		if n := len(st.Invitations(st.Repo("acme/payments"))); n != 0 {
			t.Fatalf("%d invitations left", n)
		}
	})
}

func TestFrankMaintainAdminMaintain(t *testing.T) {
	sim := start(t)
	_, w := cycle(t, sim, "frank", []string{"admin"}, "admin")
	for _, m := range w {
		if strings.HasPrefix(m, "DELETE") {
			t.Fatalf("restore DELETEd a previous collaborator: %v", w)
		}
	}
	if len(w) != 1 || !strings.HasPrefix(w[0], "PUT /repos/acme/payments/collaborators/frank") {
		t.Fatalf("close writes = %v", w)
	}
}

func TestMalloryPullPushPull(t *testing.T) {
	sim := start(t)
	_, w := cycle(t, sim, "mallory", []string{"push"}, "write")
	if len(w) != 1 || !strings.HasPrefix(w[0], "PUT ") {
		t.Fatalf("close writes = %v", w)
	}
}

func TestCustomRole(t *testing.T) {
	sim := start(t)
	sim.Do(func(st *ghsim.State) { st.AddCollaborator(st.Repo("acme/payments"), "erin", "security-auditor") })
	l := access.New(sim.GitHub(t, "alice"))
	if r := read(t, l, target("erin"))["role"]; r != "security-auditor" {
		t.Fatalf("role = %v", r)
	}
	_, w := cycle(t, sim, "erin", []string{"push"}, "write")
	if len(w) != 1 || !strings.HasPrefix(w[0], "PUT ") {
		t.Fatalf("close writes = %v", w)
	}
	for _, e := range sim.Log() {
		if e.Method == "PUT" && !strings.Contains(string(e.ReqBody), `"security-auditor"`) {
			t.Fatalf("restore PUT body = %s", e.ReqBody)
		}
	}
}

// TestPendingInvitationBefore: erin already had a read invitation; glass
// raises it to write and PATCHes it back.
func TestPendingInvitationBefore(t *testing.T) {
	sim := start(t)
	admin := access.New(sim.GitHub(t, "alice"))
	tg := target("erin")
	live := read(t, admin, tg)
	inv, _ := admin.Relax(tg, live, []string{"pull"})
	levertest.Write(t, admin, tg, live, inv)
	_, w := cycle(t, sim, "erin", []string{"push"}, "invited:write")
	if len(w) != 1 || !strings.HasPrefix(w[0], "PATCH /repos/acme/payments/invitations/") {
		t.Fatalf("close writes = %v", w)
	}
}

// TestAcceptedDuringWindow: erin accepts glass's invitation; close removes
// the access (a conflict on role, not drift).
func TestAcceptedDuringWindow(t *testing.T) {
	sim, l, tg := asAlice(t, "erin")
	live := read(t, l, tg)
	orig := levertest.ViaJSON(t, live)
	want, _ := l.Relax(tg, orig, []string{"push"})
	levertest.Write(t, l, tg, live, want)
	var id int64
	sim.Do(func(st *ghsim.State) { id = st.Invitations(st.Repo("acme/payments"))[0].ID })
	erin := sim.GitHub(t, "erin")
	if _, err := erin.Users.AcceptInvitation(ctx, id); err != nil {
		t.Fatal(err)
	}
	now := read(t, l, tg)
	if now["role"] != "write" {
		t.Fatalf("after accept: %v", now)
	}
	plan := lever.Merge(orig, want, now, orig)
	if len(plan.Conflicts) != 1 || len(plan.Drift) != 0 {
		t.Fatalf("plan = %+v", plan)
	}
	levertest.NoDiff(t, "restore", orig, levertest.Write(t, l, tg, now, plan.Want))
}

// TestDrift: someone else gives dave a direct role while glass's override
// is a no-op on him (he already has push): kept, never DELETEd.
func TestNoOpAndDrift(t *testing.T) {
	sim, l, tg := asAlice(t, "dave")
	orig := read(t, l, tg)
	want, _ := l.Relax(tg, orig, []string{"push"})
	levertest.NoDiff(t, "no-op", orig, want)
	notes, err := l.(lever.Previewer).Preview(ctx, tg, orig, want)
	if err != nil || len(notes) != 1 || !strings.Contains(notes[0].Message, "already has push") {
		t.Fatalf("notes = %+v, %v", notes, err)
	}
	sim.Do(func(st *ghsim.State) { st.AddCollaborator(st.Repo("acme/payments"), "dave", "triage") })
	live := read(t, l, tg)
	plan := lever.Merge(orig, want, live, orig)
	if len(plan.Drift) == 0 {
		t.Fatalf("plan = %+v", plan)
	}
	sim.ResetLog()
	levertest.Write(t, l, tg, live, plan.Want)
	if w := levertest.Writes(sim); len(w) != 0 {
		t.Fatalf("writes = %v", w)
	}
}

// TestOverlapHighest: two overrides (push, maintain) grant maintain; when
// maintain closes, push remains.
func TestOverlapHighest(t *testing.T) {
	_, l, tg := asAlice(t, "mallory")
	live := read(t, l, tg)
	orig := levertest.ViaJSON(t, live)
	union, _ := l.Relax(tg, orig, []string{"maintain", "push"})
	if union["role"] != "maintain" {
		t.Fatalf("union = %v", union)
	}
	levertest.Write(t, l, tg, live, union)
	desired, _ := l.Relax(tg, orig, []string{"push"})
	now := read(t, l, tg)
	plan := lever.Merge(orig, union, now, desired)
	levertest.NoDiff(t, "partial", desired, levertest.Write(t, l, tg, now, plan.Want))
	levertest.NoDiff(t, "partial read", desired, read(t, l, tg))
}

func TestPreview(t *testing.T) {
	sim := start(t)
	l := access.New(sim.GitHub(t, "alice"))
	pv := l.(lever.Previewer)
	for _, c := range []struct {
		user, perm, kind, text string
	}{
		{"erin", "push", "invitation", "GitHub will send an invitation; erin has no access until they accept it"},
		{"dave", "push", "team-access", "already has push"},
		{"dave", "maintain", "team-access", "through a team"},
		{"frank", "push", "already-has", "glass never downgrades"},
	} {
		tg := target(c.user)
		orig := read(t, l, tg)
		want, _ := l.Relax(tg, orig, []string{c.perm})
		notes, err := pv.Preview(ctx, tg, orig, want)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, n := range notes {
			if n.Kind == c.kind && strings.Contains(n.Message, c.text) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s %s: notices %+v", c.user, c.perm, notes)
		}
	}
}

func TestValidateAndRelax(t *testing.T) {
	l := access.New(github.NewClient(nil))
	if err := l.Validate(target("erin"), []string{"push"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]string{{"write"}, {"owner"}, {}} {
		if err := l.Validate(target("erin"), bad); err == nil {
			t.Errorf("Validate(%v) accepted", bad)
		}
	}
	if err := l.Validate(override.Target{Repo: "nope", User: "x"}, []string{"push"}); err == nil {
		t.Error("bad repo accepted")
	}
	if _, err := l.Relax(target("erin"), lever.Fields{"role": ""}, []string{"read"}); err == nil {
		t.Error("Relax accepted role_name vocabulary")
	}
	if l.Kind() != override.LeverAccess || len(l.Relaxations()) != 5 || len(access.Keys()) != 3 {
		t.Error("kind/relaxations/keys")
	}
}

// TestEmptyUser: the CLI fills --user with the token's login; the lever
// never guesses it, because a different person may close the override.
func TestEmptyUser(t *testing.T) {
	sim := start(t)
	l := access.New(sim.GitHub(t, "bob"))
	tg := override.Target{Repo: "acme/payments"}
	if err := l.Validate(tg, []string{"push"}); err == nil {
		t.Fatal("Validate accepted an empty user")
	}
	if _, err := l.Read(ctx, tg); err == nil {
		t.Fatal("Read accepted an empty user")
	}
	if _, err := l.Write(ctx, tg, lever.Fields{"role": ""}, lever.Fields{"role": "write"}); err == nil || len(sim.Log()) != 0 {
		t.Fatalf("Write with an empty user: %v, %d requests", err, len(sim.Log()))
	}
	f, err := l.Read(ctx, override.Target{Repo: "acme/payments", User: "bob"})
	if err != nil || f.Fields["effective"] != "admin" {
		t.Fatalf("bob (team oncall, admin): %v %v", f.Fields, err)
	}
}

func TestReadForbidden(t *testing.T) {
	sim := start(t)
	l := access.New(sim.GitHub(t, "mallory"))
	_, err := l.Read(ctx, override.Target{Repo: "acme/payments", User: "mallory"})
	// mallory (pull) cannot list collaborators: the error names the permission.
	if err == nil || !strings.Contains(err.Error(), "mallory's access") || !strings.Contains(err.Error(), "Administration: write") {
		t.Fatalf("err = %v", err)
	}
}

// ---- failures ----

func TestReadFailures(t *testing.T) {
	levertest.ReadFailsUnchanged(t, []ghsim.FaultKind{ghsim.Fault500, ghsim.Fault503, ghsim.FaultDrop}, 4, func(t *testing.T, sim *simtest.Sim) error {
		_, err := access.New(sim.GitHub(t, "alice")).Read(ctx, target("erin"))
		return err
	})
}

func TestUnknownUserAndRepo(t *testing.T) {
	sim := start(t)
	l := access.New(sim.GitHub(t, "alice"))
	if _, err := l.Read(ctx, target("nobody-here")); !lever.IsRefusal(err) {
		t.Fatalf("unknown user: %v", err)
	}
	l = access.New(start(t).GitHub(t, "alice"))
	_, err := l.Read(ctx, override.Target{Repo: "acme/nope", User: "erin"})
	if err == nil || !strings.Contains(err.Error(), "does not exist or the token cannot see it") {
		t.Fatalf("unknown repo: %v", err)
	}
}

func TestWriteFailures(t *testing.T) {
	for _, c := range []struct {
		name, user, perm string
		kind             ghsim.FaultKind
		want             string
	}{
		{"put-500", "mallory", "push", ghsim.Fault500, "mallory keeps read"},
		{"put-503", "erin", "push", ghsim.Fault503, "erin keeps no direct access"},
		// The PUT may have landed: no claim about what erin keeps.
		{"put-drop", "erin", "push", ghsim.FaultDrop, "does not know whether GitHub applied this change: the request was sent but the connection dropped"},
		{"put-502", "mallory", "push", ghsim.Fault502, "run `glass status`"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim, l, tg := asAlice(t, c.user)
			live := read(t, l, tg)
			want, _ := l.Relax(tg, live, []string{c.perm})
			sim.SetFaults(ghsim.Faults{FailNth: 1, FailNthKind: c.kind})
			if _, err := l.Write(ctx, tg, live, want); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	// restore failures: DELETE collaborator, invitation list, DELETE invitation, PATCH.
	for _, c := range []struct {
		name, user, perm string
		nth              int
		want             string
	}{
		{"delete-collaborator", "dave", "maintain", 1, "dave may still have maintain"},
		{"list-invitations", "erin", "push", 1, "listing invitations"},
		{"delete-invitation", "erin", "push", 2, "may still be pending"},
		// A gateway error on a write: whether it applied is unknown.
		{"delete-collaborator-502", "dave", "maintain", 1, "does not know whether GitHub applied this change: GitHub's gateway answered 502"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim, l, tg := asAlice(t, c.user)
			orig := read(t, l, tg)
			want, _ := l.Relax(tg, orig, []string{c.perm})
			levertest.Write(t, l, tg, orig, want)
			live := read(t, l, tg)
			kind := ghsim.Fault500
			if strings.HasSuffix(c.name, "-502") {
				kind = ghsim.Fault502
			}
			sim.SetFaults(ghsim.Faults{FailNth: c.nth, FailNthKind: kind})
			if _, err := l.Write(ctx, tg, live, orig); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestWriteForbidden(t *testing.T) {
	sim, l, tg := asAlice(t, "erin")
	live := read(t, l, tg)
	want, _ := l.Relax(tg, live, []string{"push"})
	_, err := access.New(sim.GitHub(t, "dave")).Write(ctx, tg, live, want)
	var er *github.ErrorResponse
	if !errors.As(err, &er) || !strings.Contains(err.Error(), "Administration: write") {
		t.Fatalf("err = %v", err)
	}
}

func TestWrite422(t *testing.T) {
	_, l, tg := asAlice(t, "mallory")
	live := read(t, l, tg)
	// A custom role that was deleted during the window: GitHub refuses it.
	want := live.Clone()
	want["role"] = "no-such-role"
	if _, err := l.Write(ctx, tg, live, want); err == nil || !strings.Contains(err.Error(), "rejected the request as invalid") {
		t.Fatalf("err = %v", err)
	}
}

// TestRoundTrips: Read costs one round trip of four requests and Write one
// request. A barrier holds every request until all expected ones are in
// flight, so the test counts requests sent together instead of timing them.
func TestRoundTrips(t *testing.T) {
	sim := start(t)
	b := simtest.NewBarrier(sim.Client.Transport)
	l := access.New(sim.GitHubOver(t, "alice", b))
	tg := target("mallory")
	sim.ResetLog()
	b.Expect(4)
	live := read(t, l, tg)
	if got, n := b.MaxInFlight(), len(sim.Log()); got != 4 || n != 4 {
		t.Fatalf("Read: %d requests, at most %d in flight together; want 4 in one round trip", n, got)
	}
	want, _ := l.Relax(tg, live, []string{"push"})
	sim.ResetLog()
	b.Expect(1)
	got, err := l.Write(ctx, tg, live, want)
	if err != nil || got == nil {
		t.Fatal(err)
	}
	if n := len(sim.Log()); n != 1 {
		t.Fatalf("Write: %d requests, want 1", n)
	}
}

func TestPatchInvitationFailure(t *testing.T) {
	sim, l, tg := asAlice(t, "erin")
	none := read(t, l, tg)
	pull, _ := l.Relax(tg, none, []string{"pull"})
	levertest.Write(t, l, tg, none, pull)
	orig := read(t, l, tg) // erin has a read invitation
	want, _ := l.Relax(tg, orig, []string{"admin"})
	levertest.Write(t, l, tg, orig, want)
	live := read(t, l, tg)
	sim.SetFaults(ghsim.Faults{FailNth: 2, FailNthKind: ghsim.Fault500}) // list ok, PATCH fails
	_, err := l.Write(ctx, tg, live, orig)
	if err == nil || !strings.Contains(err.Error(), "the invitation keeps admin") {
		t.Fatalf("err = %v", err)
	}
	// The invitation disappears during the window: nothing to PATCH.
	sim.SetFaults(ghsim.Faults{})
	sim.Do(func(st *ghsim.State) {
		for _, inv := range st.Invitations(st.Repo("acme/payments")) {
			inv.Expired = true
		}
	})
	if _, err := l.Write(ctx, tg, live, orig); err == nil || !strings.Contains(err.Error(), "is gone") {
		t.Fatalf("err = %v", err)
	}
}

// TestPagination: the user is on the second page of direct collaborators.
func TestPagination(t *testing.T) {
	sim := start(t)
	sim.Do(func(st *ghsim.State) {
		repo := st.Repo("acme/payments")
		for i := 0; i < 150; i++ {
			login := "contractor-" + strconv.Itoa(i)
			st.AddUser(login, login, true)
			st.AddCollaborator(repo, login, "triage")
		}
	})
	l := access.New(sim.GitHub(t, "alice"))
	sim.ResetLog()
	if f := read(t, l, target("contractor-149")); f["role"] != "triage" {
		t.Fatalf("role = %v", f["role"])
	}
	pages := 0
	for _, e := range sim.Log() {
		if strings.HasSuffix(e.Path, "/collaborators") {
			pages++
		}
	}
	if pages != 2 {
		t.Fatalf("collaborator pages = %d", pages)
	}
}

// TestPersonalRepo: on a user-owned repository every new collaborator is
// invited (there are no organization members), and the restore cancels it.
func TestPersonalRepo(t *testing.T) {
	sim := start(t)
	l := access.New(sim.GitHub(t, "alice"))
	tg := override.Target{Repo: "alice/dotfiles", User: "erin"}
	live := read(t, l, tg)
	if live["org_member"] != false || live["effective"] != "pull" {
		t.Fatalf("fields = %v (public repo: everyone reads)", live)
	}
	want, _ := l.Relax(tg, live, []string{"push"})
	if want["role"] != "invited:write" {
		t.Fatalf("want = %v", want)
	}
	levertest.NoDiff(t, "open", want, levertest.Write(t, l, tg, live, want))
	levertest.NoDiff(t, "close", live, levertest.Write(t, l, tg, read(t, l, tg), live))
}

func TestSecondaryRateLimitIsNotBlamedOnPermissions(t *testing.T) {
	sim := start(t)
	l := access.New(sim.GitHub(t, "alice"))
	sim.SetFaults(ghsim.Faults{SecondaryRate: 1, HasSeed: true, RetryAfter: 1})
	_, err := l.Read(ctx, target("erin"))
	if err == nil || strings.Contains(err.Error(), "needs admin") {
		t.Fatalf("err = %v", err)
	}
}

func TestFineGrainedForbidden(t *testing.T) {
	sim := start(t)
	tok := sim.AddToken(ghsim.TokenSpec{Login: "alice", FineGrained: true, Permissions: map[string]string{"metadata": "read"}})
	gc := github.NewClient(sim.Client).WithAuthToken(tok)
	gc.BaseURL, _ = url.Parse(sim.URL)
	_, err := access.New(gc).Read(ctx, target("erin"))
	if err == nil || !strings.Contains(err.Error(), "administration=read") || !strings.Contains(err.Error(), "nothing was changed") {
		t.Fatalf("err = %v", err)
	}
}

func TestRaw(t *testing.T) {
	sim := start(t)
	l := access.New(sim.GitHub(t, "alice"))
	s, err := l.Read(ctx, target("frank"))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Collaborator struct {
			Login    string `json:"login"`
			RoleName string `json:"role_name"`
		} `json:"collaborator"`
		Invitation *json.RawMessage `json:"invitation"`
		Permission struct {
			RoleName string `json:"role_name"`
		} `json:"permission"`
	}
	if err := json.Unmarshal(s.Raw, &raw); err != nil {
		t.Fatal(err)
	}
	if raw.Collaborator.Login != "frank" || raw.Collaborator.RoleName != "maintain" || raw.Invitation != nil || raw.Permission.RoleName != "maintain" {
		t.Fatalf("raw = %s", s.Raw)
	}
}
