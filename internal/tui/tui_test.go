package tui

import (
	"testing"
	"time"
)

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		30 * time.Minute: "30m", 90 * time.Minute: "1h30m", 2 * time.Hour: "2h", 45 * time.Second: "45s",
		40 * time.Second: "40s", -5 * time.Minute: "5m", 29*time.Minute + 59*time.Second: "30m",
	} {
		if got := Human(d); got != want {
			t.Errorf("Human(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestValue(t *testing.T) {
	for _, tt := range []struct {
		v    any
		want string
	}{{nil, "(none)"}, {"x", `"x"`}, {true, "true"}, {float64(2), "2"}, {[]any{"b", "a"}, "[a, b]"}, {[]string{"a"}, "[a]"}} {
		if got := Value(tt.v); got != tt.want {
			t.Errorf("Value(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
