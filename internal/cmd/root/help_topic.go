package root

import (
	"github.com/spf13/cobra"
)

// Help topics are documented inside the binary, as gh does, and generated
// into docs/ with the command reference.
var helpTopics = []struct{ name, short, long string }{
	{"environment", "Environment variables glass reads", `GLASS_API_URL    REST base URL of any GitHub-compatible API (the sandbox, a fake,
                 a proxy). Overrides GH_HOST. Plain http only on loopback.
GH_HOST          GitHub host (github.com or a GitHub Enterprise Server host).
GLASS_TOKEN      Token for glass only; wins over every other source.
GH_TOKEN, GITHUB_TOKEN
                 Token for github.com (and for GLASS_API_URL).
GH_ENTERPRISE_TOKEN, GITHUB_ENTERPRISE_TOKEN
                 Token for a GitHub Enterprise Server host.
GLASS_OAUTH_CLIENT_ID
                 Client ID of the OAuth App used by "glass auth login".
GH_PATH          The gh executable whose login glass may use as a last token
                 source (default: gh on PATH).
GLASS_CONFIG_DIR Configuration directory (default $XDG_CONFIG_HOME/glass).
GLASS_WEBHOOK_*  Webhook URLs. The policy file (.github/glass.yml) names the
                 variable of each webhook (notify.webhooks[].url_env), never
                 the URL itself. Unset: the webhook is skipped and the audit
                 issue says so.
NO_COLOR         Disable colour (https://no-color.org).
CI, GLASS_NO_INPUT
                 Never prompt, as with --no-input.
GLASS_TEST_CLOCK_OFFSET
                 Shift glass's clock by a Go duration. For tests and demos only.
GLASS_TEST_KEYRING
                 Replace the OS keyring by a JSON file at this path, or by one
                 that is never available ("unavailable"). For tests only.
GLASS_TEST_DEVICE_INTERVAL, GLASS_TEST_DEVICE_EXPIRES_IN
                 Override the device flow's polling interval and code lifetime
                 (seconds). For tests only.
GLASS_TEST_APPROVAL_POLL
                 How often an open waiting for approval looks at its audit issue
                 (a Go duration; default 5s). For tests only.
GLASS_TEST_WEBHOOK_DELAY
                 The first retry delay of a failed webhook delivery (a Go
                 duration; default 1s, doubling). For tests only.`},
	{"exit-codes", "What glass's exit codes mean", `0    success
1    failure; the message says what glass did and did NOT change
2    usage error (bad flag, argument or input); nothing was changed
3    refused by policy, identity or a safety check; nothing was changed
4    no usable credentials
5    a rollback could not be verified; the audit issue is labelled
     break-glass:failed and a human must look
6    a drill check or SLO failed
8    the request waits for approval (open --no-wait); nothing was changed yet
     (a denied or timed-out request is a refusal: 3)
130  cancelled by the user before anything changed`},
}

func addHelpTopics(root *cobra.Command) {
	for _, t := range helpTopics {
		t := t
		root.AddCommand(&cobra.Command{
			Use:         t.name,
			Short:       t.short,
			Long:        t.long,
			Hidden:      true,
			Annotations: map[string]string{"helpTopic": "true"},
			Run: func(c *cobra.Command, _ []string) {
				c.Println(t.long)
			},
		})
	}
}
