package root

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/glass-cli/glass/internal/clock"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/cmd/completion"
	"github.com/glass-cli/glass/internal/iostreams"
)

var update = flag.Bool("update", false, "rewrite completions/ and docs/commands/")

// repoRoot is two levels above internal/cmd/root.
const repoRoot = "../../.."

func testRoot() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Getenv: func(string) string { return "" }, Clock: clock.Real{}}
	cmd := NewCmdRoot(f)
	cmd.DisableAutoGenTag = true
	return cmd
}

// generated returns every generated file, path relative to the repo root.
func generated(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	root := testRoot()
	for _, sh := range completion.Shells {
		var b bytes.Buffer
		if err := completion.Write(root, sh, &b); err != nil {
			t.Fatal(err)
		}
		name := map[string]string{"bash": "glass.bash", "zsh": "_glass", "fish": "glass.fish", "powershell": "glass.ps1"}[sh]
		files[filepath.Join("completions", name)] = b.Bytes()
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !c.IsAvailableCommand() && c != root || c.IsAdditionalHelpTopicCommand() {
			return
		}
		c.DisableAutoGenTag = true
		var b bytes.Buffer
		if err := doc.GenMarkdownCustom(c, &b, func(s string) string { return s }); err != nil {
			t.Fatal(err)
		}
		files[filepath.Join("docs", "commands", strings.ReplaceAll(c.CommandPath(), " ", "_")+".md")] = b.Bytes()
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for _, topic := range helpTopics {
		files[filepath.Join("docs", topic.name+".md")] = []byte("# " + topic.short + "\n\n" +
			"(`glass help " + topic.name + "`)\n\n```\n" + topic.long + "\n```\n")
	}
	return files
}

// TestGeneratedFilesUpToDate fails when completions/ or the command
// reference in docs/ no longer match the command tree. Refresh them with
// `make generate` (go test ./internal/cmd/root -run TestGenerated -update).
func TestGeneratedFilesUpToDate(t *testing.T) {
	files := generated(t)
	if *update {
		os.RemoveAll(filepath.Join(repoRoot, "docs", "commands"))
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(repoRoot, n)
		if *update {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, files[n], 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, files[n]) {
			t.Errorf("%s is stale or missing: run `make generate`", n)
		}
	}
	// A command that was removed must not leave its page behind.
	pages, _ := filepath.Glob(filepath.Join(repoRoot, "docs", "commands", "*.md"))
	for _, p := range pages {
		rel, _ := filepath.Rel(repoRoot, p)
		if _, ok := files[rel]; !ok {
			t.Errorf("%s documents a command that no longer exists: run `make generate`", rel)
		}
	}
}
