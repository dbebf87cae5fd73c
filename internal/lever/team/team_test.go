package team_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/lever/levertest"
	"github.com/glass-cli/glass/internal/lever/team"
	"github.com/glass-cli/glass/internal/override"
)

var ctx = context.Background()

func setup(t *testing.T, login string) (*simtest.Sim, lever.Lever) {
	t.Helper()
	return setupSame(t, simtest.Start(t, ghsim.WithSeed("acme")), login)
}

func read(t *testing.T, l lever.Lever, tg override.Target) lever.Fields {
	t.Helper()
	return levertest.Read(t, l, tg).Fields
}

// write writes want over live and checks that the fields after it equal
// want.
func write(t *testing.T, l lever.Lever, tg override.Target, live, want lever.Fields) lever.Fields {
	t.Helper()
	got := levertest.Write(t, l, tg, live, want)
	levertest.NoDiff(t, "after Write", levertest.ViaJSON(t, want), levertest.ViaJSON(t, got))
	return got
}

func role(sim *simtest.Sim, login string) string {
	var r string
	sim.Do(func(st *ghsim.State) { r = st.EffectiveRole(st.Repo("acme/payments"), login) })
	return r
}

// Round trips as the org owner (who may manage every team): the membership
// before, while open and after close, and the effect on repository access.
func TestRoundTrips(t *testing.T) {
	cases := []struct {
		name       string
		team, user string
		before     lever.Fields
		open       string // membership while open
		roleBefore string
		roleOpen   string
	}{
		{"member joins oncall", "acme/oncall", "dave", lever.Fields{"membership": "", "org_role": "member"}, "member", "write", "admin"},
		{"outsider is pending", "acme/oncall", "erin", lever.Fields{"membership": "", "org_role": ""}, "pending:member", "", ""},
		{"already member", "acme/oncall", "alice", lever.Fields{"membership": "member", "org_role": "member"}, "member", "admin", "admin"},
		{"maintainer is not downgraded", "acme/security", "carol", lever.Fields{"membership": "maintainer", "org_role": "member"}, "maintainer", "maintain", "maintain"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim, l := setup(t, "acme-admin")
			tg := override.Target{Repo: "acme/payments", Team: c.team, User: c.user}
			if err := l.Validate(tg, []string{"member"}); err != nil {
				t.Fatal(err)
			}
			orig := read(t, l, tg)
			levertest.NoDiff(t, "before", c.before, orig)
			want, err := l.Relax(tg, levertest.ViaJSON(t, orig), []string{"member"})
			if err != nil {
				t.Fatal(err)
			}
			if want["membership"] != c.open {
				t.Fatalf("relaxed membership = %v, want %s", want["membership"], c.open)
			}
			if got := role(sim, c.user); got != c.roleBefore {
				t.Errorf("role before = %q", got)
			}
			live := write(t, l, tg, orig, want)
			if got := role(sim, c.user); got != c.roleOpen {
				t.Errorf("role while open = %q, want %q", got, c.roleOpen)
			}
			write(t, l, tg, live, orig)
			if got := role(sim, c.user); got != c.roleBefore {
				t.Errorf("role after = %q", got)
			}
			levertest.NoDiff(t, "after restore", levertest.ViaJSON(t, orig), levertest.ViaJSON(t, read(t, l, tg)))
		})
	}
}

// Someone promotes the member glass added to maintainer during the window:
// glass had a stake in the field (it added the membership), so Merge
// reports a conflict and restores "none", as it was before glass opened.
func TestConflictAndDrift(t *testing.T) {
	sim, l := setup(t, "acme-admin")
	tg := override.Target{Repo: "acme/payments", Team: "acme/oncall", User: "dave"}
	orig := read(t, l, tg)
	want, _ := l.Relax(tg, orig, []string{"member"})
	expected := write(t, l, tg, orig, want)
	// Someone promotes dave to maintainer while the door is open.
	sim.Do(func(st *ghsim.State) { st.AddTeamMember("acme", "oncall", "dave", "maintainer") })
	live := read(t, l, tg)
	p := lever.Merge(levertest.ViaJSON(t, orig), levertest.ViaJSON(t, expected), levertest.ViaJSON(t, live), levertest.ViaJSON(t, orig))
	if len(p.Conflicts) != 1 || p.Conflicts[0].Field != "membership" || p.Conflicts[0].Live != "maintainer" {
		t.Fatalf("plan = %+v", p)
	}
	write(t, l, tg, live, p.Want)
	if got := role(sim, "dave"); got != "write" {
		t.Errorf("dave after = %q", got)
	}
}

