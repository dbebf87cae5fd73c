package ledger

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/ghsim"
	"github.com/glass-cli/glass/internal/ghsim/simtest"
	"github.com/glass-cli/glass/internal/override"
)

func newStore(t *testing.T, login string) (*Store, *simtest.Sim, *github.Client) {
	t.Helper()
	sim := simtest.Start(t, ghsim.WithSeed("acme"))
	c := github.NewClient(sim.Client).WithAuthToken(sim.Token(login))
	c.BaseURL, _ = url.Parse(sim.URL)
	return NewStore(c), sim, c
}

// requests counts the exchanges since the last ResetLog, by "METHOD path".
func requests(sim *simtest.Sim) (n int, lines []string) {
	for _, e := range sim.Log() {
		lines = append(lines, fmt.Sprintf("%s %s?%s → %d", e.Method, e.Path, e.Query, e.Status))
	}
	return len(lines), lines
}

func newOverride() *override.Override {
	o := protectionOverride()
	o.ID = ""
	o.State = override.StateApplying
	return o
}

func TestStoreLifecycle(t *testing.T) {
	ctx := context.Background()
	st, sim, c := newStore(t, "alice")

	o := newOverride()
	x := BodyExtras{Mentions: []string{"bob"}, PolicyDecision: "rule oncall-hotfix"}
	sim.ResetLog()
	id, n, htmlURL, err := st.Create(ctx, "acme/audit", o, x)
	if err != nil {
		t.Fatal(err)
	}
	if id != "acme/audit#"+fmt.Sprint(n) || o.ID != id || htmlURL == "" {
		t.Fatalf("Create = %q %d %q, o.ID %q", id, n, htmlURL, o.ID)
	}
	cnt, lines := requests(sim)
	t.Logf("first Create: %d requests\n%s", cnt, strings.Join(lines, "\n"))
	if cnt != 1+len(labelSpecs())+1 {
		t.Errorf("first Create = %d requests, want label list + %d label POSTs + issue POST", cnt, len(labelSpecs()))
	}
	// Labels got their colours, not GitHub's auto-created grey.
	l, _, err := c.Issues.GetLabel(ctx, "acme", "audit", LabelFailed)
	if err != nil || l.GetColor() != "000000" || l.GetDescription() == "" {
		t.Errorf("label %s = %+v, %v", LabelFailed, l, err)
	}

	// Second Create in the same process: labels are not set up again.
	sim.ResetLog()
	o2 := newOverride()
	o2.Target.Branch = "release"
	if _, _, _, err := st.Create(ctx, "acme/audit", o2, BodyExtras{}); err != nil {
		t.Fatal(err)
	}
	if cnt, lines := requests(sim); cnt != 1 {
		t.Errorf("second Create = %d requests:\n%s", cnt, strings.Join(lines, "\n"))
	}

	// A fresh Store (another process) with labels already there: one GET.
	st2 := NewStore(c)
	sim.ResetLog()
	if _, _, _, err := st2.Create(ctx, "acme/audit", newOverride(), BodyExtras{}); err != nil {
		t.Fatal(err)
	}
	if cnt, lines := requests(sim); cnt != 2 {
		t.Errorf("Create with labels present = %d requests:\n%s", cnt, strings.Join(lines, "\n"))
	}

	// Save: one PATCH.
	o.State = override.StateActive
	sim.ResetLog()
	if err := st.Save(ctx, o); err != nil {
		t.Fatal(err)
	}
	if cnt, lines := requests(sim); cnt != 1 {
		t.Errorf("Save = %d requests:\n%s", cnt, strings.Join(lines, "\n"))
	}

	// Append applied (unique) on an issue this Store created: no other
	// process writes "applied", so no listing: one POST; again: 0 requests.
	sim.ResetLog()
	ev := Event{Kind: KindApplied, At: t0, Actor: "alice"}
	if err := st.Append(ctx, o, ev); err != nil {
		t.Fatal(err)
	}
	if cnt, lines := requests(sim); cnt != 1 {
		t.Errorf("Append applied = %d requests:\n%s", cnt, strings.Join(lines, "\n"))
	}
	sim.ResetLog()
	if err := st.Append(ctx, o, ev); err != nil {
		t.Fatal(err)
	}
	if cnt, _ := requests(sim); cnt != 0 {
		t.Errorf("repeated Append in the same process = %d requests, want 0", cnt)
	}
	// Activity (not unique, no key): one POST.
	sim.ResetLog()
	if err := st.Append(ctx, o, Event{Kind: KindActivity, Seq: 2, At: t0, Activity: &Activity{Since: t0, Until: t0}}); err != nil {
		t.Fatal(err)
	}
	if cnt, _ := requests(sim); cnt != 1 {
		t.Errorf("Append activity = %d requests, want 1", cnt)
	}

	// Another process retries the rollback record twice: one comment only.
	other := NewStore(c)
	for i := 0; i < 2; i++ {
		if err := other.Append(ctx, o, Event{Kind: KindRestored, At: t0, Actor: "glass"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Append(ctx, o, Event{Kind: KindRestored, At: t0, Actor: "glass"}); err != nil {
		t.Fatal(err)
	}

	// Close: the issue is closed, labelled closed, and out of ListLive.
	o.State = override.StateClosed
	o.Closed = t0.Add(time.Hour)
	if err := other.Save(ctx, o); err != nil { // other has not seen the body: GET + PATCH
		t.Fatal(err)
	}
	got, evs, err := NewStore(c).Load(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != override.StateClosed || got.ID != o.ID {
		t.Errorf("loaded %s %s", got.ID, got.State)
	}
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, fmt.Sprintf("%s/%d", e.Kind, e.Seq))
	}
	if strings.Join(kinds, " ") != "applied/1 activity/2 restored/3" {
		t.Errorf("events = %v", kinds)
	}
	is, _, err := c.Issues.Get(ctx, "acme", "audit", n)
	if err != nil {
		t.Fatal(err)
	}
	if is.GetState() != "closed" || is.GetStateReason() != "completed" {
		t.Errorf("issue state %s/%s", is.GetState(), is.GetStateReason())
	}
	var names []string
	for _, l := range is.Labels {
		names = append(names, l.GetName())
	}
	if strings.Join(names, ",") != "break-glass,break-glass:closed" {
		t.Errorf("labels %v", names)
	}
	// The notices and mentions survived a Save by a Store that never saw them.
	if _, gx, err := ParseBodyExtras(is.GetBody()); err != nil || gx.PolicyDecision != x.PolicyDecision {
		t.Errorf("extras lost: %+v %v", gx, err)
	}
}

func TestListLiveCostAndETag(t *testing.T) {
	ctx := context.Background()
	st, sim, c := newStore(t, "alice")
	// 50 live and 60 closed overrides, plus an unrelated issue and one
	// labelled by hand without a record.
	var live []*override.Override
	for i := 0; i < 110; i++ {
		o := newOverride()
		o.Target.Branch = fmt.Sprintf("b%d", i)
		if _, _, _, err := st.Create(ctx, "acme/audit", o, BodyExtras{}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 && i > 10 {
			o.State = override.StateClosed
			if err := st.Save(ctx, o); err != nil {
				t.Fatal(err)
			}
			continue
		}
		live = append(live, o)
	}
	if _, _, err := c.Issues.Create(ctx, "acme", "audit", &github.IssueRequest{Title: github.String("unrelated")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Issues.Create(ctx, "acme", "audit", &github.IssueRequest{Title: github.String("hand-labelled"), Labels: &[]string{LabelBase}}); err != nil {
		t.Fatal(err)
	}

	fresh := NewStore(c)
	sim.ResetLog()
	list, nm, err := fresh.ListLive(ctx, "acme/audit")
	if err != nil {
		t.Fatal(err)
	}
	if nm || len(list) != len(live) {
		t.Fatalf("ListLive = %d overrides (want %d), notModified %v", len(list), len(live), nm)
	}
	if cnt, lines := requests(sim); cnt != 1 {
		t.Errorf("ListLive = %d requests, want 1:\n%s", cnt, strings.Join(lines, "\n"))
	}
	sim.ResetLog()
	list2, nm, err := fresh.ListLive(ctx, "acme/audit")
	if err != nil || !nm || len(list2) != len(live) {
		t.Fatalf("repeat ListLive: %d, notModified %v, %v", len(list2), nm, err)
	}
	log := sim.Log()
	if len(log) != 1 || log[0].Status != 304 {
		t.Errorf("repeat ListLive exchanges: %+v", log)
	}

	// A change invalidates the ETag.
	live[0].State = override.StateClosed
	if err := st.Save(ctx, live[0]); err != nil {
		t.Fatal(err)
	}
	list3, nm, err := fresh.ListLive(ctx, "acme/audit")
	if err != nil || nm || len(list3) != len(live)-1 {
		t.Errorf("after a close: %d, notModified %v, %v", len(list3), nm, err)
	}
}

func TestListLivePaginates(t *testing.T) {
	ctx := context.Background()
	st, sim, _ := newStore(t, "alice")
	for i := 0; i < 130; i++ {
		o := newOverride()
		o.Target.Branch = fmt.Sprintf("b%d", i)
		if _, _, _, err := st.Create(ctx, "acme/audit", o, BodyExtras{}); err != nil {
			t.Fatal(err)
		}
	}
	fresh := NewStore(st.gh)
	sim.ResetLog()
	list, _, err := fresh.ListLive(ctx, "acme/audit")
	if err != nil || len(list) != 130 {
		t.Fatalf("ListLive = %d, %v", len(list), err)
	}
	if cnt, lines := requests(sim); cnt != 2 {
		t.Errorf("130 live = %d requests, want 2:\n%s", cnt, strings.Join(lines, "\n"))
	}
	sim.ResetLog()
	list, nm, err := fresh.ListLive(ctx, "acme/audit")
	if err != nil || !nm || len(list) != 130 {
		t.Fatalf("repeat = %d, %v, %v", len(list), nm, err)
	}
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	st, _, c := newStore(t, "alice")
	is, _, err := c.Issues.Create(ctx, "acme", "audit", &github.IssueRequest{Title: github.String("not glass"), Body: github.String("hello")})
	if err != nil {
		t.Fatal(err)
	}
	id := FormatID("acme/audit", is.GetNumber())
	_, _, err = st.Load(ctx, id)
	var ne *NotOverrideError
	if !errors.As(err, &ne) || !errors.Is(err, ErrNoStateBlock) || !strings.Contains(err.Error(), id+" is not a glass override") {
		t.Errorf("Load(plain issue) = %v", err)
	}
	if _, err := st.LoadOverride(ctx, "acme/audit#999"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load(missing) = %v", err)
	}

	// A record copied into another issue is not that issue's record.
	o := newOverride()
	if _, _, _, err := st.Create(ctx, "acme/audit", o, BodyExtras{}); err != nil {
		t.Fatal(err)
	}
	body, _ := RenderBody(o, BodyExtras{})
	cp, _, err := c.Issues.Create(ctx, "acme", "audit", &github.IssueRequest{Title: github.String("copy"), Body: &body, Labels: &[]string{LabelBase}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.LoadOverride(ctx, FormatID("acme/audit", cp.GetNumber())); !errors.Is(err, ErrIDMismatch) {
		t.Errorf("Load(copy) = %v", err)
	}
	// ListLive reports it but still returns the real one.
	list, _, err := NewStore(c).ListLive(ctx, "acme/audit")
	var ie *InvalidRecordsError
	if !errors.As(err, &ie) || len(ie.Records) != 1 || len(list) != 1 {
		t.Errorf("ListLive with a copied record: %d, %v", len(list), err)
	}
}

func TestListDrills(t *testing.T) {
	ctx := context.Background()
	st, _, _ := newStore(t, "alice")
	for i := 0; i < 3; i++ {
		o := newOverride()
		o.Drill = i < 2
		if _, _, _, err := st.Create(ctx, "acme/audit", o, BodyExtras{}); err != nil {
			t.Fatal(err)
		}
		if i != 1 {
			o.State = override.StateClosed
			if err := st.Save(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
	}
	ds, err := st.ListDrills(ctx, "acme/audit")
	if err != nil || len(ds) != 1 || !ds[0].Drill || ds[0].ID != "acme/audit#1" {
		t.Errorf("ListDrills = %+v, %v", ds, err)
	}
}

func TestParseID(t *testing.T) {
	cases := []struct {
		in, def, repo string
		n             int
		err           string
	}{
		{"acme/audit#12", "", "acme/audit", 12, ""},
		{"#7", "acme/audit", "acme/audit", 7, ""},
		{"7", "acme/audit", "acme/audit", 7, ""},
		{" other/x#3 ", "acme/audit", "other/x", 3, ""},
		{"#7", "", "", 0, "names no repository"},
		{"acme#3", "", "", 0, "must be OWNER/REPO"},
		{"acme/audit#x", "", "", 0, "not an issue number"},
		{"acme/audit#0", "", "", 0, "not an issue number"},
		{"", "acme/audit", "", 0, "not an issue number"},
	}
	for _, c := range cases {
		repo, n, err := ParseID(c.in, c.def)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("ParseID(%q) err = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || repo != c.repo || n != c.n {
			t.Errorf("ParseID(%q) = %q %d %v", c.in, repo, n, err)
		}
	}
}

// TestStatusCostAtScale: an audit repo with 10,000 closed and 50 live
// overrides is listed in one request, and a repeat is one 304.
func TestStatusCostAtScale(t *testing.T) {
	ctx := context.Background()
	st, sim, c := newStore(t, "alice")
	closed, _ := RenderBody(func() *override.Override { o := newOverride(); o.State = override.StateClosed; return o }(), BodyExtras{})
	sim.Do(func(s *ghsim.State) {
		repo := s.Repo("acme/audit")
		now := s.Now()
		for i := 0; i < 10000; i++ {
			b := closed
			repo.Issues = append(repo.Issues, &ghsim.Issue{ID: int64(1_000_000 + i), Number: len(repo.Issues) + 1, Title: "old", Body: &b, State: "closed",
				Labels: []string{LabelBase, LabelClosed}, User: "alice", CreatedAt: now, UpdatedAt: now, ClosedAt: &now})
		}
	})
	for i := 0; i < 50; i++ {
		o := newOverride()
		o.Target.Branch = fmt.Sprintf("b%d", i)
		if _, _, _, err := st.Create(ctx, "acme/audit", o, BodyExtras{}); err != nil {
			t.Fatal(err)
		}
	}
	fresh := NewStore(c)
	sim.ResetLog()
	list, _, err := fresh.ListLive(ctx, "acme/audit")
	if err != nil || len(list) != 50 {
		t.Fatalf("ListLive = %d, %v", len(list), err)
	}
	if cnt, lines := requests(sim); cnt != 1 {
		t.Errorf("ListLive = %d requests:\n%s", cnt, strings.Join(lines, "\n"))
	}
	sim.ResetLog()
	if _, nm, err := fresh.ListLive(ctx, "acme/audit"); err != nil || !nm {
		t.Fatalf("repeat: notModified %v, %v", nm, err)
	}
	if log := sim.Log(); len(log) != 1 || log[0].Status != 304 {
		t.Errorf("repeat exchanges: %d", len(log))
	}
}

// TestLabelsDropped: a token that may open issues but not label them would
// write a record nobody can find; Create says so.
func TestLabelsDropped(t *testing.T) {
	ctx := context.Background()
	admin, sim, _ := newStore(t, "alice")
	// The labels exist (a read-only token could not create them; the
	// simulator's 403 there is not in GitHub's description of create-label).
	if err := admin.EnsureLabels(ctx, "acme/audit"); err != nil {
		t.Fatal(err)
	}
	sim.Do(func(s *ghsim.State) { s.AddCollaborator(s.Repo("acme/audit"), "dave", "pull") })
	dc := github.NewClient(sim.Client).WithAuthToken(sim.Token("dave"))
	dc.BaseURL, _ = url.Parse(sim.URL)
	st := NewStore(dc)
	id, _, u, err := st.Create(ctx, "acme/audit", newOverride(), BodyExtras{})
	if !errors.Is(err, ErrLabelsDropped) || id == "" || !strings.Contains(err.Error(), u) {
		t.Errorf("Create without label rights = %q, %v", id, err)
	}
}

// TestLabelRace: a label created by someone else between the list and the
// POST (422 already_exists) is success.
func TestLabelRace(t *testing.T) {
	ctx := context.Background()
	_, _, c := newStore(t, "alice")
	if _, _, err := c.Issues.CreateLabel(ctx, "acme", "audit", &github.Label{Name: github.String(LabelBase)}); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.Issues.CreateLabel(ctx, "acme", "audit", &github.Label{Name: github.String(LabelBase), Color: github.String("b60205")})
	if !isAlreadyExists(err) {
		t.Errorf("second create: %v, want already_exists", err)
	}
}

// TestAppendConcurrent: goroutines racing to record the rollback in one
// process write it once.
func TestAppendConcurrent(t *testing.T) {
	ctx := context.Background()
	st, _, c := newStore(t, "alice")
	o := newOverride()
	if _, _, _, err := st.Create(ctx, "acme/audit", o, BodyExtras{}); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() { errs <- NewStore(c).Append(ctx, o, Event{Kind: KindClosed, At: t0}) }()
	}
	shared := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() { shared <- st.Append(ctx, o, Event{Kind: KindRestored, At: t0}) }()
	}
	for i := 0; i < 8; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		if err := <-shared; err != nil {
			t.Fatal(err)
		}
	}
	_, evs, err := st.Load(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := map[Kind]int{}
	for _, e := range evs {
		n[e.Kind]++
	}
	if n[KindRestored] != 1 {
		t.Errorf("restored recorded %d times by one Store", n[KindRestored])
	}
	t.Logf("closed recorded %d times by 8 separate Stores racing (no conditional POST on GitHub)", n[KindClosed])
}

// TestAppendRetryAfterLostResponse: the comment was written but the answer
// was lost; the retry (another process, as after a crash) finds it and does
// not write a second rollback record. A failed check posts nothing.
func TestAppendRetryAfterLostResponse(t *testing.T) {
	ctx := context.Background()
	st, sim, c := newStore(t, "alice")
	o := newOverride()
	if _, _, _, err := st.Create(ctx, "acme/audit", o, BodyExtras{}); err != nil {
		t.Fatal(err)
	}
	ev := Event{Kind: KindRestored, At: t0, Actor: "glass"}

	sim.SetFaults(ghsim.Faults{FailNth: 1}) // the comment list fails
	if err := st.Append(ctx, o, ev); err == nil {
		t.Fatal("Append succeeded although the idempotency check failed")
	}
	sim.SetFaults(ghsim.Faults{BlackoutAfter: 2}) // list answered, POST done but its answer dropped
	if err := NewStore(c).Append(ctx, o, ev); err == nil {
		t.Fatal("Append reported success for a dropped answer")
	}
	sim.SetFaults(ghsim.Faults{})
	if err := NewStore(c).Append(ctx, o, ev); err != nil {
		t.Fatal(err)
	}
	_, evs, err := st.Load(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Kind != KindRestored || evs[0].Seq != 1 {
		t.Errorf("events after retry = %+v", evs)
	}
}

// TestSaveKeepsOtherLabels: PATCH replaces all labels; labels people added
// (e.g. "sev1") survive a save.
func TestSaveKeepsOtherLabels(t *testing.T) {
	ctx := context.Background()
	st, _, c := newStore(t, "alice")
	o := newOverride()
	_, n, _, err := st.Create(ctx, "acme/audit", o, BodyExtras{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Issues.Edit(ctx, "acme", "audit", n, &github.IssueRequest{Labels: &[]string{LabelBase, LabelActive, "sev1"}}); err != nil {
		t.Fatal(err)
	}
	o.State = override.StateFailed
	if err := NewStore(c).Save(ctx, o); err != nil {
		t.Fatal(err)
	}
	is, _, _ := c.Issues.Get(ctx, "acme", "audit", n)
	var names []string
	for _, l := range is.Labels {
		names = append(names, l.GetName())
	}
	if strings.Join(names, ",") != "break-glass,break-glass:failed,sev1" || is.GetState() != "open" {
		t.Errorf("labels %v, state %s", names, is.GetState())
	}
}

// TestDedupeRace: 8 processes (separate Stores) record the same rollback at
// once, each then running Dedupe, as the engine's contested rollback does
// (DedupeKept, as the contested apply of an approved request does).
// Whatever the interleaving, one "restored" comment remains, the one with
// the lowest comment id, and the unrelated comments are untouched.
func TestDedupeRace(t *testing.T) {
	ctx := context.Background()
	st, sim, c := newStore(t, "alice")
	o := newOverride()
	if _, _, _, err := st.Create(ctx, "acme/audit", o, BodyExtras{}); err != nil {
		t.Fatal(err)
	}
	if err := st.Append(ctx, o, Event{Kind: KindApplied, At: t0}); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 5; round++ {
		start := make(chan struct{})
		errs := make(chan error, 8)
		var mine atomic.Int64
		for i := 0; i < 8; i++ {
			go func() {
				<-start
				s := NewStore(c)
				if err := s.Append(ctx, o, Event{Kind: KindRestored, Key: "restored", At: t0}); err != nil {
					errs <- err
					return
				}
				kept, _, err := s.DedupeKept(ctx, o.ID, "restored")
				if k := kept["restored"]; k.Mine {
					mine.Add(1)
				}
				errs <- err
			}()
		}
		close(start)
		for i := 0; i < 8; i++ {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		// Exactly one process finds its own comment kept (DedupeKept):
		// the contested apply's winner.
		if mine.Load() != 1 {
			t.Fatalf("round %d: %d processes find their own record kept, want 1", round, mine.Load())
		}
		var restored []int64
		kinds := map[Kind]int{}
		sim.Do(func(s *ghsim.State) {
			for _, cm := range s.Repo("acme/audit").Comments {
				ev, ok := ParseEvent(cm.Body)
				if !ok {
					continue
				}
				kinds[ev.Kind]++
				if ev.Kind == KindRestored {
					restored = append(restored, cm.ID)
				}
			}
		})
		if len(restored) != 1 || kinds[KindApplied] != 1 {
			t.Fatalf("round %d: %d restored records (ids %v), %d applied", round, len(restored), restored, kinds[KindApplied])
		}
		// Dedupe again (a later sweep): nothing to do.
		if n, err := NewStore(c).Dedupe(ctx, o.ID, "restored"); err != nil || n != 0 {
			t.Fatalf("second Dedupe deleted %d (%v)", n, err)
		}
		// Start the next round from a clean issue.
		sim.Do(func(s *ghsim.State) {
			r := s.Repo("acme/audit")
			kept := r.Comments[:0]
			for _, cm := range r.Comments {
				if cm.ID != restored[0] {
					kept = append(kept, cm)
				}
			}
			r.Comments = kept
		})
	}
}

// TestDedupeKeepsLowestID: with duplicates already on the issue (left by
// two processes before Dedupe existed, or by a crash before it ran), any
// process's Dedupe keeps the earliest comment and deletes the rest.
func TestDedupeKeepsLowestID(t *testing.T) {
	ctx := context.Background()
	st, sim, c := newStore(t, "alice")
	o := newOverride()
	if _, _, _, err := st.Create(ctx, "acme/audit", o, BodyExtras{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		body, err := RenderEvent(o, Event{Kind: KindRestored, Key: "restored", Seq: 1, At: t0.Add(time.Duration(i) * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.Issues.CreateComment(ctx, "acme", "audit", 1, &github.IssueComment{Body: &body}); err != nil {
			t.Fatal(err)
		}
	}
	var first int64
	sim.Do(func(s *ghsim.State) { first = s.Repo("acme/audit").Comments[0].ID })
	bob := github.NewClient(sim.Client).WithAuthToken(sim.Token("acme-admin"))
	bob.BaseURL = c.BaseURL
	n, err := NewStore(bob).Dedupe(ctx, o.ID, "restored")
	if err != nil || n != 2 {
		t.Fatalf("Dedupe = %d, %v; want 2 deleted", n, err)
	}
	var ids []int64
	sim.Do(func(s *ghsim.State) {
		for _, cm := range s.Repo("acme/audit").Comments {
			ids = append(ids, cm.ID)
		}
	})
	if len(ids) != 1 || ids[0] != first {
		t.Fatalf("left %v, want only %d", ids, first)
	}
}

// TestSaveRecord: the closing PATCH carries the record in the state block
// (one request), numbered like the comments would be; a later Save by
// another process (glass review) keeps it; the same key replaces, never
// duplicates; a record that does not fit fails before any request.
func TestSaveRecord(t *testing.T) {
	ctx := context.Background()
	st, sim, c := newStore(t, "alice")
	o := newOverride()
	if _, _, _, err := st.Create(ctx, "acme/audit", o, BodyExtras{Mentions: []string{"bob"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.Append(ctx, o, Event{Kind: KindApplied, At: t0}); err != nil {
		t.Fatal(err)
	}
	if err := st.Prefetch(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	evs := st.Number(o.ID, Event{Kind: KindRestored, Key: "restored", At: t0.Add(time.Hour), Summary: "reverted and verified"},
		Event{Kind: KindActivity, Key: "activity", At: t0.Add(time.Hour), Activity: &Activity{Since: t0, Until: t0.Add(time.Hour)}})
	if evs[0].Seq != 2 || evs[1].Seq != 3 {
		t.Fatalf("Number gave seqs %d, %d; want 2, 3 (after applied/1)", evs[0].Seq, evs[1].Seq)
	}
	o.State, o.Closed = override.StateClosed, t0.Add(time.Hour)
	sim.ResetLog()
	if err := st.SaveRecord(ctx, o, evs...); err != nil {
		t.Fatal(err)
	}
	if n, lines := requests(sim); n != 1 || !strings.HasPrefix(lines[0], "PATCH ") {
		t.Fatalf("SaveRecord = %d requests, want one PATCH:\n%s", n, strings.Join(lines, "\n"))
	}
	record := func() (string, []Event) {
		t.Helper()
		_, n, _ := ParseID(o.ID, "")
		is, _, err := c.Issues.Get(ctx, "acme", "audit", n)
		if err != nil {
			t.Fatal(err)
		}
		_, x, err := ParseBodyExtras(is.GetBody())
		if err != nil {
			t.Fatal(err)
		}
		if len(x.Mentions) != 1 {
			t.Errorf("extras lost: %+v", x)
		}
		return is.GetState(), x.Record
	}
	state, rec := record()
	if state != "closed" || len(rec) != 2 || rec[0].Kind != KindRestored || rec[0].Seq != 2 || rec[1].Key != "activity" {
		t.Fatalf("after SaveRecord: %s, record %+v", state, rec)
	}

	// Another process signs the review off: its Save keeps the record.
	st2 := NewStore(c)
	o2, err := st2.LoadOverride(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	o2.Review = &override.Review{By: "carol", At: t0.Add(2 * time.Hour)}
	if err := st2.Save(ctx, o2); err != nil {
		t.Fatal(err)
	}
	if _, rec := record(); len(rec) != 2 {
		t.Fatalf("Save after SaveRecord kept %d events, want 2", len(rec))
	}
	// The same key again (a sweep finishing a close): replaced, not added.
	if err := st2.SaveRecord(ctx, o2, Event{Kind: KindReconciled, Key: "restored", Seq: 2, At: t0.Add(3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, rec := record(); len(rec) != 2 || rec[0].Kind != KindReconciled {
		t.Fatalf("same key recorded again: %+v", rec)
	}

	// Too large for a body: ErrTooLarge, and no request at all.
	sim.ResetLog()
	err = st2.SaveRecord(ctx, o2, Event{Kind: KindRestoreFailed, At: t0, Text: strings.Repeat("x", MaxBody)})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized record: %v, want ErrTooLarge", err)
	}
	if n, lines := requests(sim); n != 0 {
		t.Fatalf("oversized record made %d requests:\n%s", n, strings.Join(lines, "\n"))
	}
	if err := st2.Save(ctx, o2); err != nil {
		t.Fatal(err)
	}
	if _, rec := record(); len(rec) != 2 || rec[1].Kind != KindActivity {
		t.Fatalf("a failed SaveRecord changed what the Store saves next: %+v", rec)
	}
	// No comment copy was posted (a crash right after the PATCH): Load
	// still returns the record's events, after the applied comment.
	_, loaded, err := NewStore(c).Load(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range loaded {
		kinds = append(kinds, fmt.Sprintf("%s/%d", ev.Kind, ev.Seq))
	}
	if strings.Join(kinds, " ") != "applied/1 reconciled/2 activity/3" {
		t.Fatalf("Load without the comment copies = %v", kinds)
	}
}

// TestAppendOpenersOwnEvents: on an issue this Store created, the opener's
// own events (applied, and the policy decision that let it open) are
// posted without listing the comments first: one POST each, so open's
// record is one round trip. Any other keyed event lists first.
func TestAppendOpenersOwnEvents(t *testing.T) {
	ctx := context.Background()
	st, sim, _ := newStore(t, "alice")
	o := newOverride()
	if _, _, _, err := st.Create(ctx, "acme/audit", o, BodyExtras{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ev   Event
		want int
	}{
		{Event{Kind: KindPolicy, Key: "policy", At: t0, Actor: "alice"}, 1},
		{Event{Kind: KindApplied, At: t0, Actor: "alice"}, 1},
		{Event{Kind: KindNotified, Key: "notify-granted", At: t0}, 2},
	} {
		sim.ResetLog()
		if err := st.Append(ctx, o, c.ev); err != nil {
			t.Fatal(err)
		}
		if n, lines := requests(sim); n != c.want {
			t.Errorf("Append %s = %d requests, want %d:\n%s", c.ev.Kind, n, c.want, strings.Join(lines, "\n"))
		}
	}
	// Another process (no knowledge of the issue) lists before posting.
	other := NewStore(st.gh)
	sim.ResetLog()
	if err := other.Append(ctx, o, Event{Kind: KindPolicy, Key: "policy", At: t0}); err != nil {
		t.Fatal(err)
	}
	if n, lines := requests(sim); n != 1 || !strings.HasPrefix(lines[0], "GET ") {
		t.Errorf("another process's Append policy = %d requests (want the list only: the key exists):\n%s", n, strings.Join(lines, "\n"))
	}
}
