package openflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui"
)

// Step is one screen of the flow.
type Step int

const (
	StepRepo Step = iota
	StepLever
	StepBranch
	StepRuleset
	StepTeam
	StepUser
	StepPermission
	StepRelax
	StepDuration
	StepReason
	StepPlanning
	StepConfirm
	StepOpening
	StepDone
)

// item is one line of a list question.
type item struct {
	value, label, note string
	disabled           string // why it cannot be chosen ("" : it can)
	mode               string // an optional suffix p switches on (":pull_request")
	prefix             string // a name to type: what goes before it (bypass-team:)
	summary            string // the lever's summary of the option it comes from
}

type (
	branchesMsg struct {
		list []Branch
		err  error
	}
	rulesMsg struct {
		r   Rules
		err error
	}
	rulesetsMsg struct {
		list []Ruleset
		err  error
	}
	teamMsg struct {
		name  string // the relax name (bypass-team:SLUG)
		found bool
		err   error
	}
	meMsg struct {
		login string
		err   error
	}
	planMsg struct {
		pv  *engine.Preview
		err error
		at  time.Duration
	}
	flowEvent struct {
		step *engine.Step
		o    *override.Override
		err  error
		done bool
	}
)

// progressLine is one step of the open as the progress view shows it.
type progressLine struct {
	name, label, detail string
	state               int // 0 pending, 1 done, 2 failed
	elapsed             time.Duration
}

// Model is the interactive open.
type Model struct {
	d     Deps
	k     Known // the request as built so far (flags, then answers)
	step  Step
	rules Rules
	// list questions
	items  []item
	cursor int
	picked map[string]bool // relax multi-select
	other  bool            // typing a free value (branch, duration)
	// text inputs
	repo, text, incident textinput.Model
	reason               textarea.Model
	reasonFocus          bool
	loading              string // what is being fetched, "" when idle
	errNote              string
	me                   string
	branches             []Branch
	pv                   *engine.Preview
	planTook             time.Duration
	events               chan flowEvent
	progress             []progressLine
	result               Result
	quitting             bool
	initCmd              tea.Cmd
	// pending are keys typed while a question's list was loading: they
	// are applied, in order, once it has loaded (never to the
	// confirmation: typing ahead must not open anything unseen).
	pending []tea.KeyMsg
	// ruleset lever
	rulesets     []Ruleset // with active rules on the branch; nil: not listed yet
	rulesetsDone bool      // listed (or could not be): not asked again
	rulesetName  string
	// relax choices beyond the lever's plain names
	modes  map[string]bool // value → its mode suffix is on
	typed  []string        // names typed for a template (bypass-team:oncall)
	typing string          // the prefix of the name being typed, "" when not
}

func newInput(prompt string, width int) textinput.Model {
	t := textinput.New()
	t.Prompt = prompt
	t.Cursor.SetMode(cursor.CursorStatic)
	t.Width = max(20, width-len(prompt)-4)
	return t
}

// New returns the flow for what is known; it asks for the rest.
func New(d Deps, k Known) Model {
	if d.Width <= 0 {
		d.Width = 80
	}
	if d.MaxDuration <= 0 {
		d.MaxDuration = 7 * 24 * time.Hour
	}
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = "│ "
	ta.Placeholder = "What is broken, and what you will do with the access"
	ta.Cursor.SetMode(cursor.CursorStatic)
	ta.SetWidth(min(76, d.Width-4))
	ta.SetHeight(4)
	ta.CharLimit = 2000
	m := Model{d: d, k: k, picked: map[string]bool{}, modes: map[string]bool{}, events: make(chan flowEvent, 64),
		repo: newInput("Repository: ", d.Width), text: newInput("> ", d.Width), incident: newInput("Incident: ", d.Width), reason: ta}
	m.repo.SetValue(d.DefaultRepo)
	m.repo.CursorEnd()
	m.incident.Placeholder = "e.g. INC-4711 (optional unless policy asks)"
	m.incident.SetValue(k.Incident)
	m.reason.SetValue(k.Reason)
	if k.Lever == "" && len(d.Levers) == 1 {
		for l := range d.Levers {
			m.k.Lever = l
		}
	}
	m, m.initCmd = m.advance()
	return m
}