func TestRefusalsAndErrors(t *testing.T) {
	sim, l := setup(t, "acme-admin")
	// an org owner
	tg := override.Target{Repo: "acme/payments", Team: "acme/oncall", User: "acme-admin"}
	orig := read(t, l, tg)
	if _, err := l.Relax(tg, orig, []string{"member"}); !lever.IsRefusal(err) || !strings.Contains(err.Error(), "is an owner of acme") {
		t.Errorf("owner: %v", err)
	}
	for _, c := range []struct {
		tg  override.Target
		err string
	}{
		{override.Target{Team: "acme/ghosts", User: "dave"}, "team acme/ghosts not found"},
		{override.Target{Team: "acme/oncall", User: "nobody-here"}, "user nobody-here not found"},
	} {
		if _, err := l.Read(ctx, c.tg); !lever.IsRefusal(err) || !strings.Contains(err.Error(), c.err) {
			t.Errorf("Read(%+v) = %v", c.tg, err)
		}
	}
	for _, c := range []struct {
		tg    override.Target
		relax []string
		err   string
	}{
		{override.Target{Team: "oncall", User: "dave"}, []string{"member"}, "ORG/SLUG"},
		{override.Target{Team: "acme/oncall"}, []string{"member"}, "--user"},
		{override.Target{Team: "acme/oncall", User: "dave"}, []string{"maintainer"}, "unknown --relax"},
	} {
		if err := l.Validate(c.tg, c.relax); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("Validate(%+v) = %v", c.tg, err)
		}
	}

	// A team member without rights (dave) cannot add anyone: 403 explained.
	_, dl := setupSame(t, sim, "dave")
	tg = override.Target{Team: "acme/oncall", User: "dave"}
	orig = read(t, dl, tg)
	want, _ := dl.Relax(tg, orig, []string{"member"})
	if _, err := dl.Write(ctx, tg, orig, want); err == nil || !strings.Contains(err.Error(), "organization owner or a maintainer of the team") {
		t.Errorf("dave: %v", err)
	}
	// The PUT fails on the way: nothing verified, the error says what stays.
	sim.SetFaults(ghsim.Faults{FailNth: 1, FailNthKind: ghsim.Fault502})
	if _, err := l.Write(ctx, tg, orig, want); err == nil || !strings.Contains(err.Error(), "dave stays not in the team") {
		t.Errorf("PUT failure: %v", err)
	}
	// A read fails.
	sim.SetFaults(ghsim.Faults{FailPath: "memberships", FailPathKind: ghsim.Fault503})
	if _, err := l.Read(ctx, tg); err == nil || lever.IsRefusal(err) || !strings.Contains(err.Error(), "nothing was changed") {
		t.Errorf("read failure: %v", err)
	}
	sim.SetFaults(ghsim.Faults{})
	live := write(t, l, tg, orig, want)
	sim.SetFaults(ghsim.Faults{FailNth: 1, FailNthKind: ghsim.Fault500})
	if _, err := l.Write(ctx, tg, live, orig); err == nil || !strings.Contains(err.Error(), "dave may still be member") {
		t.Errorf("DELETE failure: %v", err)
	}
	sim.SetFaults(ghsim.Faults{})
	write(t, l, tg, live, orig)

	notes, _ := l.(lever.Previewer).Preview(ctx, tg, orig, want)
	if len(notes) != 1 || notes[0].Kind != "removal" {
		t.Errorf("preview = %+v", notes)
	}
	erin := override.Target{Team: "acme/oncall", User: "erin"}
	eo := read(t, l, erin)
	ew, _ := l.Relax(erin, eo, []string{"member"})
	notes, _ = l.(lever.Previewer).Preview(ctx, erin, eo, ew)
	if len(notes) != 2 || notes[0].Kind != "invitation" {
		t.Errorf("erin preview = %+v", notes)
	}
}

func setupSame(t *testing.T, sim *simtest.Sim, login string) (*simtest.Sim, lever.Lever) {
	t.Helper()
	return sim, team.New(sim.GitHub(t, login))
}

// An outsider glass invited: whether they accept during the window or not,
// the restore removes the team membership and the organization membership
// (or invitation) the invitation made; its failures say what may remain.
func TestInvitationRestore(t *testing.T) {
	for _, c := range []struct {
		name     string
		accepted bool
		fault    ghsim.Faults // on the restore
		closer   string       // who restores (default acme-admin)
		team     string
		err      string
	}{
		{name: "pending, cancelled", team: "acme/oncall"},
		{name: "accepted, removed again", accepted: true, team: "acme/oncall"},
		{name: "organization DELETE fails", accepted: true, team: "acme/oncall", fault: ghsim.Faults{FailNth: 2, FailNthKind: ghsim.Fault500},
			err: "erin may still be out of team acme/oncall but erin is still a member of acme"},
		{name: "team maintainer cannot remove from the organization", accepted: true, team: "acme/security", closer: "carol",
			err: "only an organization owner can remove a member or cancel an invitation: erin is out of team acme/security but erin is still a member of acme; an owner of acme must finish the rollback"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sim, l := setup(t, "acme-admin")
			tg := override.Target{Repo: "acme/payments", Team: c.team, User: "erin"}
			orig := read(t, l, tg)
			want, err := l.Relax(tg, levertest.ViaJSON(t, orig), []string{"member"})
			if err != nil {
				t.Fatal(err)
			}
			live := write(t, l, tg, orig, want)
			if c.accepted {
				erin := sim.GitHub(t, "erin")
				if _, _, err := erin.Organizations.EditOrgMembership(ctx, "", "acme", &github.Membership{State: github.String("active")}); err != nil {
					t.Fatalf("erin accepts: %v", err)
				}
				live = read(t, l, tg)
				if live["membership"] != "member" || live["org_role"] != "member" {
					t.Fatalf("after acceptance: %v", live)
				}
			}
			closer := l
			if c.closer != "" {
				_, closer = setupSame(t, sim, c.closer)
			}
			sim.SetFaults(c.fault)
			_, err = closer.Write(ctx, tg, live, orig)
			sim.SetFaults(ghsim.Faults{})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("restore error = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if mm := lever.Diff(levertest.ViaJSON(t, orig), levertest.ViaJSON(t, read(t, l, tg))); len(mm) > 0 {
				t.Errorf("after restore: %+v", mm)
			}
			if got := role(sim, "erin"); got != "" {
				t.Errorf("erin's role after restore = %q", got)
			}
		})
	}
}
