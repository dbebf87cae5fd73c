package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// MaxFileSize bounds the policy file; a real one is a few kilobytes.
const MaxFileSize = 256 << 10

// Error is one problem in a policy file, at a 1-based line and column.
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
}

func (e Error) Error() string { return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg) }

// Errors is every problem found in a file, in file order. Parse reports all
// of them at once so a reviewer fixes the file in one pass.
type Errors []Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Parse reads and validates a policy file. file names it in errors. On
// failure the error is an Errors listing every problem found.
func Parse(file string, data []byte) (*Policy, error) {
	d := &decoder{file: file}
	if len(data) > MaxFileSize {
		d.errs = append(d.errs, Error{file, 1, 1, fmt.Sprintf("file is %d bytes; a policy may be at most %d", len(data), MaxFileSize)})
		return nil, d.errs
	}
	root, err := parseYAML(data)
	if err != nil {
		d.errs = append(d.errs, yamlError(file, err))
		return nil, d.errs
	}
	p := d.policy(root)
	if len(d.errs) > 0 {
		sort.SliceStable(d.errs, func(i, j int) bool {
			a, b := d.errs[i], d.errs[j]
			if a.Line != b.Line {
				return a.Line < b.Line
			}
			return a.Col < b.Col
		})
		return nil, d.errs
	}
	p.Source = file
	return p, nil
}

// parseYAML decodes exactly one YAML document into a node tree.
func parseYAML(data []byte) (root *yaml.Node, err error) {
	// A policy file comes from a repository anyone with write access can
	// edit; a parser bug must become an error, not take glass down mid-incident.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, fmt.Errorf("yaml: cannot parse file: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &yaml.Node{Kind: yaml.DocumentNode, Line: 1, Column: 1}, nil
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("yaml: line %d: a policy file holds one YAML document; found another", extra.Line)
	}
	return &doc, nil
}

// yamlError turns a yaml.v3 syntax error ("yaml: line 3: ...") into an Error.
// yaml.v3 does not report columns for syntax errors, so the column is 1.
func yamlError(file string, err error) Error {
	msg := err.Error()
	line := 1
	if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
		if i := strings.Index(rest, ": "); i > 0 {
			if n, convErr := strconv.Atoi(rest[:i]); convErr == nil {
				line, msg = n, rest[i+2:]
			}
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	return Error{file, line, 1, "invalid YAML: " + msg}
}

type decoder struct {
	file string
	errs Errors
}

func (d *decoder) errf(n *yaml.Node, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	d.errs = append(d.errs, Error{d.file, line, col, fmt.Sprintf(format, args...)})
}

// describe names what a node holds, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch n.ShortTag() {
	case "!!str":
		return fmt.Sprintf("the string %q", n.Value)
	case "!!int":
		return "the integer " + n.Value
	case "!!float":
		return "the number " + n.Value
	case "!!bool":
		return n.Value
	case "!!null":
		return "nothing"
	case "!!timestamp":
		return "the timestamp " + n.Value
	}
	return fmt.Sprintf("a value tagged %s", n.ShortTag())
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// usable rejects aliases and merge keys: they make a file harder to review,
// which is the one thing a policy file must not be.
func (d *decoder) usable(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode {
		d.errf(n, "aliases (*%s) are not allowed in a policy file; write the value out", n.Value)
		return false
	}
	if n.Anchor != "" {
		d.errf(n, "anchors (&%s) are not allowed in a policy file", n.Anchor)
		return false
	}
	return true
}

// fields checks that n is a mapping with only known, distinct keys and
// returns the value node of each key present.
func (d *decoder) fields(n *yaml.Node, where string, known ...string) (map[string]*yaml.Node, bool) {
	if !d.usable(n) {
		return nil, false
	}
	if n.Kind != yaml.MappingNode {
		d.errf(n, "%s must be a mapping, got %s", where, describe(n))
		return nil, false
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !d.usable(k) {
			continue
		}
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!merge" {
			d.errf(k, "%s: keys must be plain names, got %s", where, describe(k))
			continue
		}
		if _, dup := out[k.Value]; dup {
			d.errf(k, "%s: key %q appears twice", where, k.Value)
			continue
		}
		if !contains(known, k.Value) {
			msg := fmt.Sprintf("%s: unknown key %q", where, k.Value)
			if s := suggest(k.Value, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (known keys: " + strings.Join(known, ", ") + ")"
			}
			d.errf(k, "%s", msg)
			continue
		}
		out[k.Value] = v
	}
	return out, true
}

