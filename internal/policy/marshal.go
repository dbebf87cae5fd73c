package policy

import (
	"bytes"
	"reflect"

	"gopkg.in/yaml.v3"
)

// The file shape, for writing. Field order is the order a reviewer reads.
type (
	fileRoot struct {
		Version   int           `yaml:"version"`
		AuditRepo string        `yaml:"audit_repo,omitempty"`
		Identity  fileIdentity  `yaml:"identity"`
		Reason    fileReason    `yaml:"reason"`
		Approval  *fileApproval `yaml:"approval"`
		Review    fileReview    `yaml:"review"`
		Notify    *fileNotify   `yaml:"notify,omitempty"`
		Defaults  fileLimits    `yaml:"defaults"`
		Rules     []fileRule    `yaml:"rules"`
	}
	fileIdentity struct {
		Require2FA       any    `yaml:"require_2fa"`
		FreshLoginWithin string `yaml:"fresh_login_within,omitempty"`
	}
	fileReason struct {
		MinLength        int    `yaml:"min_length"`
		IncidentRequired bool   `yaml:"incident_required"`
		IncidentPattern  string `yaml:"incident_pattern,omitempty"`
	}
	filePrincipals struct {
		Users []string `yaml:"users,omitempty"`
		Teams []string `yaml:"teams,omitempty"`
	}
	fileApproval struct {
		Required          *bool           `yaml:"required,omitempty"`
		Approvers         *filePrincipals `yaml:"approvers,omitempty"`
		AllowSelfApproval *bool           `yaml:"allow_self_approval,omitempty"`
		Timeout           string          `yaml:"timeout,omitempty"`
	}
	fileReview struct {
		BlockUnreviewedSelfApproved bool `yaml:"block_unreviewed_self_approved"`
		AllowSelfReview             bool `yaml:"allow_self_review,omitempty"`
	}
	fileWebhook struct {
		Name   string   `yaml:"name"`
		Kind   string   `yaml:"kind"`
		URLEnv string   `yaml:"url_env"`
		Events []string `yaml:"events,omitempty"`
	}
	fileNotify struct {
		Mention  []string      `yaml:"mention,omitempty"`
		Webhooks []fileWebhook `yaml:"webhooks,omitempty"`
	}
	fileLimits struct {
		MaxDuration     string `yaml:"max_duration"`
		DefaultDuration string `yaml:"default_duration"`
		MaxExtension    string `yaml:"max_extension"`
	}
	fileRule struct {
		Name            string              `yaml:"name"`
		Repos           []string            `yaml:"repos,omitempty"`
		Who             filePrincipals      `yaml:"who"`
		Branches        []string            `yaml:"branches,omitempty"`
		Levers          map[string][]string `yaml:"levers"`
		MaxDuration     string              `yaml:"max_duration"`
		DefaultDuration string              `yaml:"default_duration"`
		MaxExtension    string              `yaml:"max_extension"`
		Approval        *fileApproval       `yaml:"approval,omitempty"`
	}
)

// Marshal writes p as a policy file with every inherited value spelled out,
// such that Parse(Marshal(p)) describes the same policy. Comments are not
// kept. It lets "glass policy check" show the effective policy, and the fuzz
// test check that what Parse accepts is closed under a round trip.
func (p *Policy) Marshal() ([]byte, error) {
	f := fileRoot{
		Version:   p.Version,
		AuditRepo: p.AuditRepo,
		Reason:    fileReason{p.Reason.MinLength, p.Reason.IncidentRequired, p.Reason.IncidentPattern},
		Review:    fileReview{p.Review.BlockUnreviewedSelfApproved, p.Review.AllowSelfReview},
		Defaults:  fileLimits{fd(p.Defaults.MaxDuration), fd(p.Defaults.DefaultDuration), fd(p.Defaults.MaxExtension)},
	}
	switch p.Identity.Require2FA {
	case TwoFactorRequired:
		f.Identity.Require2FA = true
	case TwoFactorOff:
		f.Identity.Require2FA = false
	default:
		f.Identity.Require2FA = string(TwoFactorIfVisible)
	}
	if p.Identity.FreshLoginWithin > 0 {
		f.Identity.FreshLoginWithin = fd(p.Identity.FreshLoginWithin)
	}
	f.Approval = approvalDiff(Approval{}, p.Approval, true)
	if len(p.Notify.Mention) > 0 || len(p.Notify.Webhooks) > 0 {
		f.Notify = &fileNotify{Mention: p.Notify.Mention}
		for _, w := range p.Notify.Webhooks {
			f.Notify.Webhooks = append(f.Notify.Webhooks, fileWebhook{w.Name, w.Kind, w.URLEnv, w.Events})
		}
	}
	for _, r := range p.Rules {
		fr := fileRule{
			Name: r.Name, Repos: r.Repos, Branches: r.Branches,
			Who:    filePrincipals{r.Who.Users, r.Who.Teams},
			Levers: map[string][]string{},
			// Durations are written in full so the rule reads on its own.
			MaxDuration: fd(r.Limits.MaxDuration), DefaultDuration: fd(r.Limits.DefaultDuration), MaxExtension: fd(r.Limits.MaxExtension),
		}
		for _, g := range r.Levers {
			fr.Levers[g.Lever] = g.Allow
		}
		if r.Approval != nil {
			fr.Approval = approvalDiff(p.Approval, *r.Approval, false)
		}
		f.Rules = append(f.Rules, fr)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// approvalDiff writes the keys of a that differ from base (all of them when
// full), so a rule's block inherits the rest exactly as Parse does.
func approvalDiff(base, a Approval, full bool) *fileApproval {
	out := &fileApproval{}
	if full || a.Required != base.Required {
		out.Required = &a.Required
	}
	if (full && !a.Approvers.Empty()) || (!full && !reflect.DeepEqual(a.Approvers, base.Approvers)) {
		out.Approvers = &filePrincipals{a.Approvers.Users, a.Approvers.Teams}
	}
	if a.AllowSelfApproval != base.AllowSelfApproval && (a.Required || !a.AllowSelfApproval) {
		out.AllowSelfApproval = &a.AllowSelfApproval
	}
	if full || a.Timeout != base.Timeout {
		out.Timeout = fd(a.Timeout)
	}
	return out
}
