// Package levers is the registry of glass's levers: every lever, built on
// one GitHub client. The factory, the sandbox drill and the screens' tests
// all take it from here, so a new lever is registered once.
package levers

import (
	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/lever/access"
	"github.com/glass-cli/glass/internal/lever/protection"
	"github.com/glass-cli/glass/internal/lever/ruleset"
	"github.com/glass-cli/glass/internal/lever/team"
	"github.com/glass-cli/glass/internal/override"
)

// For returns every lever, each on gh, by kind.
func For(gh *github.Client) map[override.Lever]lever.Lever {
	return map[override.Lever]lever.Lever{
		override.LeverProtection: protection.New(gh),
		override.LeverAccess:     access.New(gh),
		override.LeverRuleset:    ruleset.New(gh),
		override.LeverTeam:       team.New(gh),
	}
}
