package wechat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	card "github.com/walletcard/card"
)

// DedupOptions configure DedupEvents. The zero value is usable.
type DedupOptions struct {
	// Window is how long a handled event's ID is remembered, so that a
	// redelivery within it is recognised. Default 24 hours (WeChat
	// redelivers within about 15 seconds; a longer window also covers
	// late duplicates).
	Window time.Duration
	// Lease is how long an event being handled holds its ID. A redelivery
	// that arrives meanwhile (at this or another instance) gets
	// ErrEventInProgress, which the push Handler answers with HTTP 500, so
	// WeChat delivers it again later; if the handling instance dies, the
	// lease runs out and a later redelivery is handled. Default 1 minute:
	// handle events faster than that.
	Lease time.Duration
	// OnStoreError, if set, is told when the store fails. The event is then
	// de-duplicated in this process only (a duplicate delivered to another
	// instance during the outage is handled again). It must not block.
	OnStoreError func(error)
}

// ErrEventInProgress is returned by a DedupEvents handler for an event that
// is being handled right now (by this or another instance): it was not
// handled by this call, and a later redelivery will be recognised or
// handled. It is a retryable card.ErrUnavailable.
var ErrEventInProgress error = &card.Error{Provider: Name, Op: "DedupEvents", Kind: card.KindUnavailable,
	Message: "the same event is being handled right now; deliver it again later"}

// DedupEvents wraps next so that each event, by card.Event.ID, reaches it
// once across every instance sharing store (wechatredis.Store on Redis, or
// a MemoryClaims in one process): WeChat redelivers a push it thinks was not
// handled (a timeout, a lost answer) and the redelivery may land on another
// instance.
//
//   - The first delivery claims the ID for Lease and calls next. If next
//     succeeds the ID is remembered for Window; if it fails the claim is
//     given up, so a redelivery calls next again.
//   - A delivery whose ID was handled returns nil without calling next.
//   - A delivery whose ID is being handled returns ErrEventInProgress.
//   - Events with an empty ID are passed through.
//
// Register it with Handler.OnEvent:
//
//	h.OnEvent(wechat.DedupEvents(fleet, nil, handle))
func DedupEvents(store ClaimStore, opts *DedupOptions, next card.EventHandler) card.EventHandler {
	var o DedupOptions
	if opts != nil {
		o = *opts
	}
	if o.Window <= 0 {
		o.Window = 24 * time.Hour
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	local := NewMemoryClaims(MaxReplayEntries, nil)
	return func(ctx context.Context, ev card.Event) error {
		if ev.ID == "" {
			return next(ctx, ev)
		}
		key := eventKey(ev)
		mark := "pending:" + claimMark()
		var st ClaimStore = local
		if store != nil {
			st = store
		}
		ok, cur, err := st.Claim(ctx, key, mark, o.Lease)
		if err != nil && st != ClaimStore(local) {
			if o.OnStoreError != nil {
				o.OnStoreError(&card.Error{Provider: Name, Op: "DedupEvents", Kind: card.KindUnavailable,
					Message: "the shared event memory failed; this event was de-duplicated in this process only", Err: err})
			}
			st = local
			ok, cur, err = st.Claim(ctx, key, mark, o.Lease)
		}
		if err != nil {
			return next(ctx, ev) // cannot remember: rather a duplicate than a lost event
		}
		if !ok {
			if cur == dedupDone {
				return nil
			}
			return ErrEventInProgress
		}
		if err := next(ctx, ev); err != nil {
			_ = st.Release(context.WithoutCancel(ctx), key, mark)
			return err
		}
		_, _ = st.Settle(context.WithoutCancel(ctx), key, mark, dedupDone, o.Window)
		return nil
	}
}

// dedupDone is the claim value of a handled event.
const dedupDone = "done"

// eventKey is the claim key of an event: bounded in length, per provider.
func eventKey(ev card.Event) string {
	sum := sha256.Sum256([]byte(ev.Provider + "\x00" + ev.ID))
	return "event:" + hex.EncodeToString(sum[:16])
}
