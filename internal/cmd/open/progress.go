package open

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/glass-cli/glass/internal/engine"
	"github.com/glass-cli/glass/internal/iostreams"
)

// progress prints the engine's steps of one non-interactive open to stderr
// as they happen: on a terminal with an icon, aligned, the time in grey;
// otherwise one plain line per step ("audit issue: acme/audit#7 URL (160ms)"),
// which is what a CI log keeps. Times are since the open started.
type progress struct {
	mu  sync.Mutex
	w   io.Writer
	tty bool
	cs  iostreams.ColorScheme
}

func newProgress(ios *iostreams.IOStreams) *progress {
	return &progress{w: ios.ErrOut, tty: ios.IsStderrTTY(), cs: ios.ColorScheme()}
}

// stepLabels names the engine's steps for people; steps not listed (the
// close-side ones) are shown by their engine name.
var stepLabels = map[string]string{
	"identity": "identity",
	"policy":   "policy",
	"snapshot": "snapshot",
	"audit":    "audit issue",
	"apply":    "applied",
	"verify":   "verified",
	"record":   "recorded",
}

func (p *progress) step(s engine.Step) {
	if s.Name == "approval" {
		return // the factory's hook says it (Approval required, Approved by)
	}
	label := stepLabels[s.Name]
	if label == "" {
		label = s.Name
	}
	took := fmtElapsed(s.Elapsed)
	detail := strings.TrimSpace(s.Detail + " " + s.URL)
	if s.Name == "verify" && detail == "" && s.Err == nil {
		detail = "the live setting matches, field by field"
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.tty && s.Err != nil:
		fmt.Fprintf(p.w, "%s %-12s %s %s\n", p.cs.FailureIcon(), label, "failed", p.cs.Gray(took))
	case p.tty:
		fmt.Fprintf(p.w, "%s %-12s %s %s\n", p.cs.SuccessIcon(), label, detail, p.cs.Gray(took))
	case s.Err != nil:
		fmt.Fprintf(p.w, "%s: failed (%s)\n", label, took)
	default:
		fmt.Fprintln(p.w, strings.Join(strings.Fields(fmt.Sprintf("%s: %s (%s)", label, detail, took)), " "))
	}
}

// fmtElapsed shows a step time in milliseconds below ten seconds, else in
// seconds with one decimal.
func fmtElapsed(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%dms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}
