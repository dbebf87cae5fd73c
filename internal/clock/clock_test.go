package clock

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestFakeFiresOnlyWhenDue(t *testing.T) {
	start := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	f := NewFake(start)
	ch := f.After(10 * time.Minute)
	f.Advance(9 * time.Minute)
	select {
	case <-ch:
		t.Fatal("timer fired early")
	default:
	}
	f.Advance(time.Minute)
	select {
	case got := <-ch:
		if !got.Equal(start.Add(10 * time.Minute)) {
			t.Fatalf("fired at %v", got)
		}
	default:
		t.Fatal("timer did not fire when due")
	}
}

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("Sleep: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep with a cancelled context = %v, want context.Canceled", err)
	}
}
