package wechat

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/silenceper/wechat/v2/cache"

	card "github.com/walletcard/card"
)

// credCell holds one credential — the access token or the wx_card
// api_ticket — for one process, and coordinates its replacement:
//
//   - The hot path (a valid value in memory that the caller did not see
//     rejected) is one atomic load: no lock, no cache, no Redis.
//   - Within the process, concurrent callers share one load (a flight).
//   - With a CredentialStore (a fleet), the load adopts the fleet's value or
//     takes the fleet's fetch lock, fetches, and stores the result with a
//     compare-and-swap (see CredentialStore). When the store fails the cell
//     works per process for fleetRetryAfter and then tries the store again.
//   - Without one, the silenceper cache (if any) is read and written as
//     before, and a cache that cannot store is reported, never fatal.
//
// A value WeChat hands out again right after rejecting it (stable_token in
// normal mode keeps serving a token until it expires) is replaced with a
// force refresh, booked fleet-wide (or per process without a fleet) against
// the daily quota and the spacing.
type credCell struct {
	op       string // card.Error Op for the cell's own failures
	what     string // "access token", "api_ticket": for messages
	fleetKey string
	fleet    CredentialStore
	cache    func() cache.Cache // silenceper cache (nil or nil result: none), used only without a fleet
	cacheKey string
	now      func() time.Time
	onErr    func(error)
	// fetch gets a fresh value and its lifetime from WeChat.
	fetch func(ctx context.Context, force bool) (string, time.Duration, error)
	force *forcePolicy // nil: the value cannot be force-refreshed

	cur atomic.Pointer[credValue] // the hot path reads only this

	mu        sync.Mutex
	flight    *flightCall
	downUntil time.Time // fleet treated as unreachable until then (wall clock)
	local     forceBudget
}

// credValue is an immutable value with the time it stops being used.
type credValue struct {
	val string
	exp time.Time
}

// forcePolicy bounds stable_token force refreshes.
type forcePolicy struct {
	perDay  int
	spacing time.Duration
}

// forceBudget books force refreshes in one process (no fleet, or fleet down).
type forceBudget struct {
	day  string
	used int
	last time.Time
}

// fleetRetryAfter is how long a cell works per process after its fleet
// store failed, before it tries the store again.
const fleetRetryAfter = time.Second

// maxFleetWait bounds how long a cell waits for other members' fetches
// (locks that keep being taken) before it fetches on its own.
const maxFleetWait = time.Minute

// releaseTimeout bounds the release of a fleet lock after the caller's
// context ended (the lock would expire anyway).
const releaseTimeout = 2 * time.Second

// fleetError marks a failure of the CredentialStore (as opposed to WeChat).
type fleetError struct{ err error }

func (e *fleetError) Error() string { return "fleet store: " + e.err.Error() }
func (e *fleetError) Unwrap() error { return e.err }

// peek returns the value in memory when it is valid and not rejected.
func (c *credCell) peek(rejected string) (string, bool) {
	if v := c.cur.Load(); v != nil && v.val != rejected && c.now().Before(v.exp) {
		return v.val, true
	}
	return "", false
}

// get returns a valid value other than rejected ("" = any valid value).
func (c *credCell) get(ctx context.Context, rejected string) (string, error) {
	if v, ok := c.peek(rejected); ok {
		return v, nil
	}
	for attempt := 0; ; attempt++ {
		c.mu.Lock()
		if v, ok := c.peek(rejected); ok {
			c.mu.Unlock()
			return v, nil
		}
		f := c.flight
		leader := f == nil
		if leader {
			f = newFlight()
			c.flight = f
		}
		c.mu.Unlock()

		if leader {
			v, exp, err := c.load(ctx, rejected)
			c.mu.Lock()
			if err == nil {
				c.cur.Store(&credValue{val: v, exp: exp})
			}
			c.flight = nil
			c.mu.Unlock()
			f.finish(v, err)
			return v, err
		}
		v, err := f.wait(ctx)
		switch {
		case err == nil && (v != rejected || rejected == ""):
			return v, nil
		case leaderCanceled(ctx, err) && attempt < 3:
			continue // the leader's context ended, not ours: lead the next flight
		case err == nil && attempt < 3:
			continue // the flight served the rejected value: start one that forgets it
		}
		if err == nil {
			err = c.errNoOther()
		}
		return "", err
	}
}

