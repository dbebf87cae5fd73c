package factory

import "testing"

func TestRepoFromRemote(t *testing.T) {
	for _, c := range []struct{ remote, want string }{
		{"https://github.com/acme/payments.git", "acme/payments"},
		{"https://github.com/acme/payments", "acme/payments"},
		{"https://ghe.example.com/acme/payments/", "acme/payments"},
		{"ssh://git@github.com/acme/payments.git", "acme/payments"},
		{"git@github.com:acme/payments.git", "acme/payments"},
		{"git@ghe.example.com:acme/payments", "acme/payments"},
		// Local clones name no GitHub repository: a clean clone's origin
		// is a path, and "/work/main" must not become work/main.
		{"/work/main", ""},
		{"../glass", ""},
		{"file:///work/main", ""},
		{"C:/src/glass", ""},
		{"https://github.com/acme", ""},
		{"https://github.com/acme/payments/extra", ""},
		{"git@github.com:", ""},
	} {
		got, err := repoFromRemote(c.remote)
		if c.want == "" {
			if err == nil {
				t.Errorf("repoFromRemote(%q) = %q, want an error", c.remote, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("repoFromRemote(%q) = %q, %v; want %q", c.remote, got, err, c.want)
		}
	}
}