// Result is how the flow ended (valid once the program has quit).
func (m Model) Result() Result { return m.result }

// Step is the current screen (for tests).
func (m Model) Step() Step { return m.step }

// Init returns the command that loads what the first question needs.
func (m Model) Init() tea.Cmd { return m.initCmd }

// needs reports whether the request still lacks the value step asks.
func (m Model) needs(s Step) bool {
	k := m.k
	switch s {
	case StepRepo:
		return k.Repo == ""
	case StepLever:
		return k.Lever == ""
	case StepBranch:
		return kindOf(k.Lever) == targetBranch && k.Branch == ""
	case StepRuleset:
		return k.Lever == override.LeverRuleset && k.Ruleset == "" && k.RulesetID == 0 && !m.rulesetsDone
	case StepTeam:
		return kindOf(k.Lever) == targetTeam && k.Team == ""
	case StepUser:
		return (kindOf(k.Lever) == targetUser || kindOf(k.Lever) == targetTeam) && k.User == ""
	case StepPermission:
		return kindOf(k.Lever) == targetUser && k.Permission == ""
	case StepRelax:
		return kindOf(k.Lever) == targetBranch && len(k.Relax) == 0
	case StepDuration:
		return k.Duration == 0
	case StepReason:
		ok, _ := reasonCheck(m.rules, k.Reason, k.Incident)
		return !ok
	}
	return false
}

// advance moves to the first step still needed and returns the command
// that loads what it shows.
func (m Model) advance() (Model, tea.Cmd) {
	m.errNote = ""
	m.other = false
	for s := StepRepo; s <= StepReason; s++ {
		if !m.needs(s) {
			continue
		}
		m.step = s
		return m.enter()
	}
	m.step = StepPlanning
	if !m.rulesLoaded() && m.k.Lever != "" {
		// Values given as flags are checked against the policy too (a
		// reason too short for it is asked again) before the plan.
		m.loading = "Checking policy…"
		return m, m.rulesCmd()
	}
	m.loading = "Reading the live setting and the open overrides…"
	return m, m.planCmd()
}

// enter prepares the screen of m.step.
func (m Model) enter() (Model, tea.Cmd) {
	m.cursor = 0
	m.items = nil
	switch m.step {
	case StepRepo:
		return m, m.repo.Focus()
	case StepLever:
		for _, l := range sortedLevers(m.d.Levers) {
			it := item{value: string(l), label: string(l), note: leverSummary[l]}
			if kindOf(l) == targetUnknown {
				it.disabled = fmt.Sprintf("not in the interactive flow yet: use glass open --lever %s with flags", l)
			}
			m.items = append(m.items, it)
		}
		m.cursor = firstEnabled(m.items)
	case StepBranch:
		if m.branches == nil && m.d.Branches != nil {
			m.loading = "Listing branches…"
			return m, m.branchesCmd()
		}
		m.branchItems()
	case StepRuleset:
		if m.d.Rulesets == nil {
			m.rulesetsDone = true
			return m.advance()
		}
		if m.rulesets == nil {
			m.loading = fmt.Sprintf("Finding the rulesets on %s…", m.k.Branch)
			return m, m.rulesetsCmd()
		}
		for _, r := range m.rulesets {
			note := "repository ruleset"
			if r.Org != "" {
				note = fmt.Sprintf("organization ruleset of %s (owners only)", r.Org)
			}
			m.items = append(m.items, item{value: fmt.Sprint(r.ID), label: r.Name, note: fmt.Sprintf("%s · id %d", note, r.ID)})
		}
		if len(m.items) == 0 {
			m.items = append(m.items, item{value: "", label: "other branch…", note: "nothing to relax on " + m.k.Branch})
			m.errNote = fmt.Sprintf("no active ruleset applies to %s of %s", m.k.Branch, m.k.Repo)
		}
	case StepTeam:
		m.text.Prompt = "Team: "
		m.text.Placeholder = "SLUG or ORG/SLUG"
		m.text.SetValue("")
		return m, m.text.Focus()
	case StepUser:
		if m.me == "" && m.d.Me != nil {
			m.loading = "Reading who you are…"
			return m, m.meCmd()
		}
		m.text.Prompt = "User: "
		m.text.Placeholder = ""
		m.text.SetValue(m.me)
		m.text.CursorEnd()
		return m, m.text.Focus()
	case StepPermission, StepRelax, StepDuration, StepReason:
		if m.loading == "" && !m.rulesLoaded() {
			m.loading = "Checking policy…"
			return m, m.rulesCmd()
		}
		return m.fill()
	}
	return m, nil
}