// load gets a value other than rejected: from the fleet (or the cache), else
// from WeChat. Only one load per cell runs at a time (the flight leader).
func (c *credCell) load(ctx context.Context, rejected string) (string, time.Time, error) {
	if c.fleet != nil {
		if c.fleetUp() {
			v, exp, err := c.loadFleet(ctx, rejected)
			var fe *fleetError
			if !errors.As(err, &fe) {
				return v, exp, err
			}
			if cerr := ctx.Err(); cerr != nil {
				return "", time.Time{}, cerr
			}
			c.fleetFailed(fe.err)
		}
		return c.loadDirect(ctx, rejected)
	}
	if c.cache != nil {
		if cc := c.cache(); cc != nil {
			return c.loadCache(ctx, cc, rejected)
		}
	}
	return c.loadDirect(ctx, rejected)
}

// fleetUp reports whether the fleet store is worth asking.
func (c *credCell) fleetUp() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !time.Now().Before(c.downUntil)
}

// fleetFailed makes the cell work per process for fleetRetryAfter and
// reports the failure (once per outage) to onErr.
func (c *credCell) fleetFailed(err error) {
	c.mu.Lock()
	first := c.downUntil.IsZero() || time.Since(c.downUntil) > fleetRetryAfter
	c.downUntil = time.Now().Add(fleetRetryAfter)
	c.mu.Unlock()
	if first && c.onErr != nil {
		c.onErr(&card.Error{Provider: Name, Op: c.op, Kind: card.KindUnavailable,
			Message: fmt.Sprintf("the fleet store failed; this process coordinates the %s on its own until it answers again", c.what),
			Err:     err})
	}
}

// loadDirect fetches from WeChat with no shared state (no fleet or cache, or
// the fleet is down).
func (c *credCell) loadDirect(ctx context.Context, rejected string) (string, time.Time, error) {
	v, ttl, err := c.fetchNew(ctx, rejected, c.bookLocal)
	if err != nil {
		return "", time.Time{}, err
	}
	return v, c.now().Add(ttl), nil
}

// loadCache is the path without a fleet: silenceper's cache, then WeChat.
func (c *credCell) loadCache(ctx context.Context, cc cache.Cache, rejected string) (string, time.Time, error) {
	if v, ok := cache.GetContext(ctx, cc, c.cacheKey).(string); ok && v != "" {
		if v != rejected {
			return v, c.now().Add(cachedTokenLocalTTL), nil
		}
		_ = cache.DeleteContext(ctx, cc, c.cacheKey)
	}
	v, ttl, err := c.fetchNew(ctx, rejected, c.bookLocal)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := cache.SetContext(ctx, cc, c.cacheKey, v, ttl); err != nil && c.onErr != nil {
		// Keep the value (memory only) rather than fetch again on every call.
		c.onErr(&card.Error{Provider: Name, Op: c.op, Kind: card.KindUnavailable,
			Message: fmt.Sprintf("storing the %s in the cache failed; it is kept in memory only", c.what), Err: err})
	}
	return v, c.now().Add(ttl), nil
}

// loadFleet adopts the fleet's value, or takes the fleet's fetch lock and
// fetches, or waits for the member holding it. Store failures come back as
// *fleetError.
func (c *credCell) loadFleet(ctx context.Context, rejected string) (string, time.Time, error) {
	start := time.Now()
	for {
		a, err := c.fleet.AcquireCredential(ctx, c.fleetKey, rejected, c.now())
		if err != nil {
			return "", time.Time{}, &fleetError{err}
		}
		if a.Credential.Value != "" && a.Credential.Value != rejected {
			return a.Credential.Value, a.Credential.Expiry, nil
		}
		if a.Owner != "" {
			return c.fetchLocked(ctx, rejected, a)
		}
		if time.Since(start) > maxFleetWait {
			return "", time.Time{}, &fleetError{fmt.Errorf("the fetch lock stayed taken for %v", maxFleetWait)}
		}
		if err := c.fleet.WaitCredential(ctx, c.fleetKey); err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return "", time.Time{}, cerr
			}
			return "", time.Time{}, &fleetError{err}
		}
	}
}

