package engine

import (
	"fmt"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ledger"
	"github.com/glass-cli/glass/internal/override"
)

// seedAudit fills acme/audit with `closed` closed audit issues and `active`
// active overrides (on other branches, far from expiry), through the
// ledger for the active ones so that they parse.
func seedAudit(b testing.TB, e *env, u *user, closed, active int) {
	for i := 0; i < active; i++ {
		o := &override.Override{Lever: override.LeverProtection, Target: override.Target{Repo: "acme/payments", Branch: fmt.Sprintf("hotfix/%d", i)},
			Relax: []string{"reviews"}, Actor: "alice", Reason: "seed", Duration: override.Duration(24 * time.Hour), State: override.StateApplying,
			Requested: e.clk.Now(), Snapshot: []byte(`{}`)}
		if _, _, _, err := u.ledg.Create(bg, "acme/audit", o, ledger.BodyExtras{}); err != nil {
			b.Fatal(err)
		}
		o.State, o.Opened, o.Expires = override.StateActive, e.clk.Now(), e.clk.Now().Add(24*time.Hour)
		if err := u.ledg.Save(bg, o); err != nil {
			b.Fatal(err)
		}
	}
	e.sim.Do(func(st *ghsim.State) {
		repo := st.Repo("acme/audit")
		body := "closed audit record"
		for i := 0; i < closed; i++ {
			now := st.Now()
			repo.Issues = append(repo.Issues, &ghsim.Issue{ID: int64(5_000_000 + i), Number: len(repo.Issues) + 1, Title: "break-glass (closed)", Body: &body,
				State: "closed", Labels: []string{"break-glass", "break-glass:closed"}, User: "alice", CreatedAt: now, UpdatedAt: now, ClosedAt: &now})
		}
	})
}

type measure struct {
	requests, waves int
	log             []string
}

func (u *user) take() measure {
	n, w, log := u.rec.stats()
	u.rec.reset()
	return measure{n, w, log}
}