func (m Model) rulesLoaded() bool { return m.rules.Source != "" || m.d.Rules == nil }

// fill builds the list of a step that needs the policy view.
func (m Model) fill() (Model, tea.Cmd) {
	switch m.step {
	case StepPermission:
		lv := m.d.Levers[m.k.Lever]
		for _, r := range lv.Relaxations() {
			m.items = append(m.items, item{value: r.Name, label: r.Name, note: r.Summary, disabled: m.rules.Forbidden[r.Name]})
		}
		m.cursor = firstEnabled(m.items)
	case StepRelax:
		m.items = m.relaxItems()
		m.cursor = firstEnabled(m.items)
	case StepDuration:
		maxD := m.maxDuration()
		def := m.rules.DefaultDuration
		for _, p := range presets {
			if p > maxD {
				continue
			}
			m.items = append(m.items, item{value: p.String(), label: tui.Human(p)})
			if p == def {
				m.cursor = len(m.items) - 1
			}
		}
		m.items = append(m.items, item{value: "other", label: "other…", note: fmt.Sprintf("type a duration up to %s", tui.Human(maxD))})
		if def == 0 {
			for i, it := range m.items {
				if it.value == (30 * time.Minute).String() {
					m.cursor = i
				}
			}
		}
	case StepReason:
		m.reasonFocus = true
		m.incident.Blur()
		return m, m.reason.Focus()
	}
	return m, nil
}

// relaxItems lists what can be relaxed: the lever's plain names, and each
// concrete choice of its templates (bypass-role:admin, ...; a team typed
// for bypass-team:SLUG), all greyed out with their option when policy
// forbids it.
func (m Model) relaxItems() []item {
	var items []item
	for _, r := range m.d.Levers[m.k.Lever].Relaxations() {
		off := m.rules.Forbidden[r.Name]
		for _, c := range expand(r.Name) {
			if c.value == "" {
				// A name to type: those typed so far, then the entry.
				for _, v := range m.typed {
					if strings.HasPrefix(v, c.prefix) {
						items = append(items, item{value: v, label: v, mode: c.mode, summary: r.Summary, disabled: off})
					}
				}
				what := strings.TrimSuffix(strings.TrimPrefix(c.prefix, "bypass-"), ":")
				items = append(items, item{label: c.prefix + "…", prefix: c.prefix, note: "type a " + what + " slug to add it", disabled: off})
				continue
			}
			items = append(items, item{value: c.value, label: c.value, mode: c.mode, summary: r.Summary, disabled: off})
		}
	}
	for i := range items {
		if it := &items[i]; it.prefix == "" {
			it.note = choiceNote(it.value, it.mode, m.modes[it.value], it.summary)
		}
	}
	return items
}

// relaxName is the relax name an item stands for, with its mode.
func (m Model) relaxName(it item) string {
	if it.mode != "" && m.modes[it.value] {
		return it.value + it.mode
	}
	return it.value
}

func (m Model) maxDuration() time.Duration {
	maxD := m.d.MaxDuration
	if m.rules.MaxDuration > 0 && m.rules.MaxDuration < maxD {
		maxD = m.rules.MaxDuration
	}
	return maxD
}

