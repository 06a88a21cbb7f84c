// Package retry runs an operation again on transient failure, with
// exponential backoff and jitter that honours the context. Both wallet
// adapters use it; callers decide which errors are safe to retry.
package retry

import (
	"context"
	"math/rand/v2"
	"time"

	card "github.com/walletcard/card"
)

// Policy is card.RetryPolicy: the exported type users set in adapter
// Options, used here under a short name.
type Policy = card.RetryPolicy

// Default is card.DefaultRetryPolicy.
func Default() Policy { return card.DefaultRetryPolicy() }

// Do calls fn until it succeeds, returns an error retryable rejects, the
// attempts are used up, or ctx ends. It returns fn's last error, or ctx.Err()
// if the context ended while waiting.
func Do(ctx context.Context, p Policy, retryable func(error) bool, fn func(ctx context.Context) error) error {
	attempts := p.Attempts
	if attempts < 1 {
		attempts = 1
	}
	if p.Base <= 0 {
		d := card.DefaultRetryPolicy()
		p.Base = d.Base
		if p.Max == 0 {
			p.Max = d.Max
		}
	}
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			if werr := Sleep(ctx, Delay(p, i)); werr != nil {
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

// Delay returns the wait before try i+1 (i ≥ 1): Base·2^(i-1), capped, with
// ±25 % jitter so that many clients do not retry in step. A zero Base means
// the default policy's.
func Delay(p Policy, i int) time.Duration {
	if p.Base <= 0 {
		d := card.DefaultRetryPolicy()
		p.Base = d.Base
		if p.Max == 0 {
			p.Max = d.Max
		}
	}
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
