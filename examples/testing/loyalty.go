// Command testing shows how a merchant service built on card.MemberCard is
// tested with the in-memory mock instead of a real wallet. The service is
// Loyalty (this file); its tests are in loyalty_test.go. Run the tests with
//
//	go test ./examples/testing
//
// and the small demo with go run ./examples/testing.
package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	card "github.com/walletcard/card"
)

// Loyalty awards points for purchases and spends stored value. It depends only
// on card.MemberCard, so tests hand it a mock and production hands it the
// Alipay or WeChat adapter (or a provider.Router holding both).
//
// The merchant's ledger, not the wallet, is the source of truth: Loyalty
// computes each new balance from its ledger and writes it to the wallet as an
// absolute value. Writing the same absolute value twice is harmless, so a
// call whose answer was lost can be repeated safely, which a read-add-write
// against the wallet could not (it would award the points twice). Changes to
// one card are serialised.
type Loyalty struct {
	Cards card.MemberCard
	// PointsPerYuan is how many points one yuan of spending earns.
	PointsPerYuan int64
	// Attempts is how often a wallet write is tried when the wallet is rate
	// limited or unavailable (card.IsRetryable); 0 means once.
	Attempts int

	mu     sync.Mutex
	ledger map[card.Ref]*account
}

// account is the merchant's record of one card.
type account struct {
	mu      sync.Mutex
	loaded  bool
	points  card.Points
	balance card.Money
}

// ErrInsufficientBalance is returned by Pay when the card's balance is too low.
var ErrInsufficientBalance = errors.New("loyalty: insufficient balance")

// account returns the locked ledger entry for ref, loading it from the wallet
// the first time. The caller must unlock it.
func (l *Loyalty) account(ctx context.Context, ref card.Ref) (*account, error) {
	l.mu.Lock()
	if l.ledger == nil {
		l.ledger = map[card.Ref]*account{}
	}
	a := l.ledger[ref]
	if a == nil {
		a = &account{}
		l.ledger[ref] = a
	}
	l.mu.Unlock()
	a.mu.Lock()
	if !a.loaded {
		c, err := l.Cards.Get(ctx, ref)
		if err != nil {
			a.mu.Unlock()
			return nil, err
		}
		a.points, a.balance, a.loaded = c.Points, c.Balance, true
	}
	return a, nil
}

// write sends absolute values to the wallet, repeating transient failures:
// repeating an absolute write cannot apply a change twice.
func (l *Loyalty) write(ctx context.Context, req card.UpdateRequest) (*card.Card, error) {
	for attempt := 1; ; attempt++ {
		c, err := l.Cards.Update(ctx, req)
		if err == nil || !card.IsRetryable(err) || attempt >= l.Attempts {
			return c, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(attempt) * 10 * time.Millisecond):
		}
	}
}

// RewardPurchase adds points for a purchase of amount and returns the card.
func (l *Loyalty) RewardPurchase(ctx context.Context, ref card.Ref, amount card.Money) (*card.Card, error) {
	if amount <= 0 {
		return nil, fmt.Errorf("loyalty: purchase amount must be positive, got %s", amount)
	}
	a, err := l.account(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer a.mu.Unlock()
	earned := card.WholePoints(amount.Fen() / 100 * l.PointsPerYuan)
	points := a.points + earned
	c, err := l.write(ctx, card.UpdateRequest{Ref: ref, Points: &points, Note: "消费积分+" + earned.String()})
	if err != nil {
		// The write may still have been applied; the next write sends an
		// absolute value from the ledger, which repairs either outcome.
		return nil, err
	}
	a.points = points
	return c, nil
}

// Pay takes amount from the card's stored-value balance.
func (l *Loyalty) Pay(ctx context.Context, ref card.Ref, amount card.Money) (*card.Card, error) {
	a, err := l.account(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer a.mu.Unlock()
	if a.balance < amount {
		return nil, fmt.Errorf("%w: have %s, need %s", ErrInsufficientBalance, a.balance, amount)
	}
	balance := a.balance - amount
	c, err := l.write(ctx, card.UpdateRequest{Ref: ref, Balance: &balance, Note: "储值支付" + amount.String() + "元"})
	if err != nil {
		return nil, err
	}
	a.balance = balance
	return c, nil
}