func (m *Model) branchItems() {
	m.items = nil
	for _, b := range sortBranches(m.branches) {
		note := ""
		if b.Protected {
			note = "protected"
		}
		m.items = append(m.items, item{value: b.Name, label: b.Name, note: note})
	}
	m.items = append(m.items, item{value: "", label: "other…", note: "type a branch name"})
	m.cursor = 0
}

func firstEnabled(items []item) int {
	for i, it := range items {
		if it.disabled == "" {
			return i
		}
	}
	return 0
}

// ---- commands ----

func (m Model) branchesCmd() tea.Cmd {
	f, repo := m.d.Branches, m.k.Repo
	return func() tea.Msg {
		l, err := f(context.Background(), repo)
		return branchesMsg{l, err}
	}
}

func (m Model) meCmd() tea.Cmd {
	f := m.d.Me
	return func() tea.Msg {
		l, err := f(context.Background())
		return meMsg{l, err}
	}
}

func (m Model) rulesetsCmd() tea.Cmd {
	f, repo, branch := m.d.Rulesets, m.k.Repo, m.k.Branch
	return func() tea.Msg {
		l, err := f(context.Background(), repo, branch)
		return rulesetsMsg{l, err}
	}
}

func (m Model) rulesCmd() tea.Cmd {
	f, k := m.d.Rules, m.k
	return func() tea.Msg {
		r, err := f(context.Background(), k.Repo, k.Lever, k.Branch)
		return rulesMsg{r, err}
	}
}

// Request is the engine request the answers so far describe.
func (m Model) Request() engine.OpenRequest {
	k := m.k
	req := engine.OpenRequest{Lever: k.Lever, Target: override.Target{Repo: k.Repo}, Duration: k.Duration,
		Reason: strings.TrimSpace(k.Reason), Incident: strings.TrimSpace(k.Incident), AuditRepo: k.AuditRepo}
	switch kindOf(k.Lever) {
	case targetUser:
		req.Target.User, req.Target.Permission = k.User, k.Permission
		req.Relax = []string{k.Permission}
	case targetTeam:
		req.Target.User, req.Target.Team = k.User, k.Team
		req.Relax = []string{"member"}
	default:
		req.Target.Branch = k.Branch
		req.Target.RulesetID = k.RulesetID
		req.Relax = override.NormalizeRelax(k.Relax)
	}
	return req
}

func (m Model) now() time.Time {
	if m.d.Clock == nil {
		return time.Now()
	}
	return m.d.Clock.Now()
}

func (m Model) planCmd() tea.Cmd {
	f, prep, req := m.d.Plan, m.d.Prepare, m.Request()
	return func() tea.Msg {
		start := time.Now()
		if prep != nil {
			var err error
			if req, err = prep(context.Background(), req); err != nil {
				return planMsg{err: err, at: time.Since(start)}
			}
		}
		pv, err := f(context.Background(), req)
		return planMsg{pv: pv, err: err, at: time.Since(start)}
	}
}

func (m Model) openCmd() tea.Cmd {
	f, pv, ch := m.d.Open, m.pv, m.events
	go func() {
		o, err := f(context.Background(), pv, func(s engine.Step) { ch <- flowEvent{step: &s} })
		ch <- flowEvent{o: o, err: err, done: true}
	}()
	return m.listen()
}

func (m Model) listen() tea.Cmd {
	ch := m.events
	return func() tea.Msg { return <-ch }
}

// ---- update ----

