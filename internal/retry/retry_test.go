package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

var errTransient = errors.New("transient")

func isTransient(err error) bool { return errors.Is(err, errTransient) }

func TestDoRetriesUntilSuccess(t *testing.T) {
	n := 0
	err := Do(context.Background(), Policy{Attempts: 3, Base: time.Millisecond}, isTransient, func(context.Context) error {
		n++
		if n < 3 {
			return errTransient
		}
		return nil
	})
	if err != nil || n != 3 {
		t.Fatalf("err=%v n=%d, want nil after 3 tries", err, n)
	}
}

func TestDoStopsOnPermanentError(t *testing.T) {
	n := 0
	perm := errors.New("permanent")
	err := Do(context.Background(), Policy{Attempts: 5, Base: time.Millisecond}, isTransient, func(context.Context) error {
		n++
		return perm
	})
	if !errors.Is(err, perm) || n != 1 {
		t.Fatalf("err=%v n=%d, want permanent after 1 try", err, n)
	}
}

func TestDoGivesUpAfterAttempts(t *testing.T) {
	n := 0
	err := Do(context.Background(), Policy{Attempts: 2, Base: time.Millisecond}, isTransient, func(context.Context) error {
		n++
		return errTransient
	})
	if !errors.Is(err, errTransient) || n != 2 {
		t.Fatalf("err=%v n=%d", err, n)
	}
}

func TestDoHonoursContextDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	start := time.Now()
	err := Do(ctx, Policy{Attempts: 3, Base: time.Hour}, isTransient, func(context.Context) error {
		n++
		cancel()
		return errTransient
	})
	if !errors.Is(err, context.Canceled) || n != 1 || time.Since(start) > time.Second {
		t.Fatalf("err=%v n=%d elapsed=%v", err, n, time.Since(start))
	}
}

func TestDelayGrowsAndCaps(t *testing.T) {
	p := Policy{Base: 100 * time.Millisecond, Max: 300 * time.Millisecond}
	for i, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 300 * time.Millisecond, 9: 300 * time.Millisecond} {
		d := Delay(p, i)
		if d < want*3/4 || d > want*5/4 {
			t.Errorf("Delay(%d) = %v, want %v ± 25%%", i, d, want)
		}
	}
}

func TestZeroBaseStillBacksOff(t *testing.T) {
	n := 0
	start := time.Now()
	_ = Do(context.Background(), Policy{Attempts: 2}, isTransient, func(context.Context) error {
		n++
		return errTransient
	})
	if n != 2 || time.Since(start) < 50*time.Millisecond {
		t.Fatalf("n=%d elapsed=%v: want 2 tries with the default ~100 ms backoff", n, time.Since(start))
	}
}
