package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/mock"
)

// chaos arms the mock wallets' own fault injection before 30 % of the
// updates: 10 % fail before applying (unavailable), 10 % apply and lose the
// answer, 10 % are rate limited. Cards in deny fail with permission denied
// the first time they are written (a permanent failure).
type chaos struct {
	card.MemberCard
	wallets map[string]*mock.Provider

	calls, before, lost, limited atomic.Int64
	mu                           sync.Mutex
	deny                         map[card.Ref]bool
}

func (c *chaos) Update(ctx context.Context, req card.UpdateRequest) (*card.Card, error) {
	c.calls.Add(1)
	c.mu.Lock()
	denied := c.deny[req.Ref]
	delete(c.deny, req.Ref)
	c.mu.Unlock()
	if denied {
		return nil, &card.Error{Provider: req.Ref.Provider, Op: "Update", Kind: card.KindPermissionDenied, Message: "app lacks the member-card permission for this template"}
	}
	w := c.wallets[req.Ref.Provider]
	switch r := rand.IntN(100); {
	case r < 10:
		c.before.Add(1)
		w.FailNext(card.OpUpdate, card.KindUnavailable, 1)
	case r < 20:
		c.lost.Add(1)
		w.LoseAnswerNext(card.OpUpdate, 1)
	case r < 30:
		c.limited.Add(1)
		w.FailNext(card.OpUpdate, card.KindRateLimited, 1)
	}
	return c.MemberCard.Update(ctx, req)
}

