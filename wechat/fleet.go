package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
)

// CredentialStore shares access tokens and api_tickets among the processes
// of a fleet (every instance of a merchant's service), so that the fleet
// makes one upstream fetch per expiry or rejection instead of one per
// process, and no process keeps using a value another one replaced.
// wechatredis.Store implements it on Redis; set it as Options.Fleet (or
// TokenOptions.Fleet).
//
// The protocol, for one key:
//
//  1. AcquireCredential: the fleet's value if it is valid at now and is not
//     the value the caller saw rejected — the caller adopts it without
//     fetching. Otherwise the key's fetch lock, if it is free (Acquired.Owner
//     is set): the caller fetches. Otherwise (another member is fetching)
//     neither, and the caller waits with WaitCredential and asks again.
//  2. The lock holder fetches, then ReplaceCredential(old = Acquired.Stale):
//     a compare-and-swap that stores the new value only if the fleet still
//     holds the value it replaces (or nothing, or an expired value), and
//     returns what the fleet holds afterwards, so a slow holder whose lock
//     expired never overwrites a newer value.
//  3. ReleaseCredential frees the lock if the caller still owns it. A lock
//     whose holder died expires on its own (the store's lock TTL), so a dead
//     member cannot block the fleet for longer than that.
//
// Every method must be safe for concurrent use and should return promptly
// when the backend is unreachable: callers treat any error as "the fleet is
// unreachable" and fall back to per-process coordination for a while.
type CredentialStore interface {
	// AcquireCredential returns the fleet's current value of key when it is
	// valid at now and differs from rejected ("" = none rejected), else
	// takes the key's fetch lock if it is free.
	AcquireCredential(ctx context.Context, key, rejected string, now time.Time) (Acquired, error)
	// WaitCredential waits a short while (the store's poll interval) for the
	// lock holder to finish, or until ctx ends.
	WaitCredential(ctx context.Context, key string) error
	// ReplaceCredential stores c under key if the fleet holds old, nothing,
	// or a value expired at now; it returns the fleet's value afterwards
	// (c, or the newer value another member stored).
	ReplaceCredential(ctx context.Context, key, old string, c Credential, now time.Time) (Credential, error)
	// ReleaseCredential releases key's fetch lock if owner still holds it.
	ReleaseCredential(ctx context.Context, key, owner string) error
	// BookForceRefresh books one stable_token force_refresh for key, fleet
	// wide: refused when perDay were already booked on day (a Beijing date,
	// "2006-01-02") or when the previous one was less than spacing ago.
	BookForceRefresh(ctx context.Context, key, day string, perDay int, spacing time.Duration) (ForceRefreshBooking, error)
}

// Credential is an access token or api_ticket with the time it stops being
// used. It prints, logs and marshals with its value redacted.
type Credential struct {
	Value  string
	Expiry time.Time
}

// String describes c without its value.
func (c Credential) String() string {
	v := "empty"
	if c.Value != "" {
		v = redactedText
	}
	return fmt.Sprintf("wechat.Credential{Value:%s Expiry:%s}", v, c.Expiry.Format(time.RFC3339))
}

// GoString is String: %#v never shows the value.
func (c Credential) GoString() string { return c.String() }

// Format prints String for every verb (%v, %+v, %#v, %s, %q …).
func (c Credential) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, c.String()) }

// LogValue logs c without its value.
func (c Credential) LogValue() slog.Value {
	return slog.GroupValue(slog.String("value", redactedIf(c.Value)), slog.Time("expiry", c.Expiry))
}

// MarshalJSON marshals c without its value.
func (c Credential) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Value  string    `json:"value"`
		Expiry time.Time `json:"expiry"`
	}{redactedIf(c.Value), c.Expiry})
}

// Acquired is the answer of CredentialStore.AcquireCredential: the value to
// adopt, or the fetch lock, or neither (another member is fetching: wait and
// ask again). It prints, logs and marshals with its values redacted.
type Acquired struct {
	// Credential is the fleet's current value when it is valid and not the
	// rejected one; its Value is "" otherwise.
	Credential Credential
	// Owner identifies this caller's hold of the fetch lock ("" = not taken).
	Owner string
	// Stale is the value the fleet held when the lock was taken (the
	// rejected or an expired one; "" when it held none): the old value to
	// pass to ReplaceCredential.
	Stale string
}

// String describes a without its values.
func (a Acquired) String() string {
	return fmt.Sprintf("wechat.Acquired{Credential:%s Owner:%q Stale:%s}", a.Credential, a.Owner, redactedIf(a.Stale))
}

// GoString is String.
func (a Acquired) GoString() string { return a.String() }

// Format prints String for every verb.
func (a Acquired) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, a.String()) }

// LogValue logs a without its values.
func (a Acquired) LogValue() slog.Value {
	return slog.GroupValue(slog.Any("credential", a.Credential), slog.String("owner", a.Owner), slog.String("stale", redactedIf(a.Stale)))
}

// MarshalJSON marshals a without its values.
func (a Acquired) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Credential Credential `json:"credential"`
		Owner      string     `json:"owner"`
		Stale      string     `json:"stale"`
	}{a.Credential, a.Owner, redactedIf(a.Stale)})
}

// ForceRefreshBooking is the answer of CredentialStore.BookForceRefresh.
type ForceRefreshBooking struct {
	// OK: the force refresh is booked and may be sent.
	OK bool
	// Used is how many force refreshes the day has booked (this one included when OK).
	Used int
	// RetryAfter, when refused for spacing, is how long until the next one is allowed.
	RetryAfter time.Duration
}

// ClaimStore remembers short-lived claims on keys, shared by a fleet: the
// push Handler's replay memory ((timestamp, nonce) pairs) and DedupEvents
// (event IDs). wechatredis.Store implements it on Redis; MemoryClaims in
// one process. Keys are built by this package and are short; values are
// short markers (at most MaxClaimValueBytes).
type ClaimStore interface {
	// Claim stores value under key for ttl if key holds nothing, and reports
	// whether it did; otherwise it returns the value key holds.
	Claim(ctx context.Context, key, value string, ttl time.Duration) (claimed bool, current string, err error)
	// Settle replaces key's value with value for ttl if key still holds old.
	Settle(ctx context.Context, key, old, value string, ttl time.Duration) (bool, error)
	// Release deletes key if it still holds value.
	Release(ctx context.Context, key, value string) error
}

// redactedText replaces secrets in printed and logged values.
const redactedText = "REDACTED"

// redactedIf returns "REDACTED" for a non-empty secret and "" for an empty one.
func redactedIf(s string) string {
	if s == "" {
		return ""
	}
	return redactedText
}
