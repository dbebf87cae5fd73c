package ghsim

// # Seeds
//
// "acme" (the default):
//
//	org acme: two_factor_requirement_enabled, owner acme-admin, custom repository role
//	  security-auditor (base read, assigned to nobody), apps github-actions (15368) and acme-ci
//	users: acme-admin (org owner), alice and bob (team oncall, 2FA on), carol (maintainer of
//	  team security), dave (team developers), erin (no org, no access, 2FA off), mallory (org
//	  member, 2FA off, direct pull on payments), release-bot (team release-managers),
//	  frank (outside collaborator, direct maintain on payments)
//	teams: oncall (admin on payments, push on audit), security (maintain on payments, push on
//	  audit), developers (push on payments), release-managers (push on payments)
//	acme/payments: private, default branch main, squash+rebase only, auto-merge allowed;
//	  branches main, release/1.x, feature/refund-limits, docs/runbook-update;
//	  main protected: 2 approving reviews, code owners, dismiss stale, dismissal restricted to
//	  team security, last-push approval, strict checks ci/build (app 15368) and ci/test (any
//	  app, null), enforce admins, linear history, push restricted to team release-managers,
//	  conversation resolution; signatures, force pushes, deletions off.
//	  Wildcard rule release/* (1 approving review) covers release/1.x.
//	  PR #1 feature/refund-limits → main by dave, auto-merge (squash), approved by alice;
//	  PR #2 docs/runbook-update → main by dave, no auto-merge.
//	acme/audit: private (audit issues); acme/.github: public, empty; alice/dotfiles: public, personal.
//	The names GitHub's documentation examples use, added last (ids of everything above unchanged):
//	  octocat (acme member, 2FA on) in team justice-league (no repository access); apps super-ci and
//	  octoapp installed on acme. The docs' "Update branch protection" PUT body is accepted verbatim.
//
// "empty": the user octocat only.
//
// Server.Token(login) gives a classic token with scopes repo, read:org,
// write:org, user for any seeded user; AddToken adds others (classic with
// chosen scopes, or fine-grained with a permission map). The OAuth App
// client id for the device flow is SimClientID (SimClientIDNoDevice has the
// device flow disabled).
