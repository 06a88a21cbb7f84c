package ledger

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// SyncSummary says what a SyncPending run did.
type SyncSummary struct {
	// Pushed counts cards written to their wallet.
	Pushed int
	// Unchanged counts cards that already showed the member's values (no call).
	Unchanged int
	// Retried counts failed pushes left to be retried (each card may count several times).
	Retried int
	// Parked and Unlinked count the cards that stopped syncing.
	Parked, Unlinked int
	// Lost counts outcomes not recorded because the card's lease had passed
	// (another worker may own it now; it is pushed again if needed).
	Lost int
	// Failures are the parked and unlinked cards of this run, with reasons
	// (the first 100).
	Failures []Failure
}

// Failure is a card that stopped syncing.
type Failure struct {
	// Ref is the card.
	Ref card.Ref
	// MemberID is its member.
	MemberID string
	// State is the link's state afterwards (parked, unlinked, or unchanged
	// for a card Reconcile could not read).
	State LinkState
	// Reason says why.
	Reason string
}

const maxFailures = 100

// Run syncs cards until ctx ends: it claims pending cards from the store
// (leased, so that workers in other processes sharing the store take other
// cards), pushes each member's latest values with card.MemberCard.Update,
// and records the outcomes. It returns ctx's error after the pushes in
// flight have ended and their outcomes are recorded.
//
// Pushes are coalesced: a card is given the member's values as they are
// when the card is claimed, so ten quick transactions may reach a card as
// one update, and a card is never given an older version after a newer
// one. Only the values that differ from what the card last showed are sent,
// as absolute values, with a note (see Options.Note) and, for points, the
// change (card.UpdateRequest.PointsChange).
//
// Failures: card.ErrNotFound unlinks the card; transient errors (rate
// limited, unavailable) and calls whose outcome is unknown are retried with
// backoff by sending the absolute values again — never a delta; errors the
// wallet did not classify are retried Options.MaxAttempts times; other
// errors (invalid argument, permission denied, conflict …) park the card
// with the error as its reason, for Parked and RetryParked.
//
// Several Run calls may share a Ledger, and several processes a store.
func (l *Ledger) Run(ctx context.Context) error {
	w := &worker{l: l}
	return w.run(ctx)
}

// SyncPending pushes every pending card and returns when none is pending
// any more (cards parked or unlinked on the way are reported in the
// summary), or when ctx ends. Cards waiting for a retry are waited for.
// progress, if not nil, is called after each card is done (Phase "sync").
// Workers of other processes (or Run) may push some of the cards meanwhile.
func (l *Ledger) SyncPending(ctx context.Context, progress func(Progress)) (SyncSummary, error) {
	total, err := l.store.Pending(ctx)
	if err != nil {
		return SyncSummary{}, wrapStore(ctx, "SyncPending", err)
	}
	w := &worker{l: l, drain: true, progress: progress, total: total}
	if progress != nil {
		progress(Progress{Phase: "sync", Total: total})
	}
	err = w.run(ctx)
	return w.sum, err
}

// worker is one Run or SyncPending.
type worker struct {
	l        *Ledger
	drain    bool
	progress func(Progress)
	total    int
	done     int
	failed   int
	sum      SyncSummary
}

type flushResult struct {
	batch []Outcome
	n     int
	err   error
}

type jobResult struct {
	out    Outcome
	member string
	called bool
}

// claimedJob is a job with the time its claim started (its lease runs from then).
type claimedJob struct {
	job Job
	at  time.Time
}