// 1,000 transactions on 100 members with a card in each wallet, 30 % of the
// wallet calls failing: no point is lost or doubled, in the ledger or on any
// card, and the permanent failures are parked with their reasons.
func TestThirtyPercentWalletFaultsLoseAndDoubleNothing(t *testing.T) {
	const members, transactions = 100, 1000
	e := newEnv(t, nil) // its ledger only opens the cards; l syncs them
	ch := &chaos{MemberCard: e.rec, wallets: map[string]*mock.Provider{card.Alipay: e.alipay, card.WeChat: e.wechat}, deny: map[card.Ref]bool{}}
	l, err := ledger.New(e.store, ch, &ledger.Options{RetryBase: time.Millisecond, RetryMax: 20 * time.Millisecond, PollInterval: 10 * time.Millisecond})
	require.NoError(t, err)

	var refs []card.Ref
	for i := 0; i < members; i++ {
		id := fmt.Sprintf("m%03d", i)
		e.member(id)
		refs = append(refs, e.openAlipay(id, 0), e.openWeChat(id, 0))
	}
	denied := []card.Ref{refs[3], refs[50], refs[151]}
	for _, r := range denied {
		ch.deny[r] = true
	}

	ctx, cancel := context.WithCancel(e.ctx)
	runDone := make(chan error, 1)
	go func() { runDone <- l.Run(ctx) }()

	// Ten rounds of 100 purchases (one per member) by eight cashiers, one
	// in ten delivered twice; the background worker syncs meanwhile and
	// each round ends when no card is pending.
	start := time.Now()
	var replays, refused atomic.Int64
	retried := 0
	sctx, scancel := context.WithTimeout(e.ctx, 120*time.Second)
	defer scancel()
	for round := 0; round < transactions/members; round++ {
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1) - 1
					if i >= members {
						return
					}
					n := round*members + int(i)
					req := faultRequest(n)
					for d := 0; d < 1+boolInt(n%10 == 0); d++ {
						tx, err := l.Apply(ctx, req)
						switch {
						case err == nil && tx.Replayed:
							replays.Add(1)
						case err == nil:
						case assert.ErrorIs(t, err, ledger.ErrInsufficientFunds):
							if d == 1 {
								replays.Add(1) // the refusal, recorded under the key
							} else {
								refused.Add(1)
							}
						}
					}
				}
			}()
		}
		wg.Wait()
		s, err := l.SyncPending(sctx, nil)
		require.NoError(t, err)
		retried += s.Retried
	}
	cancel()
	require.ErrorIs(t, <-runDone, context.Canceled)
	elapsed := time.Since(start)
	// Each second delivery is answered from the record.
	assert.Equal(t, int64(transactions/10), replays.Load(), "every redelivered key was answered from the record")

	// Parked failures are listed with their reasons.
	parked, err := l.Parked(e.ctx, card.Ref{}, 0)
	require.NoError(t, err)
	var parkedRefs []card.Ref
	for _, p := range parked {
		parkedRefs = append(parkedRefs, p.Ref)
		assert.Contains(t, p.ParkReason, "permission denied")
	}
	assert.ElementsMatch(t, denied, parkedRefs)

	// The operator retries them once the permission is fixed.
	for _, r := range parkedRefs {
		require.NoError(t, l.RetryParked(e.ctx, r))
	}
	_, err = l.SyncPending(sctx, nil)
	require.NoError(t, err)

	// Ledger: each member holds exactly its applied transactions.
	for i := 0; i < members; i++ {
		id := fmt.Sprintf("m%03d", i)
		var want ledger.Values
		var after int64
		applied := 0
		for {
			txs, err := l.Transactions(e.ctx, id, ledger.TransactionQuery{AfterSeq: after, Limit: 1000})
			require.NoError(t, err)
			if len(txs) == 0 {
				break
			}
			for _, tx := range txs {
				after = tx.Seq
				if tx.Status != ledger.StatusApplied {
					continue
				}
				applied++
				switch tx.Op {
				case ledger.CreditPoints:
					want.Points += tx.Points
				case ledger.DebitPoints:
					want.Points -= tx.Points
				case ledger.TopUp:
					want.Balance += tx.Amount
				case ledger.Spend:
					want.Balance -= tx.Amount
				}
			}
		}
		m, err := l.Member(e.ctx, id)
		require.NoError(t, err)
		require.Equal(t, want, m.Values, "member %s: 0 lost, 0 doubled in the ledger", id)
		// Wallets: both cards show exactly the ledger.
		for _, ref := range refs[2*i : 2*i+2] {
			c := e.card(ref)
			wantPts := want.Points
			if ref.Provider == card.WeChat {
				wantPts -= wantPts % 100
			}
			require.Equal(t, wantPts, c.Points, "%s %s: points", id, ref.Provider)
			require.Equal(t, want.Balance, c.Balance, "%s %s: balance", id, ref.Provider)
			assert.False(t, e.link(ref).Pending())
		}
	}
	armed := ch.before.Load() + ch.lost.Load() + ch.limited.Load()
	// What the wallets did: every update that reached them (through the
	// recorder under chaos), the failures they returned, and the answers
	// they lost after applying the update.
	ups := e.rec.all()
	failed, lostAnswers := 0, 0
	for _, u := range ups {
		if u.Err != nil {
			failed++
			if errors.Is(u.Err, card.ErrOutcomeUnknown) {
				lostAnswers++
			}
		}
	}
	recorded := 0
	for i := 0; i < members; i++ {
		txs, err := l.Transactions(e.ctx, fmt.Sprintf("m%03d", i), ledger.TransactionQuery{Limit: 1000})
		require.NoError(t, err)
		recorded += len(txs)
	}
	assert.Equal(t, transactions, recorded, "every key recorded once")
	t.Logf("%d transactions (%d redelivered, %d refused) on %d members × 2 wallets in %v: %d updates, %d faults armed (%d before apply, %d answers lost, %d rate limited); %d reached the wallets, %d failed there (%.0f %%, %d answers lost), %d retried, %d parked then retried; 0 lost, 0 doubled",
		transactions, transactions/10, refused.Load(), members, elapsed.Round(time.Millisecond), ch.calls.Load(), armed, ch.before.Load(), ch.lost.Load(), ch.limited.Load(),
		len(ups), failed, 100*float64(failed)/float64(len(ups)), lostAnswers, retried, len(parked))
	assert.InDelta(t, 0.30, float64(failed)/float64(len(ups)), 0.06, "the wallets failed 30 % of the updates")
	assert.Positive(t, lostAnswers, "some answers were lost after the update was applied")
}

// faultRequest is transaction i: credits mostly (some with half points,
// which WeChat cannot show), top-ups, spends and debits that may be refused.
func faultRequest(i int) ledger.Request {
	req := ledger.Request{Key: fmt.Sprintf("order-%04d", i), MemberID: fmt.Sprintf("m%03d", (i*37)%100), Actor: "cashier", Reason: "purchase"}
	switch (i + i/100) % 10 {
	case 0, 1, 2, 3, 4:
		req.Op, req.Points = ledger.CreditPoints, card.Points(100*(1+i%13)+50*(i%2))
	case 5, 6:
		req.Op, req.Amount = ledger.TopUp, card.Money(1500+i%700)
	case 7, 8:
		req.Op, req.Amount = ledger.Spend, card.Money(300+i%400)
	case 9:
		req.Op, req.Points = ledger.DebitPoints, card.WholePoints(int64(1+i%9))
	}
	return req
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