func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.d.Width = msg.Width
		m.reason.SetWidth(min(76, msg.Width-4))
		return m, nil
	case branchesMsg:
		m.loading = ""
		if msg.err != nil {
			m.errNote = fmt.Sprintf("Could not list branches (%v): type the name", msg.err)
		}
		m.branches = msg.list
		if m.branches == nil {
			m.branches = []Branch{}
		}
		m.branchItems()
		if msg.err != nil {
			m.cursor = len(m.items) - 1
			m.other = true
			m.text.Prompt, m.text.Placeholder = "Branch: ", ""
			m.text.SetValue("")
			return m.replay(m, m.text.Focus())
		}
		return m.replay(m, nil)
	case meMsg:
		m.loading = ""
		m.me = msg.login
		if msg.err != nil {
			m.errNote = fmt.Sprintf("Could not read who you are (%v): type the login", msg.err)
		}
		next, cmd := m.enter()
		if next.step == StepUser && len(next.pending) > 0 && next.pending[0].Type == tea.KeyRunes {
			// A login typed ahead replaces the default (you).
			next.text.SetValue("")
		}
		return m.replay(next, cmd)
	case rulesetsMsg:
		m.loading = ""
		m.rulesets = msg.list
		if m.rulesets == nil {
			m.rulesets = []Ruleset{}
		}
		switch {
		case msg.err != nil:
			// The plan finds the ruleset again and says what is wrong.
			m.rulesetsDone = true
			return m.replay(m.advance())
		case len(m.rulesets) == 1:
			// One ruleset applies: nothing to ask.
			m.k.RulesetID, m.rulesetName = m.rulesets[0].ID, m.rulesets[0].Name
			return m.replay(m.advance())
		}
		return m.replay(m.enter())
	case teamMsg:
		m.loading = ""
		switch {
		case msg.err != nil:
			// Not checked: the plan looks the team up again.
			m = m.addTyped(msg.name, fmt.Sprintf("could not look the team up (%v): the plan checks it", msg.err))
		case !msg.found:
			org, _, _ := strings.Cut(m.k.Repo, "/")
			m.errNote = fmt.Sprintf("no team %s/%s (or your token cannot see it): check the slug", org, strings.TrimPrefix(msg.name, m.typing))
		default:
			m = m.addTyped(msg.name, "")
		}
		return m.replay(m, nil)
	case rulesMsg:
		m.loading = ""
		if msg.err != nil {
			// Policy is enforced again when the override opens (the gate);
			// here it only guides the choices.
			m.errNote = fmt.Sprintf("Could not read the policy (%v): it is still checked when the override opens", msg.err)
			msg.r.Source = "unknown"
		}
		if msg.r.Source == "" {
			msg.r.Source = "no policy"
		}
		m.rules = msg.r
		return m.replay(m.advance())
	case planMsg:
		m.loading = ""
		m.planTook = msg.at
		if msg.err != nil {
			m.result = Result{Err: msg.err}
			m.step = StepDone
			return m, tea.Quit
		}
		m.pv = msg.pv
		m.step = StepConfirm
		return m, nil
	case flowEvent:
		if msg.step != nil {
			m.recordStep(*msg.step)
			return m, m.listen()
		}
		m.result.Override, m.result.Err, m.result.Preview = msg.o, msg.err, m.pv
		m.step = StepDone
		if msg.err != nil || m.k.Wait {
			m.result.Wait = msg.err == nil && m.k.Wait
			return m, tea.Quit
		}
		return m, nil
	case tea.KeyMsg:
		return m.key(msg)
	}
	return m, nil
}

// replay applies the keys typed while something loaded, after cmd (what
// the loaded message led to), until a key starts another load (the rest
// wait for that one) or the flow leaves the questions (the rest are
// dropped: nothing typed ahead reaches the confirmation).
func (m Model) replay(next tea.Model, cmd tea.Cmd) (tea.Model, tea.Cmd) {
	m = next.(Model)
	cmds := []tea.Cmd{cmd}
	for len(m.pending) > 0 && m.loading == "" && m.step < StepPlanning && !m.quitting {
		k := m.pending[0]
		m.pending = m.pending[1:]
		n, c := m.key(k)
		m = n.(Model)
		cmds = append(cmds, c)
	}
	if m.step >= StepPlanning || m.quitting {
		m.pending = nil
	}
	return m, tea.Batch(cmds...)
}

func (m Model) cancel() (tea.Model, tea.Cmd) {
	m.result = Result{Cancelled: true}
	m.quitting = true
	return m, tea.Quit
}

