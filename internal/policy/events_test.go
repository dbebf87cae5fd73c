package policy

import (
	"reflect"
	"testing"

	"github.com/glass-cli/glass/internal/notify"
)

// The policy's webhook events must be exactly the notifier's kinds, or a
// valid policy could subscribe to an event that never fires.
func TestEventNamesMatchNotify(t *testing.T) {
	var kinds []string
	for _, k := range notify.Kinds() {
		kinds = append(kinds, string(k))
	}
	if !reflect.DeepEqual(EventNames(), kinds) {
		t.Errorf("policy.EventNames() = %q, notify.Kinds() = %q", EventNames(), kinds)
	}
}
