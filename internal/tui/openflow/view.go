package openflow

import (
	"fmt"
	"strings"

	"github.com/glass-cli/glass/internal/override"
	"github.com/glass-cli/glass/internal/tui"
)

var questions = map[Step]string{
	StepRepo:       "Which repository?",
	StepLever:      "What do you need?",
	StepBranch:     "Which branch?",
	StepRuleset:    "Which ruleset? (several apply to this branch)",
	StepTeam:       "Which team?",
	StepUser:       "Who? (default: you)",
	StepPermission: "Which role?",
	StepRelax:      "What should be relaxed?",
	StepDuration:   "For how long?",
	StepReason:     "Why? (recorded in the audit issue)",
}

func (m Model) View() string {
	if m.quitting {
		return ""
	}
	s := m.d.Styles
	var b strings.Builder
	w := func(f string, a ...any) { fmt.Fprintf(&b, f, a...) }
	w("%s\n", s.Title.Render("glass open")+s.Dim.Render(" · break-glass access, recorded and rolled back"))
	// The request so far, wrapped to the width (a ruleset with bypass
	// choices does not fit on one line).
	for _, l := range tui.Wrap(m.answered(), m.d.Width) {
		if l != "" {
			w("%s\n", s.Dim.Render(l))
		}
	}
	switch m.step {
	case StepPlanning:
		w("\n  %s\n", m.loading)
		w("%s\n", s.Help.Render("  esc cancel (nothing has changed)"))
		return b.String()
	case StepConfirm:
		m.viewConfirm(&b)
		return b.String()
	case StepOpening, StepDone:
		m.viewProgress(&b)
		return b.String()
	}
	w("\n%s\n", s.Title.Render(questions[m.step]))
	if m.loading != "" {
		w("  %s\n", m.loading)
		return b.String()
	}
	switch m.step {
	case StepRepo:
		w("  %s\n", m.repo.View())
	case StepUser, StepTeam:
		w("  %s\n", m.text.View())
	case StepReason:
		w("%s\n", indent(m.reason.View(), "  "))
		w("  %s\n", m.incident.View())
		_, check := reasonCheck(m.rules, m.reason.Value(), m.incident.Value())
		w("  %s\n", check)
	default:
		if m.other {
			w("  %s\n", m.text.View())
			break
		}
		m.viewList(&b)
		if m.typing != "" {
			w("  %s\n", m.text.View())
		}
	}
	if m.errNote != "" {
		w("  %s\n", s.Err.Render("! "+m.errNote))
	}
	w("%s\n", s.Help.Render("  "+m.help()))
	return b.String()
}

func (m Model) help() string {
	switch {
	case m.step == StepRelax && m.typing != "":
		return "enter add · esc back to the list"
	case m.step == StepRelax && m.cursor < len(m.items) && m.items[m.cursor].mode != "":
		return "↑/↓ move · space select · p only via PRs/always · enter continue · esc cancel"
	case m.step == StepRelax:
		return "↑/↓ move · space select · enter continue · esc cancel"
	case m.step == StepReason:
		return "tab incident field · ctrl+s (or enter on incident) continue · esc cancel"
	case m.other:
		return "enter continue · esc back to the list"
	case m.step == StepRepo || m.step == StepUser || m.step == StepTeam:
		return "enter continue · esc cancel"
	}
	return "↑/↓ move · enter choose · esc cancel"
}

// answered lists what is settled so far, so the person always sees the
// request they are building.
func (m Model) answered() string {
	k := m.k
	var parts []string
	if k.Repo != "" {
		parts = append(parts, k.Repo)
	}
	if k.Lever != "" && m.step > StepLever {
		parts = append(parts, string(k.Lever))
	}
	if k.Branch != "" {
		parts = append(parts, "branch "+k.Branch)
	}
	switch {
	case m.rulesetName != "":
		parts = append(parts, "ruleset "+m.rulesetName)
	case k.Ruleset != "":
		parts = append(parts, "ruleset "+k.Ruleset)
	}
	if k.Team != "" {
		parts = append(parts, "team "+k.Team)
	}
	if k.User != "" {
		parts = append(parts, "user "+k.User)
	}
	if k.Permission != "" {
		parts = append(parts, k.Permission)
	}
	if len(k.Relax) > 0 {
		parts = append(parts, "relax "+strings.Join(override.NormalizeRelax(k.Relax), ","))
	}
	if k.Duration > 0 {
		parts = append(parts, "for "+tui.Human(k.Duration))
	}
	return strings.Join(parts, " · ")
}

func (m Model) viewList(b *strings.Builder) {
	s := m.d.Styles
	width := m.d.Width
	labelW := 16
	if m.step == StepRelax || m.step == StepRuleset {
		// Choices such as bypass-role:maintain and ruleset names are
		// longer: keep the notes in one column.
		for _, it := range m.items {
			labelW = max(labelW, min(28, len([]rune(it.label))))
		}
	}
	for i, it := range m.items {
		pointer := "  "
		if i == m.cursor {
			pointer = "> "
		}
		box := ""
		if m.step == StepRelax {
			switch {
			case it.disabled != "":
				box = "[-] "
			case it.prefix != "":
				box = "[+] " // an entry that adds a name
			case m.picked[it.value]:
				box = "[x] "
			default:
				box = "[ ] "
			}
		}
		label := fmt.Sprintf("%-*s", labelW, it.label)
		note := it.note
		if it.disabled != "" {
			note = "not allowed by policy"
		}
		line := pointer + box + label
		if note != "" {
			line += " " + note
		}
		line = truncate(strings.TrimRight(line, " "), width-2)
		switch {
		case it.disabled != "":
			line = s.Dim.Render(line)
		case i == m.cursor:
			line = s.Selected.Render(line)
		}
		fmt.Fprintf(b, "  %s\n", line)
	}
}