func (m Model) key(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch m.step {
	case StepOpening:
		if k.String() == "ctrl+c" {
			m.errNote = "glass is changing GitHub now and will finish (stopping half-way would leave the door half-open); then you can close it"
		}
		return m, nil
	case StepDone:
		switch k.String() {
		case "w":
			m.result.Wait = true
			return m, tea.Quit
		case "enter", "q", "esc", "ctrl+c":
			return m, tea.Quit
		}
		return m, nil
	}
	if k.String() == "ctrl+c" || (k.String() == "esc" && !m.other && m.typing == "") {
		return m.cancel()
	}
	if m.loading != "" {
		if m.step < StepPlanning {
			m.pending = append(m.pending, k)
		}
		return m, nil
	}
	switch m.step {
	case StepRepo:
		if k.String() == "enter" {
			v := strings.TrimSpace(m.repo.Value())
			if !repoRE.MatchString(v) {
				m.errNote = "type OWNER/REPO, e.g. acme/payments"
				return m, nil
			}
			m.k.Repo = v
			m.repo.Blur()
			return m.advance()
		}
		var cmd tea.Cmd
		m.repo, cmd = m.repo.Update(k)
		return m, cmd
	case StepLever:
		if v, ok := m.pick(k); ok {
			m.k.Lever = override.Lever(v)
			return m.advance()
		}
		return m, nil
	case StepBranch:
		if m.other {
			return m.typeOther(k, func(m Model, v string) (Model, string) {
				if v == "" || strings.ContainsAny(v, " ~^:?*[\\") {
					return m, "type one branch name (no spaces or patterns)"
				}
				m.k.Branch = v
				return m, ""
			})
		}
		if v, ok := m.pick(k); ok {
			if v == "" {
				return m.startOther("Branch: ", "")
			}
			m.k.Branch = v
			return m.advance()
		}
		return m, nil
	case StepRuleset:
		if v, ok := m.pick(k); ok {
			if v == "" {
				// No ruleset on that branch: choose another.
				m.k.Branch, m.rulesets = "", nil
				return m.advance()
			}
			for _, r := range m.rulesets {
				if fmt.Sprint(r.ID) == v {
					m.k.RulesetID, m.rulesetName = r.ID, r.Name
				}
			}
			m.rulesetsDone = true
			return m.advance()
		}
		return m, nil
	case StepTeam:
		if k.String() == "enter" {
			v := strings.TrimPrefix(strings.TrimSpace(m.text.Value()), "@")
			if !strings.Contains(v, "/") {
				owner, _, _ := strings.Cut(m.k.Repo, "/")
				v = owner + "/" + v
			}
			org, slug, ok := strings.Cut(v, "/")
			if !ok || !loginRE.MatchString(org) || slug == "" || strings.ContainsAny(slug, "/ ") {
				m.errNote = "type a team slug, or ORG/SLUG"
				return m, nil
			}
			m.k.Team = v
			m.text.Blur()
			return m.advance()
		}
		var cmd tea.Cmd
		m.text, cmd = m.text.Update(k)
		return m, cmd
	case StepUser:
		if k.String() == "enter" {
			v := strings.TrimPrefix(strings.TrimSpace(m.text.Value()), "@")
			if !loginRE.MatchString(v) {
				m.errNote = "type a GitHub login"
				return m, nil
			}
			m.k.User = v
			m.text.Blur()
			return m.advance()
		}
		var cmd tea.Cmd
		m.text, cmd = m.text.Update(k)
		return m, cmd
	case StepPermission:
		if v, ok := m.pick(k); ok {
			m.k.Permission = v
			return m.advance()
		}
		return m, nil
	case StepRelax:
		if m.typing != "" {
			return m.typeName(k)
		}
		switch k.String() {
		case " ", "x":
			it := m.items[m.cursor]
			if it.disabled != "" {
				m.errNote = fmt.Sprintf("%s: %s", it.label, it.disabled)
				return m, nil
			}
			if it.prefix != "" {
				m.typing = it.prefix
				m.errNote = ""
				m.text.Prompt, m.text.Placeholder = it.label[:len(it.label)-len("…")], "SLUG, e.g. oncall"
				m.text.Width = max(20, m.d.Width-len(m.text.Prompt)-6)
				m.text.SetValue("")
				return m, m.text.Focus()
			}
			m.picked[it.value] = !m.picked[it.value]
			m.errNote = ""
			return m, nil
		case "p":
			it := m.items[m.cursor]
			if it.mode == "" || it.disabled != "" {
				return m, nil
			}
			m.modes[it.value] = !m.modes[it.value]
			m.picked[it.value] = true
			m.items[m.cursor].note = choiceNote(it.value, it.mode, m.modes[it.value], it.summary)
			return m, nil
		case "enter":
			var names []string
			for _, it := range m.items {
				if it.value != "" && m.picked[it.value] {
					names = append(names, m.relaxName(it))
				}
			}
			if len(names) == 0 {
				m.errNote = "choose at least one with space"
				return m, nil
			}
			m.k.Relax = names
			return m.advance()
		}
		m.move(k)
		return m, nil
	case StepDuration:
		if m.other {
			return m.typeOther(k, func(m Model, v string) (Model, string) {
				d, err := parseDuration(v, m.maxDuration())
				if err != nil {
					return m, err.Error()
				}
				m.k.Duration = d
				return m, ""
			})
		}
		if v, ok := m.pick(k); ok {
			if v == "other" {
				return m.startOther("Duration: ", "45m")
			}
			d, _ := time.ParseDuration(v)
			m.k.Duration = d
			return m.advance()
		}
		return m, nil
	case StepReason:
		switch k.String() {
		case "tab", "shift+tab":
			m.reasonFocus = !m.reasonFocus
			if m.reasonFocus {
				m.incident.Blur()
				return m, m.reason.Focus()
			}
			m.reason.Blur()
			return m, m.incident.Focus()
		case "ctrl+s", "ctrl+d":
			return m.submitReason()
		case "enter":
			if !m.reasonFocus {
				return m.submitReason()
			}
		}
		var cmd tea.Cmd
		if m.reasonFocus {
			m.reason, cmd = m.reason.Update(k)
			m.k.Reason = m.reason.Value()
		} else {
			m.incident, cmd = m.incident.Update(k)
			m.k.Incident = m.incident.Value()
		}
		return m, cmd
	case StepConfirm:
		switch k.String() {
		case "y", "enter":
			m.step = StepOpening
			m.progress = m.initialProgress()
			return m, m.openCmd()
		case "n":
			return m.cancel()
		}
		return m, nil
	}
	return m, nil
}

