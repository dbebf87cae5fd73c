package policy

import (
	"context"
	"errors"
	"testing"
)

func TestLoad(t *testing.T) {
	files := map[string]string{
		"acme/payments": minimal,
		"acme/.github":  decisionPolicy,
		"other/.github": "version: 2\n",
	}
	var asked []string
	fetch := func(_ context.Context, repo, path string) ([]byte, bool, error) {
		asked = append(asked, repo+":"+path)
		if repo == "broken/x" {
			return nil, false, errors.New("HTTP 502")
		}
		s, ok := files[repo]
		return []byte(s), ok, nil
	}
	cases := []struct {
		repo, source, err string
	}{
		{"acme/payments", "acme/payments:.github/glass.yml", ""},
		{"acme/web", "acme/.github:.github/glass.yml", ""},
		{"solo/web", "built-in defaults", ""},
		{"other/web", "", "other/.github:.github/glass.yml:1:10: version 2 is not supported; this glass reads version 1"},
		{"broken/x", "", "reading .github/glass.yml from broken/x: HTTP 502"},
	}
	for _, c := range cases {
		p, err := Load(context.Background(), c.repo, fetch)
		switch {
		case c.err != "":
			if err == nil || err.Error() != c.err {
				t.Errorf("%s: err = %v, want %q", c.repo, err, c.err)
			}
		case err != nil:
			t.Errorf("%s: %v", c.repo, err)
		case p.Source != c.source:
			t.Errorf("%s: source = %q, want %q", c.repo, p.Source, c.source)
		}
	}
	asked = nil
	if _, err := Load(context.Background(), "acme/.github", fetch); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 {
		t.Errorf("the org's .github repository was read twice: %q", asked)
	}
}
