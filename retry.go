package card

import "time"

// RetryPolicy says how often and how patiently a provider retries a call that
// failed in a way that cannot have been applied (or is keyed by an
// idempotency key). Backoff doubles from Base up to Max, with jitter, and
// honours the call's context. The zero RetryPolicy means the provider's
// default; Attempts: 1 disables retries.
type RetryPolicy struct {
	// Attempts is the total number of tries, including the first.
	Attempts int
	// Base is the delay before the second try; each later delay doubles.
	// Zero means 100 ms (and then a zero Max means 2 s), so that setting only
	// Attempts still backs off.
	Base time.Duration
	// Max caps a single delay (0 means no cap).
	Max time.Duration
}

// DefaultRetryPolicy is what providers use for a zero RetryPolicy: 3 tries,
// 100 ms then 200 ms (± 25 % jitter), at most 2 s per wait.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{Attempts: 3, Base: 100 * time.Millisecond, Max: 2 * time.Second}
}