// BenchmarkOpenClose50ms measures, with the simulator adding 50 ms to every
// request, the sequential round trips and requests of open, close, status
// (10,000 closed + 50 active overrides in the audit repository) and a sweep
// with nothing due (and its repeat, a 304).
func BenchmarkOpenClose50ms(b *testing.B) {
	e := newEnv(b)
	alice := e.user("alice")
	seedAudit(b, e, alice, 10_000, 50)
	e.sim.SetFaults(ghsim.Faults{Latency: 50 * time.Millisecond})
	var open, cls, status, sweep, sweep304, planOpen, openPV, confirmed, confirmedLate, confirmedKept, refresh, selfOpen, selfHinted, userOpen measure
	var openT, closeT time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u := e.user("alice") // a fresh process: no warm ETag cache
		start := time.Now()
		o, err := u.eng.Open(bg, protReq("reviews"))
		if err != nil {
			b.Fatal(err)
		}
		openT += time.Since(start)
		open = u.take()
		start = time.Now()
		if _, err := u.eng.Close(bg, o.ID, "bench"); err != nil {
			b.Fatal(err)
		}
		closeT += time.Since(start)
		cls = u.take()
		// glass open --yes: Plan, then OpenPreview on the fresh reads.
		u = e.user("alice")
		pv, err := u.eng.Plan(bg, protReq("checks"))
		if err != nil {
			b.Fatal(err)
		}
		o, err = u.eng.OpenPreview(bg, pv)
		if err != nil {
			b.Fatal(err)
		}
		planOpen = u.take()
		if _, err := u.eng.Close(bg, o.ID, "bench"); err != nil {
			b.Fatal(err)
		}
		u.take()
		// glass open on a terminal: what runs after the person confirmed,
		// quickly (Plan's reads reused) and after PlanFresh.
		// Slowly, with the preview kept fresh (Refresh, what KeepFresh
		// runs every PlanFresh/2 while the person decides).
		for _, how := range []string{"quick", "late", "kept-fresh"} {
			u = e.user("alice")
			pv, err := u.eng.Plan(bg, protReq("linear-history"))
			if err != nil {
				b.Fatal(err)
			}
			u.take()
			switch how {
			case "late":
				e.clk.Advance(PlanFresh + time.Second)
			case "kept-fresh":
				e.clk.Advance(PlanFresh / 2)
				if ok, err := u.eng.Refresh(bg, pv); !ok || err != nil {
					b.Fatalf("refresh: %v %v", ok, err)
				}
				refresh = u.take()
				e.clk.Advance(PlanFresh/2 + time.Second)
			}
			o, err = u.eng.OpenPreview(bg, pv)
			if err != nil {
				b.Fatal(err)
			}
			switch how {
			case "late":
				confirmedLate = u.take()
			case "kept-fresh":
				confirmedKept = u.take()
			default:
				confirmed = u.take()
			}
			if _, err := u.eng.Close(bg, o.ID, "bench"); err != nil {
				b.Fatal(err)
			}
			u.take()
		}
		// access for yourself (no --user) and with the login given.
		for _, how := range []string{"self", "self-hinted", "user"} {
			u = e.user("alice")
			if how == "self-hinted" { // the login stored by `glass auth login`, or cached
				u = e.user("alice", func(c *Config) { c.LoginHint = func() string { return "alice" } })
			}
			req := accessReq("alice", "push")
			if how != "user" {
				req.Target.User, req.Self = "", true
			}
			o, err = u.eng.Open(bg, req)
			if err != nil {
				b.Fatal(err)
			}
			switch how {
			case "self":
				selfOpen = u.take()
			case "self-hinted":
				selfHinted = u.take()
			default:
				userOpen = u.take()
			}
			if _, err := u.eng.Close(bg, o.ID, "bench"); err != nil {
				b.Fatal(err)
			}
			u.take()
		}
		// glass open --yes: OpenWithPreview, one go.
		u = e.user("alice")
		o, _, err = u.eng.OpenWithPreview(bg, protReq("admins"))
		if err != nil {
			b.Fatal(err)
		}
		openPV = u.take()
		if _, err := u.eng.Close(bg, o.ID, "bench"); err != nil {
			b.Fatal(err)
		}
		u.take()
		s := e.user("bob")
		st, err := s.eng.Status(bg, "acme/audit")
		if err != nil || len(st.Entries) != 50 {
			b.Fatalf("status: %v (%d entries)", err, len(st.Entries))
		}
		status = s.take()
		s = e.user("carol") // another process
		if _, err := s.eng.Sweep(bg, "acme/audit"); err != nil {
			b.Fatal(err)
		}
		sweep = s.take()
		sr, err := s.eng.Sweep(bg, "acme/audit")
		if err != nil || !sr.NotModified {
			b.Fatalf("repeat sweep: %v notModified=%v", err, sr.NotModified)
		}
		sweep304 = s.take()
	}
	b.StopTimer()
	for _, m := range []struct {
		name string
		m    measure
	}{{"open", open}, {"plan+open-preview", planOpen}, {"open-with-preview", openPV}, {"open-preview-after-confirm", confirmed}, {"open-preview-after-slow-confirm", confirmedLate},
		{"refresh", refresh}, {"open-preview-after-slow-confirm-kept-fresh", confirmedKept},
		{"open-access-self", selfOpen}, {"open-access-self-hinted", selfHinted}, {"open-access-user", userOpen}, {"close", cls}, {"status", status}, {"sweep", sweep}, {"sweep-repeat", sweep304}} {
		b.Logf("%s: %d requests, %d sequential round trips", m.name, m.m.requests, m.m.waves)
		for _, l := range m.m.log {
			b.Logf("    %s", l)
		}
	}
	b.ReportMetric(float64(open.waves), "open-roundtrips")
	b.ReportMetric(float64(open.requests), "open-requests")
	b.ReportMetric(float64(openT.Milliseconds())/float64(b.N), "open-ms")
	b.ReportMetric(float64(planOpen.waves), "plan+openpreview-roundtrips")
	b.ReportMetric(float64(openPV.waves), "openwithpreview-roundtrips")
	b.ReportMetric(float64(openPV.requests), "openwithpreview-requests")
	b.ReportMetric(float64(confirmed.waves), "after-confirm-roundtrips")
	b.ReportMetric(float64(confirmedLate.waves), "after-slow-confirm-roundtrips")
	b.ReportMetric(float64(confirmedKept.waves), "after-slow-confirm-kept-fresh-roundtrips")
	b.ReportMetric(float64(selfOpen.waves), "access-self-roundtrips")
	b.ReportMetric(float64(selfHinted.waves), "access-self-hinted-roundtrips")
	b.ReportMetric(float64(userOpen.waves), "access-user-roundtrips")
	b.ReportMetric(float64(cls.waves), "close-roundtrips")
	b.ReportMetric(float64(cls.requests), "close-requests")
	b.ReportMetric(float64(closeT.Milliseconds())/float64(b.N), "close-ms")
	b.ReportMetric(float64(status.requests), "status-requests")
	b.ReportMetric(float64(sweep.requests), "sweep-requests")
	b.ReportMetric(float64(sweep304.requests), "sweep304-requests")
}
