// Command testing shows how a merchant service built on the member ledger
// is tested with the in-memory mock wallet and a temporary SQLite file — no
// server, no network. The service is Loyalty (this file); its tests are in
// loyalty_test.go. Run the tests with
//
//	go test ./examples/testing
//
// and the small demo with go run ./examples/testing.
package main

import (
	"context"
	"fmt"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
)

// Loyalty turns shop events into ledger transactions. The ledger is the
// source of truth: it credits each order once (the order id is the key, so
// a webhook delivered twice counts once), refuses a payment above the
// balance, serialises concurrent orders of one member, and its sync workers
// push the new totals to every card the member holds (retrying busy
// wallets, resending absolute values after lost answers). Production hands
// it a ledger over the Alipay and WeChat adapters; tests hand it one over
// the mock.
type Loyalty struct {
	Ledger *ledger.Ledger
	// PointsPerYuan is how many points one whole yuan of spending earns.
	PointsPerYuan int64
}

// Join makes a customer a member.
func (s *Loyalty) Join(ctx context.Context, memberID string) error {
	_, err := s.Ledger.CreateMember(ctx, memberID, "SILVER")
	return err
}

// AddCard opens a wallet card for a member (req carries the wallet's proof
// of the user: an Alipay auth token or a WeChat code) and links it.
func (s *Loyalty) AddCard(ctx context.Context, memberID string, req card.OpenRequest) (card.Ref, error) {
	_, c, err := s.Ledger.Open(ctx, ledger.OpenRequest{MemberID: memberID, Card: req})
	if err != nil {
		return card.Ref{}, err
	}
	return c.Ref, nil
}

// RewardPurchase credits the points a purchase earns. orderID makes it
// idempotent: the same order again returns the first result.
func (s *Loyalty) RewardPurchase(ctx context.Context, orderID, memberID string, amount card.Money) (*ledger.Transaction, error) {
	if amount <= 0 {
		return nil, fmt.Errorf("loyalty: purchase amount must be positive, got %s", amount)
	}
	earned := card.WholePoints(amount.Fen() / 100 * s.PointsPerYuan)
	if earned == 0 {
		return nil, nil // under one yuan: nothing to credit
	}
	return s.Ledger.Apply(ctx, ledger.Request{
		Key: "purchase:" + orderID, MemberID: memberID, Op: ledger.CreditPoints, Points: earned,
		Actor: "shop", Reason: "order " + orderID, Note: "消费积分+" + earned.String(),
	})
}

// TopUp adds stored value.
func (s *Loyalty) TopUp(ctx context.Context, orderID, memberID string, amount card.Money) (*ledger.Transaction, error) {
	return s.Ledger.Apply(ctx, ledger.Request{Key: "topup:" + orderID, MemberID: memberID, Op: ledger.TopUp, Amount: amount, Actor: "shop", Reason: "top-up " + orderID})
}

// Pay takes amount from the member's stored value; a balance too low is
// ledger.ErrInsufficientFunds.
func (s *Loyalty) Pay(ctx context.Context, orderID, memberID string, amount card.Money) (*ledger.Transaction, error) {
	return s.Ledger.Apply(ctx, ledger.Request{
		Key: "pay:" + orderID, MemberID: memberID, Op: ledger.Spend, Amount: amount,
		Actor: "shop", Reason: "order " + orderID, Note: "储值支付" + amount.String() + "元",
	})
}