// suggest returns the known key closest to s, if it is close.
func suggest(s string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if dist := editDistance(s, k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 20
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func (d *decoder) scalar(n *yaml.Node, what, want string) bool {
	if !d.usable(n) {
		return false
	}
	if n.Kind != yaml.ScalarNode {
		d.errf(n, "%s must be %s, got %s", what, want, describe(n))
		return false
	}
	return true
}

func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	if !d.scalar(n, what, "a string") {
		return "", false
	}
	if n.ShortTag() != "!!str" {
		hint := ""
		if n.ShortTag() == "!!int" || n.ShortTag() == "!!float" || n.ShortTag() == "!!bool" {
			hint = fmt.Sprintf(" (quote it: \"%s\")", n.Value)
		}
		d.errf(n, "%s must be a string, got %s%s", what, describe(n), hint)
		return "", false
	}
	if strings.TrimSpace(n.Value) == "" {
		d.errf(n, "%s must not be empty", what)
		return "", false
	}
	return n.Value, true
}

func (d *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	if !d.scalar(n, what, "true or false") {
		return false, false
	}
	if n.ShortTag() != "!!bool" {
		d.errf(n, "%s must be true or false, got %s", what, describe(n))
		return false, false
	}
	return n.Value == "true" || n.Value == "True" || n.Value == "TRUE", true
}

func (d *decoder) integer(n *yaml.Node, what string, lo, hi int) (int, bool) {
	if !d.scalar(n, what, "an integer") {
		return 0, false
	}
	if n.ShortTag() != "!!int" {
		d.errf(n, "%s must be an integer, got %s", what, describe(n))
		return 0, false
	}
	v, err := strconv.ParseInt(n.Value, 0, 64)
	if err != nil || v < int64(lo) || v > int64(hi) {
		d.errf(n, "%s must be between %d and %d, got %s", what, lo, hi, n.Value)
		return 0, false
	}
	return int(v), true
}

// duration reads a Go duration ("15m", "1h30m") within [lo, hi].
func (d *decoder) duration(n *yaml.Node, what string, lo, hi time.Duration) (time.Duration, bool) {
	if !d.scalar(n, what, "a duration such as \"30m\"") {
		return 0, false
	}
	if n.ShortTag() != "!!str" {
		d.errf(n, "%s must be a duration such as \"30m\" or \"1h30m\", got %s", what, describe(n))
		return 0, false
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		d.errf(n, "%s: %q is not a duration; use Go syntax such as \"30m\" or \"1h30m\"", what, n.Value)
		return 0, false
	}
	if v < lo || v > hi {
		if lo == 0 {
			d.errf(n, "%s must be between 0s and %s, got %s", what, fd(hi), n.Value)
		} else {
			d.errf(n, "%s must be between %s and %s, got %s", what, fd(lo), fd(hi), n.Value)
		}
		return 0, false
	}
	return v, true
}

// list reads a sequence; null means empty. check validates one item and
// returns its value (ok false to drop it). Duplicates are reported.
func (d *decoder) list(n *yaml.Node, what string, check func(*yaml.Node) (string, bool)) []string {
	if isNull(n) {
		return nil
	}
	if !d.usable(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errf(n, "%s must be a list, got %s", what, describe(n))
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, item := range n.Content {
		v, ok := check(item)
		if !ok {
			continue
		}
		key := strings.ToLower(v)
		if seen[key] {
			d.errf(item, "%s: %q is listed twice", what, v)
			continue
		}
		seen[key] = true
		out = append(out, v)
	}
	return out
}

func (d *decoder) policy(doc *yaml.Node) *Policy {
	p := &Policy{Version: Version}
	def := Default()
	p.Identity, p.Reason, p.Approval, p.Defaults = def.Identity, def.Reason, def.Approval, def.Defaults

	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		d.errf(doc, "the policy is empty; it needs at least \"version: 1\" and one rule (or delete the file to use the built-in defaults)")
		return nil
	}
	root := doc.Content[0]
	// Another version may mean other keys: listing them as unknown would
	// only bury the one error that matters, so check it first.
	if root.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(root.Content); i += 2 {
			k, v := root.Content[i], root.Content[i+1]
			if k.Value == "version" && v.Kind == yaml.ScalarNode && v.ShortTag() == "!!int" && v.Value != "1" {
				d.errf(v, "version %s is not supported; this glass reads version %d", v.Value, Version)
				return nil
			}
		}
	}
	f, ok := d.fields(root, "policy", "version", "audit_repo", "identity", "reason", "approval", "review", "notify", "defaults", "rules")
	if !ok {
		return nil
	}
	if v, ok := f["version"]; !ok {
		d.errf(root, "version is missing; add \"version: 1\" at the top")
	} else if n, ok := d.integer(v, "version", 1, 1<<30); ok && n != Version {
		d.errf(v, "version %d is not supported; this glass reads version %d", n, Version)
	}
	if v, ok := f["audit_repo"]; ok {
		if s, ok := d.str(v, "audit_repo"); ok {
			if !isRepo(s) {
				d.errf(v, "audit_repo must be OWNER/REPO, got %q", s)
			} else {
				p.AuditRepo = s
			}
		}
	}
	if v, ok := f["identity"]; ok {
		d.identity(v, &p.Identity)
	}
	if v, ok := f["reason"]; ok {
		d.reason(v, &p.Reason)
	}
	if v, ok := f["approval"]; ok {
		d.approval(v, "approval", &p.Approval)
	}
	if v, ok := f["review"]; ok {
		if g, ok := d.fields(v, "review", "block_unreviewed_self_approved", "allow_self_review"); ok {
			if b, ok := g["block_unreviewed_self_approved"]; ok {
				p.Review.BlockUnreviewedSelfApproved, _ = d.boolean(b, "review.block_unreviewed_self_approved")
			}
			if b, ok := g["allow_self_review"]; ok {
				p.Review.AllowSelfReview, _ = d.boolean(b, "review.allow_self_review")
			}
		}
	}
	if v, ok := f["notify"]; ok {
		d.notify(v, &p.Notify)
	}
	if v, ok := f["defaults"]; ok {
		d.limits(v, "defaults", nil, &p.Defaults)
	}
	if v, ok := f["rules"]; !ok {
		d.errf(root, "rules is missing; a policy without rules allows nothing (delete the file to use the built-in defaults)")
	} else {
		p.Rules = d.rules(v, p)
	}
	return p
}

