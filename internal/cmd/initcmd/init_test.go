package initcmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/glass-cli/glass/internal/cmd/cmdtest"
	"github.com/glass-cli/glass/internal/cmd/cmdutil"
	"github.com/glass-cli/glass/internal/iostreams"
)

func TestNewCmdInit(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		repo    string
		want    InitOptions
		wantErr string
	}{
		{name: "defaults", want: InitOptions{Dir: ".", Secret: "GLASS_TOKEN", Version: "latest"}},
		{name: "-R is the audit repo", repo: "acme/audit", want: InitOptions{Dir: ".", AuditRepo: "acme/audit", Secret: "GLASS_TOKEN", Version: "latest"}},
		{name: "all", args: []string{"--dir", "x", "--audit-repo", "acme/audit", "--secret", "SWEEP_TOKEN", "--version", "v1.2.3-rc.1", "--force"},
			want: InitOptions{Dir: "x", AuditRepo: "acme/audit", Secret: "SWEEP_TOKEN", Version: "v1.2.3-rc.1", Force: true}},
		{name: "bad audit repo", args: []string{"--audit-repo", "acme"}, wantErr: `invalid --audit-repo "acme": expected OWNER/REPO`},
		{name: "GITHUB_ secret", args: []string{"--secret", "github_token"}, wantErr: `invalid --secret "github_token": a secret name uses letters, digits and _, and does not start with a digit or GITHUB_`},
		{name: "digit secret", args: []string{"--secret", "1TOKEN"}, wantErr: `invalid --secret "1TOKEN": a secret name uses letters, digits and _, and does not start with a digit or GITHUB_`},
		{name: "bad version", args: []string{"--version", "main"}, wantErr: `invalid --version "main": use latest or a release tag such as v1.2.3`},
		{name: "argument", args: []string{"now"}, wantErr: `unknown command "now" for "init"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			got := cmdtest.Parse(t, &cmdutil.Factory{IOStreams: ios, RepoOverride: tt.repo}, NewCmdInit, tt.args, tt.wantErr)
			if got == nil {
				return
			}
			got.IO = nil
			if *got != tt.want {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
}

// The workflow is valid YAML with the shape GitHub Actions needs: a
// five-minute schedule, a token from the secret, and glass sweep.
func TestWorkflowShape(t *testing.T) {
	var wf struct {
		On struct {
			Schedule []struct{ Cron string } `yaml:"schedule"`
		} `yaml:"on"`
		Permissions map[string]string `yaml:"permissions"`
		Jobs        map[string]struct {
			RunsOn         string `yaml:"runs-on"`
			TimeoutMinutes int    `yaml:"timeout-minutes"`
			Steps          []struct {
				Uses string            `yaml:"uses"`
				Run  string            `yaml:"run"`
				Env  map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	src := Workflow(&InitOptions{Secret: "GLASS_TOKEN", Version: "latest"})
	if err := yaml.Unmarshal([]byte(src), &wf); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, src)
	}
	if len(wf.On.Schedule) != 1 || wf.On.Schedule[0].Cron != "*/5 * * * *" {
		t.Errorf("schedule: %+v", wf.On.Schedule)
	}
	if wf.Permissions["contents"] != "read" || len(wf.Permissions) != 1 {
		t.Errorf("permissions: %v", wf.Permissions)
	}
	job := wf.Jobs["sweep"]
	if job.TimeoutMinutes <= 0 || job.TimeoutMinutes >= 5 {
		t.Errorf("timeout-minutes %d: a run must end before the next starts", job.TimeoutMinutes)
	}
	last := job.Steps[len(job.Steps)-1]
	if last.Run != "glass sweep --audit-repo ${{ github.repository }}" || last.Env["GH_TOKEN"] != "${{ secrets.GLASS_TOKEN }}" {
		t.Errorf("sweep step: %+v", last)
	}
}

// The drill workflow is valid YAML: weekly, off the hour, a token from
// the secret, glass drill with every scenario, then the history even when
// the drill failed.
func TestDrillWorkflowShape(t *testing.T) {
	var wf struct {
		On struct {
			Schedule []struct{ Cron string } `yaml:"schedule"`
		} `yaml:"on"`
		Jobs map[string]struct {
			Env   map[string]string `yaml:"env"`
			Steps []struct {
				If  string            `yaml:"if"`
				Run string            `yaml:"run"`
				Env map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	src := DrillWorkflow(&InitOptions{Secret: "DRILL_TOKEN", Version: "v1.2.3", AuditRepo: "acme/audit"})
	if err := yaml.Unmarshal([]byte(src), &wf); err != nil {
		t.Fatalf("not YAML: %v\n%s", err, src)
	}
	if len(wf.On.Schedule) != 1 || wf.On.Schedule[0].Cron != "17 9 * * 1" {
		t.Errorf("schedule: %+v", wf.On.Schedule)
	}
	job := wf.Jobs["drill"]
	if job.Env["DRILL_BRANCH"] != "main" || len(job.Steps) != 4 {
		t.Fatalf("job: %+v", job)
	}
	drill, hist := job.Steps[2], job.Steps[3]
	if drill.Run != `glass drill -R ${{ github.repository }} --branch "$DRILL_BRANCH" --audit-repo acme/audit --scenario all --duration 30s` || drill.Env["GH_TOKEN"] != "${{ secrets.DRILL_TOKEN }}" {
		t.Errorf("drill step: %+v", drill)
	}
	if hist.If != "always()" || hist.Run != "glass drill history -R acme/audit --limit 10" {
		t.Errorf("history step: %+v", hist)
	}
	if !strings.Contains(job.Steps[1].Run, "glass@v1.2.3") {
		t.Errorf("install step: %+v", job.Steps[1])
	}
}

func TestInitRun(t *testing.T) {
	dir := t.TempDir()
	ios, _, out, errOut := iostreams.Test()
	opts := &InitOptions{IO: ios, Dir: dir, AuditRepo: "acme/audit", Secret: "GLASS_TOKEN", Version: "latest"}
	if err := initRun(opts); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ".github", "workflows", "glass-sweep.yml")
	b, err := os.ReadFile(path)
	if err != nil || string(b) != Workflow(opts) {
		t.Fatalf("file: %v\n%s", err, b)
	}
	if out.Len() != 0 || !strings.HasPrefix(errOut.String(), "✓ Wrote "+path+"\n") {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
	os.WriteFile(path, []byte("mine"), 0o644)
	err = initRun(opts)
	if cmdutil.CodeOf(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "already exists; nothing was changed; pass --force") {
		t.Errorf("existing file: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "mine" {
		t.Error("the existing file was overwritten")
	}
	opts.Force = true
	if err := initRun(opts); err != nil {
		t.Fatal(err)
	}
}
