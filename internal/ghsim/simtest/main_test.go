package simtest

import (
	"fmt"
	"os"
	"testing"

	"github.com/glass-cli/glass/internal/ghsim/contract"
)

func TestMain(m *testing.M) {
	code := m.Run()
	fmt.Fprintln(os.Stderr, contract.Summary())
	os.Exit(code)
}