func (d *decoder) identity(n *yaml.Node, id *Identity) {
	f, ok := d.fields(n, "identity", "require_2fa", "fresh_login_within")
	if !ok {
		return
	}
	if v, ok := f["require_2fa"]; ok && d.scalar(v, "identity.require_2fa", "true, false or \"if-visible\"") {
		switch {
		case v.ShortTag() == "!!bool":
			if b, _ := d.boolean(v, "identity.require_2fa"); b {
				id.Require2FA = TwoFactorRequired
			} else {
				id.Require2FA = TwoFactorOff
			}
		case v.ShortTag() == "!!str" && v.Value == string(TwoFactorIfVisible):
			id.Require2FA = TwoFactorIfVisible
		default:
			d.errf(v, "identity.require_2fa must be true, false or \"if-visible\", got %s", describe(v))
		}
	}
	if v, ok := f["fresh_login_within"]; ok {
		id.FreshLoginWithin, _ = d.duration(v, "identity.fresh_login_within", time.Minute, 30*24*time.Hour)
	}
}

func (d *decoder) reason(n *yaml.Node, r *ReasonRules) {
	f, ok := d.fields(n, "reason", "min_length", "incident_required", "incident_pattern")
	if !ok {
		return
	}
	if v, ok := f["min_length"]; ok {
		if m, ok := d.integer(v, "reason.min_length", 1, ceilingMinLen); ok {
			r.MinLength = m
		}
	}
	if v, ok := f["incident_required"]; ok {
		r.IncidentRequired, _ = d.boolean(v, "reason.incident_required")
	}
	if v, ok := f["incident_pattern"]; ok {
		if s, ok := d.str(v, "reason.incident_pattern"); ok {
			re, err := regexp.Compile(s)
			if err != nil {
				d.errf(v, "reason.incident_pattern is not a valid regular expression: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			} else {
				r.IncidentPattern, r.incident = s, re
			}
		}
	}
}

// approval reads an approval block over base, so a rule's block only needs
// the keys that differ from the top-level one.
func (d *decoder) approval(n *yaml.Node, where string, a *Approval) {
	f, ok := d.fields(n, where, "required", "approvers", "allow_self_approval", "timeout")
	if !ok {
		return
	}
	if v, ok := f["required"]; ok {
		a.Required, _ = d.boolean(v, where+".required")
	}
	before := len(d.errs)
	if v, ok := f["approvers"]; ok {
		a.Approvers = d.principals(v, where+".approvers", false)
	}
	approversBroken := len(d.errs) > before
	if v, ok := f["allow_self_approval"]; ok {
		a.AllowSelfApproval, _ = d.boolean(v, where+".allow_self_approval")
	}
	if v, ok := f["timeout"]; ok {
		if t, ok := d.duration(v, where+".timeout", time.Minute, ceilingDuration); ok {
			a.Timeout = t
		}
	}
	if a.Required && a.Approvers.Empty() && !approversBroken {
		d.errf(n, "%s.required is true but no approvers are named, so nobody could approve; add approvers.users or approvers.teams", where)
	}
	// Only where the key is written: a rule that turns approval off keeps
	// the top-level allow_self_approval, which then simply does not apply.
	if v, ok := f["allow_self_approval"]; ok && a.AllowSelfApproval && !a.Required {
		d.errf(v, "%s.allow_self_approval has no effect without required: true (without approval every open is already self-approved)", where)
	}
}

func (d *decoder) principals(n *yaml.Node, where string, allowAny bool) Principals {
	var p Principals
	f, ok := d.fields(n, where, "users", "teams")
	if !ok {
		return p
	}
	if v, ok := f["users"]; ok {
		p.Users = d.list(v, where+".users", func(item *yaml.Node) (string, bool) {
			s, ok := d.str(item, where+".users entry")
			if !ok {
				return "", false
			}
			if s == Any && allowAny {
				return s, true
			}
			if !isLogin(s) {
				d.errf(item, "%s: %q is not a GitHub login%s", where+".users", s, loginHint(s, allowAny))
				return "", false
			}
			return s, true
		})
	}
	if v, ok := f["teams"]; ok {
		p.Teams = d.list(v, where+".teams", func(item *yaml.Node) (string, bool) {
			s, ok := d.str(item, where+".teams entry")
			if !ok {
				return "", false
			}
			if !isTeam(s) {
				d.errf(item, "%s: %q is not a team; write ORG/SLUG or SLUG (a team of the repository's owner)", where+".teams", s)
				return "", false
			}
			return s, true
		})
	}
	return p
}

func loginHint(s string, allowAny bool) string {
	switch {
	case strings.HasPrefix(s, "@"):
		return " (write logins without @)"
	case strings.Contains(s, "/"):
		return " (teams go under teams:)"
	case allowAny:
		return " (use \"*\" for anyone)"
	}
	return ""
}

func (d *decoder) notify(n *yaml.Node, nt *Notify) {
	f, ok := d.fields(n, "notify", "mention", "webhooks")
	if !ok {
		return
	}
	if v, ok := f["mention"]; ok {
		nt.Mention = d.list(v, "notify.mention", func(item *yaml.Node) (string, bool) {
			s, ok := d.str(item, "notify.mention entry")
			if !ok {
				return "", false
			}
			bare := strings.TrimPrefix(s, "@")
			if strings.Contains(bare, "/") {
				if !isTeam(bare) {
					d.errf(item, "notify.mention: %q is not a team; write @ORG/SLUG", s)
					return "", false
				}
			} else if !isLogin(bare) {
				d.errf(item, "notify.mention: %q is neither @LOGIN nor @ORG/SLUG", s)
				return "", false
			}
			return "@" + bare, true
		})
	}
	if v, ok := f["webhooks"]; ok && !isNull(v) && d.usable(v) {
		if v.Kind != yaml.SequenceNode {
			d.errf(v, "notify.webhooks must be a list, got %s", describe(v))
			return
		}
		names := map[string]bool{}
		for i, item := range v.Content {
			where := fmt.Sprintf("notify.webhooks[%d]", i)
			w, ok := d.webhook(item, where)
			if !ok {
				continue
			}
			if names[w.Name] {
				d.errf(item, "%s: webhook name %q is used twice", where, w.Name)
				continue
			}
			names[w.Name] = true
			nt.Webhooks = append(nt.Webhooks, w)
		}
	}
}

func (d *decoder) webhook(n *yaml.Node, where string) (Webhook, bool) {
	var w Webhook
	f, ok := d.fields(n, where, "name", "kind", "url_env", "url", "events")
	if !ok {
		return w, false
	}
	good := true
	if v, ok := f["url"]; ok {
		d.errf(v, "%s: webhook URLs are secrets and never go in the policy file; set url_env to the name of an environment variable holding the URL", where)
		good = false
	}
	need := func(key string) *yaml.Node {
		v, ok := f[key]
		if !ok {
			d.errf(n, "%s: %s is missing", where, key)
			good = false
		}
		return v
	}
	if v := need("name"); v != nil {
		if s, ok := d.str(v, where+".name"); !ok {
			good = false
		} else if !isSlug(s) {
			d.errf(v, "%s.name %q must be lower-case letters, digits and dashes", where, s)
			good = false
		} else {
			w.Name = s
		}
	}
	if v := need("kind"); v != nil {
		if s, ok := d.str(v, where+".kind"); !ok {
			good = false
		} else if s != WebhookGeneric && s != WebhookSlack {
			d.errf(v, "%s.kind must be %q or %q, got %q", where, WebhookGeneric, WebhookSlack, s)
			good = false
		} else {
			w.Kind = s
		}
	}
	if v := need("url_env"); v != nil {
		if s, ok := d.str(v, where+".url_env"); !ok {
			good = false
		} else if !isWebhookEnv(s) {
			// The prefix keeps a policy file from pointing glass at an
			// unrelated variable, such as a token, and sending it somewhere.
			d.errf(v, "%s.url_env must be an environment variable named GLASS_WEBHOOK_<NAME> (upper-case letters, digits, _), got %q", where, s)
			good = false
		} else {
			w.URLEnv = s
		}
	}
	if v, ok := f["events"]; ok {
		w.Events = d.list(v, where+".events", func(item *yaml.Node) (string, bool) {
			s, ok := d.str(item, where+".events entry")
			if ok && !contains(EventNames(), s) {
				d.errf(item, "%s.events: unknown event %q (events: %s)", where, s, strings.Join(EventNames(), ", "))
				return "", false
			}
			return s, ok
		})
	}
	return w, good
}

// EventNames lists the notification events a webhook may subscribe to; they
// match notify.Kind.
func EventNames() []string {
	return []string{"requested", "granted", "extended", "restored", "restore-failed", "denied", "expired"}
}

// limits reads max_duration, default_duration and max_extension from f (or
// from the mapping n when f is nil) over base, and checks they fit together.
func (d *decoder) limits(n *yaml.Node, where string, f map[string]*yaml.Node, l *Limits) {
	if f == nil {
		var ok bool
		if f, ok = d.fields(n, where, "max_duration", "default_duration", "max_extension"); !ok {
			return
		}
	}
	_, hasMax := f["max_duration"]
	_, hasDef := f["default_duration"]
	if v, ok := f["max_duration"]; ok {
		if t, ok := d.duration(v, where+".max_duration", time.Minute, ceilingDuration); ok {
			l.MaxDuration = t
		} else {
			hasMax = false
		}
	}
	if v, ok := f["default_duration"]; ok {
		if t, ok := d.duration(v, where+".default_duration", time.Minute, ceilingDuration); ok {
			l.DefaultDuration = t
		} else {
			hasDef = false
		}
	}
	if v, ok := f["max_extension"]; ok {
		if t, ok := d.duration(v, where+".max_extension", 0, ceilingDuration); ok {
			l.MaxExtension = t
		}
	}
	if l.DefaultDuration > l.MaxDuration {
		switch {
		case hasDef:
			d.errf(f["default_duration"], "%s.default_duration %s is longer than max_duration %s", where, fd(l.DefaultDuration), fd(l.MaxDuration))
		case hasMax:
			// Only the maximum was lowered: an inherited default above it
			// would be unusable, so the default follows the maximum down.
			l.DefaultDuration = l.MaxDuration
		}
	}
}

func (d *decoder) rules(n *yaml.Node, p *Policy) []Rule {
	if !d.usable(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errf(n, "rules must be a list, got %s", describe(n))
		return nil
	}
	if len(n.Content) == 0 {
		d.errf(n, "rules is empty; a policy without rules allows nothing (delete the file to use the built-in defaults)")
		return nil
	}
	var out []Rule
	names := map[string]bool{}
	for i, item := range n.Content {
		where := fmt.Sprintf("rules[%d]", i)
		r, ok := d.rule(item, where, p)
		if !ok {
			continue
		}
		if names[r.Name] {
			d.errf(item, "%s: rule name %q is used twice", where, r.Name)
			continue
		}
		names[r.Name] = true
		out = append(out, r)
	}
	return out
}

func (d *decoder) rule(n *yaml.Node, where string, p *Policy) (Rule, bool) {
	r := Rule{Limits: p.Defaults}
	f, ok := d.fields(n, where, "name", "repos", "branches", "who", "levers", "max_duration", "default_duration", "max_extension", "approval")
	if !ok {
		return r, false
	}
	good := true
	if v, ok := f["name"]; !ok {
		d.errf(n, "%s: name is missing; every rule needs a name, which the audit issue quotes", where)
		good = false
	} else if s, ok := d.str(v, where+".name"); !ok {
		good = false
	} else if !isSlug(s) {
		d.errf(v, "%s.name %q must be lower-case letters, digits and dashes", where, s)
		good = false
	} else {
		r.Name = s
	}
	if v, ok := f["repos"]; ok {
		r.Repos = d.list(v, where+".repos", func(item *yaml.Node) (string, bool) {
			s, ok := d.str(item, where+".repos entry")
			if !ok {
				return "", false
			}
			if strings.Contains(s, "/") {
				d.errf(item, "%s.repos: %q: patterns match the repository name without its owner, such as \"payments\" or \"svc-*\"", where, s)
				return "", false
			}
			if err := checkGlob(s); err != nil {
				d.errf(item, "%s.repos: %q: %v", where, s, err)
				return "", false
			}
			return s, true
		})
	}
	branchesBroken := false
	if v, ok := f["branches"]; ok {
		before := len(d.errs)
		r.Branches = d.list(v, where+".branches", func(item *yaml.Node) (string, bool) {
			s, ok := d.str(item, where+".branches entry")
			if !ok {
				return "", false
			}
			if err := checkGlob(s); err != nil {
				d.errf(item, "%s.branches: %q: %v", where, s, err)
				return "", false
			}
			return s, true
		})
		branchesBroken = len(d.errs) > before
	}
	if v, ok := f["who"]; !ok {
		d.errf(n, "%s: who is missing; name the users or teams this rule is for (users: [\"*\"] for anyone)", where)
		good = false
	} else {
		before := len(d.errs)
		r.Who = d.principals(v, where+".who", true)
		if r.Who.Empty() && len(d.errs) == before {
			d.errf(v, "%s.who names nobody; add users or teams (users: [\"*\"] for anyone)", where)
			good = false
		}
	}
	if v, ok := f["levers"]; !ok {
		d.errf(n, "%s: levers is missing; say which levers this rule allows (%s)", where, strings.Join(leverNames(), ", "))
		good = false
	} else {
		r.Levers = d.levers(v, where+".levers")
		if len(r.Levers) == 0 {
			good = false
		}
	}
	scoped := false
	for _, g := range r.Levers {
		scoped = scoped || branchScoped(g.Lever)
	}
	if scoped && len(r.Branches) == 0 && !branchesBroken {
		if _, given := f["branches"]; !given {
			d.errf(n, "%s: branches is missing; protection and ruleset act on branches, so name them (\"**\" for every branch)", where)
		} else {
			d.errf(f["branches"], "%s.branches is empty; name at least one branch pattern", where)
		}
		good = false
	}
	if !scoped && len(r.Levers) > 0 && len(r.Branches) > 0 {
		d.errf(f["branches"], "%s.branches has no effect: access and team act on a whole repository or team; remove it", where)
		good = false
	}
	lf := map[string]*yaml.Node{}
	for _, k := range []string{"max_duration", "default_duration", "max_extension"} {
		if v, ok := f[k]; ok {
			lf[k] = v
		}
	}
	d.limits(n, where, lf, &r.Limits)
	if v, ok := f["approval"]; ok {
		a := p.Approval
		d.approval(v, where+".approval", &a)
		r.Approval = &a
	}
	return r, good
}

func (d *decoder) levers(n *yaml.Node, where string) []Grant {
	f, ok := d.fields(n, where, leverNames()...)
	if !ok {
		return nil
	}
	var out []Grant
	for _, lever := range leverNames() {
		v, ok := f[lever]
		if !ok {
			continue
		}
		what := where + "." + lever
		allow := d.list(v, what, func(item *yaml.Node) (string, bool) {
			s, ok := d.str(item, what+" entry")
			if !ok {
				return "", false
			}
			switch lever {
			case LeverTeam:
				if s != Any && !isTeam(s) {
					d.errf(item, "%s: %q is not a team; write ORG/SLUG, SLUG or \"*\"", what, s)
					return "", false
				}
			default:
				if !contains(relaxNames(lever), s) {
					kind := "relax name"
					if lever == LeverAccess {
						kind = "permission"
					}
					d.errf(item, "%s: unknown %s %q (known: %s)", what, kind, s, strings.Join(relaxNames(lever), ", "))
					return "", false
				}
			}
			return s, true
		})
		if len(allow) == 0 {
			if isNull(v) || (v.Kind == yaml.SequenceNode && len(v.Content) == 0) {
				d.errf(v, "%s allows nothing; list what it may do or remove the lever", what)
			}
			continue
		}
		if lever == LeverAccess && len(allow) > 1 {
			d.errf(v, "%s lists %d permissions; name only the highest one it may grant (lower ones are included)", what, len(allow))
			continue
		}
		out = append(out, Grant{Lever: lever, Allow: allow})
	}
	if len(f) == 0 {
		d.errf(n, "%s is empty; name at least one lever (%s)", where, strings.Join(leverNames(), ", "))
	}
	return out
}

// isLogin reports whether s looks like a GitHub login: letters, digits and
// single dashes, not starting or ending with a dash, at most 39 characters.
func isLogin(s string) bool {
	if s == "" || len(s) > 39 || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for _, c := range s {
		if !isAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

// isTeam accepts "org/slug" or "slug".
func isTeam(s string) bool {
	org, slug, qualified := strings.Cut(s, "/")
	if !qualified {
		org, slug = "", s
	}
	if qualified && !isLogin(org) {
		return false
	}
	if slug == "" || len(slug) > 100 {
		return false
	}
	for _, c := range slug {
		if !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

func isRepo(s string) bool {
	owner, name, ok := strings.Cut(s, "/")
	if !ok || !isLogin(owner) || name == "" || len(name) > 100 || name == "." || name == ".." {
		return false
	}
	for _, c := range name {
		if !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

func isSlug(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '-' {
			return false
		}
	}
	return true
}

func isWebhookEnv(s string) bool {
	rest, ok := strings.CutPrefix(s, "GLASS_WEBHOOK_")
	if !ok || rest == "" {
		return false
	}
	for _, c := range rest {
		if !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}

func isAlnum(c rune) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// fd formats a duration as people write it: "1h", "30m", "1h30m".
func fd(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