func (m Model) viewConfirm(b *strings.Builder) {
	s := m.d.Styles
	pv := m.pv
	req := pv.Request
	w := func(f string, a ...any) { fmt.Fprintf(b, f, a...) }
	w("\n%s\n", s.Title.Render("Review before anything changes"))
	w("  as          %s\n", pv.Actor)
	w("  repository  %s\n", req.Target.Repo)
	w("  lever       %s\n", req.Lever)
	switch kindOf(req.Lever) {
	case targetUser:
		w("  user        %s\n", req.Target.User)
		w("  role        %s\n", req.Target.Permission)
	case targetTeam:
		w("  team        %s\n", req.Target.Team)
		w("  user        %s\n", req.Target.User)
	default:
		w("  branch      %s\n", req.Target.Branch)
		if req.Lever == override.LeverRuleset && req.Target.RulesetID > 0 {
			name := m.rulesetName
			if name == "" {
				name = m.k.Ruleset
			}
			if name == "" || name == fmt.Sprint(req.Target.RulesetID) {
				w("  ruleset     id %d\n", req.Target.RulesetID)
			} else {
				w("  ruleset     %s (id %d)\n", name, req.Target.RulesetID)
			}
		}
		w("  relax       %s\n", strings.Join(req.Relax, ", "))
	}
	w("  duration    %s (expires about %s)\n", tui.Human(req.Duration), tui.At(m.now().Add(req.Duration)))
	for i, l := range tui.Wrap(req.Reason, m.d.Width-16) {
		if i == 0 {
			w("  reason      %s\n", l)
		} else {
			w("              %s\n", l)
		}
	}
	if req.Incident != "" {
		w("  incident    %s\n", req.Incident)
	}
	audit := req.AuditRepo
	if audit == "" {
		audit = req.Target.Repo
	}
	w("  audit in    %s\n", audit)
	w("\n%s\n", s.Title.Render("What will change, field by field (now → while open)"))
	if len(pv.Changes) == 0 {
		w("  nothing: the setting is already as relaxed as asked\n")
	}
	for _, l := range tui.Changes(pv.Changes) {
		for i, part := range tui.Wrap(l, m.d.Width-6) {
			if i > 0 {
				part = "  " + part
			}
			w("  %s\n", part)
		}
	}
	for _, o := range pv.Overlaps {
		w("  %s\n", s.Warn.Render(fmt.Sprintf("! %s (%s, relax %s) is already open here; both stay in force until each closes", o.ID, o.Actor, strings.Join(o.Relax, ", "))))
	}
	for _, n := range pv.Notices {
		line := "! " + n.Message
		if n.Kind != "" {
			line = "! " + n.Kind + ": " + n.Message
		}
		for _, l := range tui.Wrap(line, m.d.Width-4) {
			w("  %s\n", s.Warn.Render(l))
		}
	}
	w("\n  Open this override? %s\n", s.Help.Render("y/enter open · n/esc cancel (nothing has changed)"))
}

func (m Model) viewProgress(b *strings.Builder) {
	s := m.d.Styles
	w := func(f string, a ...any) { fmt.Fprintf(b, f, a...) }
	if len(m.progress) > 0 {
		w("\n%s\n", s.Title.Render("Opening"))
	}
	for _, p := range m.progress {
		mark, t := "·", ""
		switch p.state {
		case 1:
			mark, t = s.OK.Render("✓"), fmt.Sprintf("%6.2fs", p.elapsed.Seconds())
		case 2:
			mark, t = s.Err.Render("X"), fmt.Sprintf("%6.2fs", p.elapsed.Seconds())
		}
		line := fmt.Sprintf("  %s %-30s %7s", mark, p.label, t)
		if p.detail != "" {
			line += "  " + p.detail
		}
		w("%s\n", truncate(line, m.d.Width-1))
	}
	if m.errNote != "" && m.step == StepOpening {
		w("  %s\n", s.Warn.Render(m.errNote))
	}
	if m.step != StepDone {
		return
	}
	r := m.result
	switch {
	case r.Err != nil:
		w("\n%s\n", s.Err.Render("X The override did not open cleanly:"))
		for _, l := range tui.Wrap(r.Err.Error(), m.d.Width-4) {
			w("  %s\n", l)
		}
		if r.Override != nil && r.Override.ID != "" {
			w("  %s is in force: glass close '%s' rolls it back\n", r.Override.ID, r.Override.ID)
		}
	case r.Override != nil:
		o := r.Override
		w("\n%s\n", s.OK.Render(fmt.Sprintf("✓ Opened %s, verified", o.ID)))
		w("  expires %s (in %s); glass close '%s' closes it sooner\n", tui.At(o.Expires), tui.Human(o.Expires.Sub(m.now())), o.ID)
		if !m.k.Wait {
			w("\n  %s\n", "w wait here with a countdown (rolls back on time) · enter leave it open")
			w("  %s\n", s.Dim.Render("(left open, the scheduled glass sweep rolls it back after expiry)"))
		}
	}
}

func indent(s, pre string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = pre + l
	}
	return strings.Join(lines, "\n")
}

func truncate(s string, n int) string {
	r := []rune(s)
	if n <= 1 || len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