// typeName handles keys while a name for a template is typed (a team
// for bypass-team:): enter adds it to the list, selected.
func (m Model) typeName(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch k.String() {
	case "esc":
		m.typing, m.errNote = "", ""
		m.text.Blur()
		return m, nil
	case "enter":
		v := strings.TrimPrefix(strings.TrimSpace(m.text.Value()), "@")
		if _, slug, ok := strings.Cut(v, "/"); ok {
			v = slug // the team is in the repository's organization
		}
		if !slugRE.MatchString(v) {
			m.errNote = "type a team slug, e.g. oncall"
			return m, nil
		}
		name := m.typing + strings.ToLower(v)
		if f := m.d.TeamExists; f != nil && !contains(m.typed, name) {
			org, _, _ := strings.Cut(m.k.Repo, "/")
			slug := strings.ToLower(v)
			m.loading = fmt.Sprintf("Looking up team %s/%s…", org, slug)
			return m, func() tea.Msg {
				ok, err := f(context.Background(), org, slug)
				return teamMsg{name: name, found: ok, err: err}
			}
		}
		return m.addTyped(name, ""), nil
	}
	var cmd tea.Cmd
	m.text, cmd = m.text.Update(k)
	return m, cmd
}

// addTyped adds a typed name to the relax list, selected, and leaves
// the typing field (note: shown under the list).
func (m Model) addTyped(name, note string) Model {
	if !contains(m.typed, name) {
		m.typed = append(m.typed, name)
	}
	m.picked[name] = true
	m.typing, m.errNote = "", note
	m.text.Blur()
	m.items = m.relaxItems()
	for i, it := range m.items {
		if it.value == name {
			m.cursor = i
		}
	}
	return m
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (m Model) submitReason() (tea.Model, tea.Cmd) {
	m.k.Reason, m.k.Incident = m.reason.Value(), m.incident.Value()
	if ok, msg := reasonCheck(m.rules, m.k.Reason, m.k.Incident); !ok {
		m.errNote = msg
		return m, nil
	}
	m.reason.Blur()
	m.incident.Blur()
	return m.advance()
}

func (m Model) startOther(prompt, placeholder string) (tea.Model, tea.Cmd) {
	m.other = true
	m.errNote = ""
	m.text.Prompt, m.text.Placeholder = prompt, placeholder
	m.text.Width = max(20, m.d.Width-len(prompt)-6)
	m.text.SetValue("")
	return m, m.text.Focus()
}

// typeOther handles keys while a free value is typed; set applies it.
func (m Model) typeOther(k tea.KeyMsg, set func(Model, string) (Model, string)) (tea.Model, tea.Cmd) {
	switch k.String() {
	case "esc":
		m.other = false
		m.errNote = ""
		m.text.Blur()
		return m, nil
	case "enter":
		m2, bad := set(m, strings.TrimSpace(m.text.Value()))
		if bad != "" {
			m.errNote = bad
			return m, nil
		}
		m2.text.Blur()
		return m2.advance()
	}
	var cmd tea.Cmd
	m.text, cmd = m.text.Update(k)
	return m, cmd
}

func (m *Model) move(k tea.KeyMsg) {
	switch k.String() {
	case "up", "k", "shift+tab":
		if m.cursor > 0 {
			m.cursor--
		}
	case "down", "j", "tab":
		if m.cursor < len(m.items)-1 {
			m.cursor++
		}
	case "home", "g":
		m.cursor = 0
	case "end", "G":
		m.cursor = len(m.items) - 1
	}
}

// pick moves the cursor, and on enter returns the chosen value (refusing
// a greyed-out item with its reason).
func (m *Model) pick(k tea.KeyMsg) (string, bool) {
	if k.String() != "enter" {
		m.move(k)
		return "", false
	}
	if len(m.items) == 0 {
		return "", false
	}
	it := m.items[m.cursor]
	if it.disabled != "" {
		m.errNote = fmt.Sprintf("%s: %s", it.label, it.disabled)
		return "", false
	}
	return it.value, true
}

// ---- progress ----

var stepLabels = []struct{ name, label string }{
	{"identity", "identity"},
	{"snapshot", "snapshot of the live setting"},
	{"policy", "policy"},
	{"audit", "audit issue written"},
	{"apply", "change applied"},
	{"verify", "verified"},
	{"record", "recorded on the audit issue"},
}

// initialProgress marks what Plan already did (identity and snapshot).
func (m Model) initialProgress() []progressLine {
	var out []progressLine
	for _, s := range stepLabels {
		p := progressLine{name: s.name, label: s.label}
		if s.name == "identity" || s.name == "snapshot" {
			p.state, p.elapsed = 1, m.planTook
			if s.name == "identity" && m.pv != nil {
				p.detail = m.pv.Actor
			}
		}
		out = append(out, p)
	}
	return out
}

func (m *Model) recordStep(s engine.Step) {
	for i := range m.progress {
		p := &m.progress[i]
		if p.name != s.Name {
			continue
		}
		p.elapsed = s.Elapsed
		if s.Detail != "" {
			p.detail = s.Detail
		}
		if s.Err != nil {
			p.state = 2
			p.detail = s.Err.Error()
		} else {
			p.state = 1
		}
		return
	}
}
