package engine

import (
	"github.com/google/go-github/v60/github"

	"github.com/glass-cli/glass/internal/lever"
	"github.com/glass-cli/glass/internal/lever/access"
	"github.com/glass-cli/glass/internal/lever/protection"
	"github.com/glass-cli/glass/internal/override"
)

func newLevers(gh *github.Client) map[override.Lever]lever.Lever {
	return map[override.Lever]lever.Lever{
		override.LeverProtection: protection.New(gh),
		override.LeverAccess:     access.New(gh),
	}
}
