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
	"time"

	card "github.com/walletcard/card"
)

// Loyalty awards points for purchases and spends stored value. It depends only
// on card.MemberCard, so tests hand it a mock and production hands it the
// Alipay or WeChat adapter (or a provider.Router holding both).
type Loyalty struct {
	Cards card.MemberCard
	// PointsPerYuan is how many points one yuan of spending earns.
	PointsPerYuan int64
	// Attempts is how often a call is tried when the wallet is rate limited
	// or unavailable (card.IsRetryable); 0 means once.
	Attempts int
}

// ErrInsufficientBalance is returned by Pay when the card's balance is too low.
var ErrInsufficientBalance = errors.New("loyalty: insufficient balance")

// RewardPurchase adds points for a purchase of amount and returns the card.
func (l *Loyalty) RewardPurchase(ctx context.Context, ref card.Ref, amount card.Money) (*card.Card, error) {
	if amount <= 0 {
		return nil, fmt.Errorf("loyalty: purchase amount must be positive, got %s", amount)
	}
	earned := card.WholePoints(amount.Fen() / 100 * l.PointsPerYuan)
	for attempt := 1; ; attempt++ {
		c, err := l.Cards.Get(ctx, ref)
		if err == nil {
			c, err = l.Cards.Update(ctx, card.UpdateRequest{
				Ref:    ref,
				Points: card.Ptr(c.Points + earned),
				Note:   fmt.Sprintf("消费%s元，获得%s积分", amount, earned),
			})
		}
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

// Pay takes amount from the card's stored-value balance.
func (l *Loyalty) Pay(ctx context.Context, ref card.Ref, amount card.Money) (*card.Card, error) {
	c, err := l.Cards.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	if c.Balance < amount {
		return nil, fmt.Errorf("%w: have %s, need %s", ErrInsufficientBalance, c.Balance, amount)
	}
	return l.Cards.Update(ctx, card.UpdateRequest{Ref: ref, Balance: card.Ptr(c.Balance - amount), Note: "储值支付" + amount.String() + "元"})
}
