package drill

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/glass-cli/glass/internal/ghsim/contract"
)

func TestDrillAllRealClock(t *testing.T) {
	sb, err := StartSandbox(SandboxOptions{Wrap: contract.ForTest(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	r, err := Run(context.Background(), sb.Env, Options{Repo: SandboxRepo, Branch: SandboxBranch, Duration: time.Second, Sandbox: true, Scenarios: []string{"all"}})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	r.WriteText(&b)
	t.Log(b.String())
	if !r.Passed {
		t.Fail()
	}
}
