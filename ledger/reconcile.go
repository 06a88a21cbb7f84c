package ledger

import (
	"context"
	"errors"
	"sync"

	card "github.com/walletcard/card"
)

// ReconcileOptions configure Reconcile.
type ReconcileOptions struct {
	// Progress, if set, is called after each card is read (Phase
	// "reconcile") and then during the repair (Phase "sync"). Calls never
	// overlap; keep them short.
	Progress func(Progress)
	// Concurrency is how many cards are read at once (default
	// Options.Concurrency). Per-wallet rate limits apply.
	Concurrency int
	// NoRepair only reports drift: drifted cards are marked pending but not
	// pushed by this call (running workers still push them).
	NoRepair bool
}

// ReconcileSummary says what Reconcile found and did.
type ReconcileSummary struct {
	// Total is the number of linked cards (active and parked) at the start.
	Total int
	// Checked counts the cards read from their wallet.
	Checked int
	// InSync counts the cards that showed what the ledger last wrote.
	InSync int
	// Drifted counts the cards found showing other values; they were marked
	// pending so that the member's values are pushed again.
	Drifted int
	// Pending counts the cards with a push pending already (not compared).
	Pending int
	// Unlinked counts the cards their wallet does not know any more.
	Unlinked int
	// Failed counts the cards that could not be read.
	Failed int
	// Failures lists unread and unlinked cards with reasons (the first 100).
	Failures []Failure
	// Repair is the SyncPending run that pushed the drifted cards.
	Repair SyncSummary
}

// Reconcile reads every linked card (active and parked) from its wallet and
// compares it with what the ledger last wrote to it. A card showing other
// values (changed outside the ledger, or a push whose outcome was never
// known) is marked pending and, unless NoRepair, pushed again by a
// SyncPending run at the end; a card the wallet does not know is unlinked.
// Cards with a push pending are not compared (the push repairs them).
//
// Compared are the values the card shows (Link.Fields) under the wallet's
// rules (whole points on WeChat). A level the wallet does not report (WeChat
// userinfo/get returns no custom-field values) is not compared.
func (l *Ledger) Reconcile(ctx context.Context, opts *ReconcileOptions) (ReconcileSummary, error) {
	const op = "Reconcile"
	var o ReconcileOptions
	if opts != nil {
		o = *opts
	}
	if o.Concurrency <= 0 {
		o.Concurrency = l.opts.Concurrency
	}
	var sum ReconcileSummary
	total, err := l.store.CountLinks(ctx)
	if err != nil {
		return sum, wrapStore(ctx, op, err)
	}
	sum.Total = total
	report := func() {
		if o.Progress != nil {
			if sum.Checked+sum.Failed > sum.Total {
				sum.Total = sum.Checked + sum.Failed
			}
			o.Progress(Progress{Phase: "reconcile", Done: sum.Checked + sum.Failed, Failed: sum.Failed, Total: sum.Total})
		}
	}
	report()
	var mu sync.Mutex // guards sum
	sem := make(chan struct{}, o.Concurrency)
	var after int64
	for {
		page, next, err := l.store.ScanLinks(ctx, after, 256)
		if err != nil {
			return sum, wrapStore(ctx, op, err)
		}
		var wg sync.WaitGroup
		for _, lm := range page {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				wg.Wait()
				return sum, ctx.Err()
			}
			wg.Add(1)
			go func(lm LinkedMember) {
				defer wg.Done()
				defer func() { <-sem }()
				res := l.check(ctx, lm)
				mu.Lock()
				defer mu.Unlock()
				switch res.kind {
				case checkInSync:
					sum.Checked++
					sum.InSync++
				case checkDrifted:
					sum.Checked++
					sum.Drifted++
				case checkPending:
					sum.Checked++
					sum.Pending++
				case checkUnlinked:
					sum.Checked++
					sum.Unlinked++
				case checkFailed:
					sum.Failed++
				}
				if res.reason != "" && len(sum.Failures) < maxFailures {
					sum.Failures = append(sum.Failures, Failure{Ref: lm.Link.Ref, MemberID: lm.Member.ID, State: res.state, Reason: res.reason})
				}
				report()
			}(lm)
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		if len(page) == 0 || next == after {
			break
		}
		after = next
	}
	if sum.Drifted > 0 && !o.NoRepair {
		sum.Repair, err = l.SyncPending(ctx, o.Progress)
		if err != nil {
			return sum, err
		}
	}
	return sum, nil
}

type checkKind int

const (
	checkInSync checkKind = iota
	checkDrifted
	checkPending
	checkUnlinked
	checkFailed
)

type checkResult struct {
	kind   checkKind
	state  LinkState
	reason string
}

// check reads one card and compares it.
func (l *Ledger) check(ctx context.Context, lm LinkedMember) checkResult {
	link := lm.Link
	ref := link.Ref
	if err := l.wait(ctx, ref.Provider); err != nil {
		return checkResult{kind: checkFailed, state: link.State, reason: "rate limit: " + err.Error()}
	}
	c, err := l.cards.Get(ctx, ref)
	switch {
	case errors.Is(err, card.ErrNotFound):
		if _, uerr := l.store.Unlink(ctx, ref, "not found in the wallet at reconcile"); uerr != nil {
			return checkResult{kind: checkFailed, state: link.State, reason: "unlink: " + uerr.Error()}
		}
		return checkResult{kind: checkUnlinked, state: LinkUnlinked, reason: "not found in the wallet: " + cutRunes(err.Error(), 300)}
	case err != nil:
		return checkResult{kind: checkFailed, state: link.State, reason: "read: " + cutRunes(err.Error(), 300)}
	}
	if link.Pending() {
		return checkResult{kind: checkPending}
	}
	rules := l.rules(ref.Provider)
	observed := rules.display(Values{Points: c.Points, Balance: c.Balance, Level: c.Level}, link.Fields)
	if link.Shown != nil {
		expected := *link.Shown
		if observed.Level == "" {
			observed.Level = expected.Level // the wallet does not report the level
		}
		if observed == expected {
			return checkResult{kind: checkInSync}
		}
	}
	ok, err := l.store.MarkDrift(ctx, ref, link.DoneVersion, observed)
	if err != nil {
		return checkResult{kind: checkFailed, state: link.State, reason: "mark drift: " + err.Error()}
	}
	if !ok {
		return checkResult{kind: checkPending} // a push finished meanwhile
	}
	return checkResult{kind: checkDrifted}
}