func (w *worker) run(ctx context.Context) error {
	l := w.l
	conc := l.opts.Concurrency
	results := make(chan jobResult, conc)
	flushed := make(chan flushResult, 1)
	poll := time.NewTicker(l.opts.PollInterval)
	defer poll.Stop()

	// ready holds claimed jobs waiting for a free slot: claiming up to
	// twice the concurrency keeps the slots full without a store round
	// trip per card. The worker claims again only when ready is down to
	// half the concurrency (a low-water mark), so that with every slot
	// busy one claim fetches about conc/2 jobs instead of one job per
	// finished push.
	var ready []claimedJob
	var queue []Outcome
	inflight, flushing, flushHold := 0, false, false
	wantClaim := true
	for {
		stopping := ctx.Err() != nil
		if stopping && len(ready) > 0 {
			// Give the leases of jobs never started back at once.
			for _, c := range ready {
				queue = append(queue, Outcome{Ref: c.job.Link.Ref, Token: c.job.Token, Kind: OutcomeRetry, Attempts: c.job.Link.Attempts, Error: c.job.Link.LastError})
			}
			ready = nil
		}
		for !stopping && inflight < conc && len(ready) > 0 {
			c := ready[0]
			ready = ready[1:]
			inflight++
			go func(c claimedJob) { results <- w.push(ctx, c.job, c.at) }(c)
		}
		if room := 2*conc - inflight - len(ready); !stopping && wantClaim && len(ready) <= conc/2 && room > 0 {
			at := time.Now()
			jobs, err := l.store.Claim(ctx, l.opts.Owner, room, l.opts.Lease)
			if err != nil {
				if ctx.Err() == nil {
					l.log.Warn("ledger: claim failed", "err", err)
				}
				wantClaim = false // until the next poll
			} else {
				for _, j := range jobs {
					ready = append(ready, claimedJob{job: j, at: at})
				}
				wantClaim = len(jobs) == room
				if len(jobs) > 0 {
					continue // start them
				}
			}
		}
		if !flushing && !flushHold && len(queue) > 0 {
			flushing = true
			batch := queue
			queue = nil
			go func() {
				fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.opts.CallTimeout)
				defer cancel()
				n, err := l.store.Finish(fctx, batch)
				flushed <- flushResult{batch: batch, n: n, err: err}
			}()
		}
		if inflight == 0 && len(ready) == 0 && !flushing && (len(queue) == 0 || (stopping && flushHold)) {
			if stopping {
				return ctx.Err()
			}
			if w.drain && !wantClaim && len(queue) == 0 {
				n, err := l.store.Pending(ctx)
				if err == nil && n == 0 {
					return nil
				}
			}
		}
		done := ctx.Done()
		if stopping {
			done = nil
		}
		select {
		case r := <-results:
			inflight--
			queue = append(queue, r.out)
			w.count(r)
		case f := <-flushed:
			flushing = false
			if f.err != nil {
				l.log.Warn("ledger: recording sync outcomes failed", "err", f.err, "outcomes", len(f.batch))
				queue = append(f.batch, queue...)
				flushHold = true // until the next poll
			} else {
				w.sum.Lost += len(f.batch) - f.n
				wantClaim = true // released cards may be due again
			}
		case <-l.wake:
			wantClaim = true
		case <-poll.C:
			wantClaim, flushHold = true, false
		case <-done:
		}
	}
}

// count updates the summary and reports progress.
func (w *worker) count(r jobResult) {
	o := r.out
	switch o.Kind {
	case OutcomeDone:
		if r.called {
			w.sum.Pushed++
		} else {
			w.sum.Unchanged++
		}
		w.done++
	case OutcomeRetry:
		w.sum.Retried++
		return
	case OutcomePark, OutcomeUnlink:
		state := LinkParked
		if o.Kind == OutcomeUnlink {
			state = LinkUnlinked
			w.sum.Unlinked++
		} else {
			w.sum.Parked++
		}
		if len(w.sum.Failures) < maxFailures {
			w.sum.Failures = append(w.sum.Failures, Failure{Ref: o.Ref, MemberID: r.member, State: state, Reason: o.Reason})
		}
		w.done++
		w.failed++
	}
	if w.done > w.total {
		w.total = w.done
	}
	if w.progress != nil {
		w.progress(Progress{Phase: "sync", Done: w.done, Failed: w.failed, Total: w.total})
	}
}

// push sends one job's values to its card and returns the outcome.
func (w *worker) push(ctx context.Context, j Job, claimed time.Time) jobResult {
	l := w.l
	ref := j.Link.Ref
	rules := l.rules(ref.Provider)
	target := rules.display(j.Member.Values, j.Link.Fields)
	res := jobResult{out: Outcome{Ref: ref, Token: j.Token}, member: j.Member.ID}
	req, ok := l.update(j, rules, target)
	if !ok {
		res.out.Kind, res.out.Version, res.out.Shown = OutcomeDone, j.Member.Version, target
		return res
	}
	// The call must end well inside the lease, so that no other worker
	// writes this card while it may still be in flight.
	deadline := claimed.Add(l.opts.Lease - l.opts.Lease/4)
	if d := time.Now().Add(l.opts.CallTimeout); d.Before(deadline) {
		deadline = d
	}
	cctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	err := l.wait(cctx, ref.Provider)
	if err == nil {
		res.called = true
		_, err = l.cards.Update(cctx, req)
	}
	if err == nil {
		res.out.Kind, res.out.Version, res.out.Shown = OutcomeDone, j.Member.Version, target
		return res
	}
	res.out = l.failure(ctx, j, err, res.called)
	if res.out.Kind != OutcomeRetry {
		l.log.Warn("ledger: card stopped syncing", "card", ref.String(), "member", j.Member.ID, "reason", res.out.Reason)
	}
	return res
}