// fetchLocked runs while this member holds the fleet's fetch lock: it
// fetches and stores the value with a compare-and-swap on the value the
// fleet held, then releases the lock.
func (c *credCell) fetchLocked(ctx context.Context, rejected string, a Acquired) (string, time.Time, error) {
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		defer cancel()
		_ = c.fleet.ReleaseCredential(rctx, c.fleetKey, a.Owner) // a lock not released expires
	}()
	// Holding the lock means the fleet has no valid value other than the
	// rejected one: if WeChat hands out the rejected value again, the fleet
	// confirms it is still current, and a force refresh (booked fleet-wide)
	// is the only way to replace it.
	v, ttl, err := c.fetchNew(ctx, rejected, func(ctx context.Context) (ForceRefreshBooking, error) {
		b, err := c.fleet.BookForceRefresh(ctx, c.fleetKey, beijingDay(c.now()), c.force.perDay, c.force.spacing)
		if err != nil {
			return b, &fleetError{err}
		}
		return b, nil
	})
	if err != nil {
		return "", time.Time{}, err
	}
	now := c.now()
	fresh := Credential{Value: v, Expiry: now.Add(ttl)}
	got, err := c.fleet.ReplaceCredential(ctx, c.fleetKey, a.Stale, fresh, now)
	if err != nil {
		if ctx.Err() == nil {
			c.fleetFailed(err)
		}
		return fresh.Value, fresh.Expiry, nil // keep what we fetched
	}
	if got.Value == "" || got.Value == rejected || !now.Before(got.Expiry) {
		return fresh.Value, fresh.Expiry, nil
	}
	return got.Value, got.Expiry, nil // another member stored a newer value: adopt it
}

// fetchNew fetches a value other than rejected. When WeChat answers the
// rejected value again, it books a force refresh with book and sends one.
func (c *credCell) fetchNew(ctx context.Context, rejected string, book func(context.Context) (ForceRefreshBooking, error)) (string, time.Duration, error) {
	v, ttl, err := c.fetch(ctx, false)
	if err != nil || rejected == "" || v != rejected {
		return v, ttl, err
	}
	if c.force == nil {
		return "", 0, c.errNoOther()
	}
	b, err := book(ctx)
	if err != nil {
		return "", 0, err
	}
	if !b.OK {
		return "", 0, c.errForceRefused(b)
	}
	v, ttl, err = c.fetch(ctx, true)
	if err != nil {
		return "", 0, err
	}
	if v == rejected {
		return "", 0, c.errNoOther()
	}
	return v, ttl, nil
}

// bookLocal books a force refresh in this process only.
func (c *credCell) bookLocal(context.Context) (ForceRefreshBooking, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	day := beijingDay(now)
	if c.local.day != day {
		c.local.day, c.local.used = day, 0
	}
	if c.local.used >= c.force.perDay {
		return ForceRefreshBooking{Used: c.local.used}, nil
	}
	if !c.local.last.IsZero() {
		if d := c.force.spacing - now.Sub(c.local.last); d > 0 {
			return ForceRefreshBooking{Used: c.local.used, RetryAfter: d}, nil
		}
	}
	c.local.used++
	c.local.last = now
	return ForceRefreshBooking{OK: true, Used: c.local.used}, nil
}

// errNoOther: WeChat keeps handing out the rejected value.
func (c *credCell) errNoOther() error {
	return &card.Error{Provider: Name, Op: c.op, Kind: card.KindUnauthenticated,
		Message: fmt.Sprintf("WeChat rejected the %s and issued the same one again", c.what)}
}

// errForceRefused explains why no force refresh may be sent now.
func (c *credCell) errForceRefused(b ForceRefreshBooking) error {
	if b.RetryAfter > 0 {
		return &card.Error{Provider: Name, Op: c.op, Kind: card.KindRateLimited,
			Message: fmt.Sprintf("WeChat rejected the %s and stable_token still returns it; the last force_refresh was less than %v ago (WeChat allows one every %v), retry in %v",
				c.what, c.force.spacing, c.force.spacing, b.RetryAfter.Round(time.Second))}
	}
	return &card.Error{Provider: Name, Op: c.op, Kind: card.KindRateLimited,
		Message: fmt.Sprintf("WeChat rejected the %s and stable_token still returns it, but the stable_token force_refresh quota is exhausted (%d of %d used today, Beijing time); it renews at midnight Beijing time",
			c.what, b.Used, c.force.perDay)}
}

// beijingDay is the Beijing calendar date of t, the day WeChat's quotas count.
func beijingDay(t time.Time) string { return t.In(card.Beijing()).Format(time.DateOnly) }
