// Package retry runs an operation again on transient failure, with
// exponential backoff and jitter that honours the context. Both wallet
// adapters use it; callers decide which errors are safe to retry.
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy says how often and how patiently to retry. The zero Policy makes a
// single attempt.
type Policy struct {
	// Attempts is the total number of tries, including the first (≤ 1 means one try).
	Attempts int
	// Base is the delay before the second try; each later delay doubles.
	Base time.Duration
	// Max caps a single delay (0 means no cap).
	Max time.Duration
}

// Default is a policy for wallet calls: 3 tries, 100 ms then 200 ms (± jitter).
func Default() Policy { return Policy{Attempts: 3, Base: 100 * time.Millisecond, Max: 2 * time.Second} }

// Do calls fn until it succeeds, returns an error retryable rejects, the
// attempts are used up, or ctx ends. It returns fn's last error, or ctx.Err()
// if the context ended while waiting.
func Do(ctx context.Context, p Policy, retryable func(error) bool, fn func(ctx context.Context) error) error {
	attempts := p.Attempts
	if attempts < 1 {
		attempts = 1
	}
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			if werr := Sleep(ctx, p.delay(i)); werr != nil {
				return werr
			}
		}
		if err = fn(ctx); err == nil || !retryable(err) {
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
	}
	return err
}

// delay returns the wait before try i+1 (i ≥ 1): Base·2^(i-1), capped, with
// ±25 % jitter so that many clients do not retry in step.
func (p Policy) delay(i int) time.Duration {
	d := p.Base
	for j := 1; j < i && (p.Max == 0 || d < p.Max); j++ {
		d *= 2
	}
	if p.Max > 0 && d > p.Max {
		d = p.Max
	}
	if d <= 0 {
		return 0
	}
	jitter := time.Duration(rand.Int64N(int64(d)/2+1)) - d/4
	return d + jitter
}

// Sleep waits for d or until ctx is done, whichever comes first, returning
// ctx.Err() in the latter case.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