// failure classifies a failed push.
func (l *Ledger) failure(ctx context.Context, j Job, err error, called bool) Outcome {
	o := Outcome{Ref: j.Link.Ref, Token: j.Token}
	msg := cutRunes(err.Error(), 500)
	attempts := j.Link.Attempts + 1
	switch {
	case ctx.Err() != nil:
		// The worker is stopping: release the card at once, no attempt
		// counted (an interrupted call may have been applied; the next
		// push sends the absolute values again).
		o.Kind, o.Attempts, o.Error = OutcomeRetry, j.Link.Attempts, "interrupted: "+msg
		return o
	case !called:
		// The rate limit would not let the call start in time.
		o.Kind, o.Attempts, o.Error, o.RetryAfter = OutcomeRetry, j.Link.Attempts, "rate limited locally: "+msg, l.opts.RetryBase
		return o
	case errors.Is(err, card.ErrNotFound):
		o.Kind, o.Reason = OutcomeUnlink, "the wallet does not know the card (deleted?): "+msg
		return o
	case errors.Is(err, card.ErrOutcomeUnknown), card.IsRetryable(err), driver.IsContextError(err):
		// Transient, or applied or not: send the absolute values again.
		o.Kind, o.Attempts, o.Error, o.RetryAfter = OutcomeRetry, attempts, msg, l.backoff(attempts)
		return o
	case card.KindOf(err) == card.KindUnknown:
		if attempts >= l.opts.MaxAttempts {
			o.Kind, o.Reason = OutcomePark, fmt.Sprintf("gave up after %d attempts: %s", attempts, msg)
			return o
		}
		o.Kind, o.Attempts, o.Error, o.RetryAfter = OutcomeRetry, attempts, msg, l.backoff(attempts)
		return o
	}
	o.Kind, o.Reason = OutcomePark, msg
	return o
}

// backoff returns the wait before attempt n+1: RetryBase·2^(n-1), at most
// RetryMax, ± 25 % jitter.
func (l *Ledger) backoff(n int) time.Duration {
	d := l.opts.RetryBase
	for i := 1; i < n && d < l.opts.RetryMax; i++ {
		d *= 2
	}
	if d > l.opts.RetryMax {
		d = l.opts.RetryMax
	}
	return d - d/4 + time.Duration(rand.Int64N(int64(d)/2+1))
}

// update builds the wallet update of a job: the displayed values that
// differ from what the card last showed (all of them when that is not
// known). ok is false when nothing needs sending.
func (l *Ledger) update(j Job, rules WalletRules, target Values) (req card.UpdateRequest, ok bool) {
	f, shown := j.Link.Fields, j.Link.Shown
	req.Ref = j.Link.Ref
	ch := Change{Ref: j.Link.Ref, MemberID: j.Member.ID, Known: shown != nil, TransactionNote: j.Member.LastNote, MaxRunes: rules.NoteRunes}
	if f&ShowPoints != 0 && (shown == nil || shown.Points != target.Points) {
		req.Points = card.Ptr(target.Points)
		ch.Points = true
		if shown != nil {
			ch.PointsDelta = target.Points - shown.Points
			req.PointsChange = card.Ptr(ch.PointsDelta)
		}
	}
	if f&ShowBalance != 0 && (shown == nil || shown.Balance != target.Balance) {
		req.Balance = card.Ptr(target.Balance)
		ch.Balance = true
		if shown != nil {
			ch.BalanceDelta = target.Balance - shown.Balance
		}
	}
	if f&ShowLevel != 0 && target.Level != "" && (shown == nil || shown.Level != target.Level) {
		req.Level = card.Ptr(target.Level)
		ch.Level = target.Level
	}
	if req.Points == nil && req.Balance == nil && req.Level == nil {
		return req, false
	}
	if shown != nil && j.Link.DoneVersion != NoVersion && j.Link.DoneVersion == j.Member.Version-1 {
		ch.Transactions = 1
	}
	req.Note = cutRunes(l.opts.Note(ch), rules.NoteRunes)
	return req, true
}
