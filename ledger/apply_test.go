package ledger_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
)

func TestApplyRefusesBadInputNamingTheField(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	ok := ledger.Request{Key: "k", MemberID: "m1", Op: ledger.CreditPoints, Points: 100}
	cases := []struct {
		field string
		edit  func(*ledger.Request)
	}{
		{"Key", func(r *ledger.Request) { r.Key = "" }},
		{"Key", func(r *ledger.Request) { r.Key = strings.Repeat("k", 129) }},
		{"Key", func(r *ledger.Request) { r.Key = "k\xff" }},
		{"MemberID", func(r *ledger.Request) { r.MemberID = "" }},
		{"MemberID", func(r *ledger.Request) { r.MemberID = strings.Repeat("m", 65) }},
		{"Op", func(r *ledger.Request) { r.Op = "add" }},
		{"Points", func(r *ledger.Request) { r.Points = 0 }},
		{"Points", func(r *ledger.Request) { r.Points = -5 }},
		{"Points", func(r *ledger.Request) { r.Points = ledger.MaxValue + 1 }},
		{"Amount", func(r *ledger.Request) { r.Amount = 5 }},
		{"Level", func(r *ledger.Request) { r.Level = "GOLD" }},
		{"Amount", func(r *ledger.Request) { r.Op, r.Points = ledger.TopUp, 0 }},
		{"Points", func(r *ledger.Request) { r.Op, r.Amount = ledger.Spend, 100 }},
		{"Level", func(r *ledger.Request) { r.Op, r.Points = ledger.SetLevel, 0 }},
		{"Level", func(r *ledger.Request) { r.Op, r.Points, r.Level = ledger.SetLevel, 0, strings.Repeat("L", 65) }},
		{"Points", func(r *ledger.Request) { r.Op, r.Level = ledger.SetLevel, "GOLD" }},
		{"Actor", func(r *ledger.Request) { r.Actor = strings.Repeat("a", 129) }},
		{"Reason", func(r *ledger.Request) { r.Reason = strings.Repeat("r", 257) }},
		{"Note", func(r *ledger.Request) { r.Note = strings.Repeat("积", 65) }},
		{"Note", func(r *ledger.Request) { r.Note = "\xff" }},
	}
	for _, c := range cases {
		req := ok
		c.edit(&req)
		_, err := e.l.Apply(e.ctx, req)
		require.ErrorIs(t, err, card.ErrInvalidArgument, "%+v", req)
		var ce *card.Error
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, c.field, ce.Field, "%+v: %v", req, err)
		assert.Equal(t, ledger.Name, ce.Provider)
	}
	txs, err := e.l.Transactions(e.ctx, "m1", ledger.TransactionQuery{})
	require.NoError(t, err)
	assert.Empty(t, txs, "nothing was written")
	m, err := e.l.Member(e.ctx, "m1")
	require.NoError(t, err)
	assert.Zero(t, m.Version)
}

func TestApplySameKeyReturnsTheOriginal(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	first := e.apply(ledger.Request{Key: "order-1", MemberID: "m1", Op: ledger.CreditPoints, Points: card.WholePoints(12), Actor: "webhook", Reason: "coffee"})
	assert.False(t, first.Replayed)
	assert.Equal(t, card.WholePoints(12), first.After.Points)
	assert.Equal(t, int64(1), first.Version)

	// The purchase webhook arrives again: same content, different description.
	again := e.apply(ledger.Request{Key: "order-1", MemberID: "m1", Op: ledger.CreditPoints, Points: card.WholePoints(12), Actor: "webhook-retry"})
	assert.True(t, again.Replayed)
	assert.Equal(t, first.Seq, again.Seq)
	assert.Equal(t, first.After, again.After)
	assert.Equal(t, "webhook", again.Actor, "the original is returned")
	m, err := e.l.Member(e.ctx, "m1")
	require.NoError(t, err)
	assert.Equal(t, card.WholePoints(12), m.Points, "credited once")

	for _, req := range []ledger.Request{
		{Key: "order-1", MemberID: "m1", Op: ledger.CreditPoints, Points: card.WholePoints(13)},
		{Key: "order-1", MemberID: "m1", Op: ledger.DebitPoints, Points: card.WholePoints(12)},
		{Key: "order-1", MemberID: "m2", Op: ledger.CreditPoints, Points: card.WholePoints(12)},
	} {
		_, err := e.l.Apply(e.ctx, req)
		require.ErrorIs(t, err, ledger.ErrKeyConflict, "%+v", req)
		require.ErrorIs(t, err, card.ErrConflict)
	}
	m, err = e.l.Member(e.ctx, "m1")
	require.NoError(t, err)
	assert.Equal(t, card.WholePoints(12), m.Points)
}

func TestApplyRefusesGoingBelowZero(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	e.apply(ledger.Request{Key: "top", MemberID: "m1", Op: ledger.TopUp, Amount: card.Yuan(10)})
	e.credit("c", "m1", card.WholePoints(5))

	_, err := e.l.Apply(e.ctx, ledger.Request{Key: "spend-1", MemberID: "m1", Op: ledger.Spend, Amount: card.Money(1001)})
	require.ErrorIs(t, err, ledger.ErrInsufficientFunds)
	require.ErrorIs(t, err, card.ErrConflict)
	assert.Contains(t, err.Error(), "insufficient balance")
	_, err = e.l.Apply(e.ctx, ledger.Request{Key: "debit-1", MemberID: "m1", Op: ledger.DebitPoints, Points: card.WholePoints(6)})
	require.ErrorIs(t, err, ledger.ErrInsufficientFunds)

	// The refusal is recorded: the same request is refused again even after a top-up.
	e.apply(ledger.Request{Key: "top-2", MemberID: "m1", Op: ledger.TopUp, Amount: card.Yuan(10)})
	_, err = e.l.Apply(e.ctx, ledger.Request{Key: "spend-1", MemberID: "m1", Op: ledger.Spend, Amount: card.Money(1001)})
	require.ErrorIs(t, err, ledger.ErrInsufficientFunds)
	rec, err := e.l.Transaction(e.ctx, "spend-1")
	require.NoError(t, err)
	assert.Equal(t, ledger.StatusRefused, rec.Status)
	assert.Contains(t, rec.Refusal, "insufficient balance")

	// A new key succeeds, exactly down to zero.
	tx := e.apply(ledger.Request{Key: "spend-2", MemberID: "m1", Op: ledger.Spend, Amount: card.Yuan(20)})
	assert.Zero(t, tx.After.Balance)
	m, err := e.l.Member(e.ctx, "m1")
	require.NoError(t, err)
	assert.Equal(t, card.Money(0), m.Balance)
	assert.Equal(t, card.WholePoints(5), m.Points)
}

func TestApplyUnknownMemberIsNotFound(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.l.Apply(e.ctx, ledger.Request{Key: "k", MemberID: "ghost", Op: ledger.CreditPoints, Points: 1})
	require.ErrorIs(t, err, ledger.ErrMemberNotFound)
	require.ErrorIs(t, err, card.ErrNotFound)
}

func TestTransactionsKeepWhoWhyWhenAndResult(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	e.apply(ledger.Request{Key: "a", MemberID: "m1", Op: ledger.CreditPoints, Points: 1250, Actor: "cashier 7", Reason: "order 1", Note: "消费积分"})
	e.apply(ledger.Request{Key: "b", MemberID: "m1", Op: ledger.SetLevel, Level: "GOLD", Actor: "system", Reason: "upgrade"})
	e.apply(ledger.Request{Key: "c", MemberID: "m1", Op: ledger.TopUp, Amount: 5000})
	e.apply(ledger.Request{Key: "d", MemberID: "m1", Op: ledger.Spend, Amount: 1999})
	e.apply(ledger.Request{Key: "e", MemberID: "m1", Op: ledger.DebitPoints, Points: 250})
	_, err := e.l.Apply(e.ctx, ledger.Request{Key: "f", MemberID: "m1", Op: ledger.DebitPoints, Points: 5000})
	require.ErrorIs(t, err, ledger.ErrInsufficientFunds)

	txs, err := e.l.Transactions(e.ctx, "m1", ledger.TransactionQuery{})
	require.NoError(t, err)
	require.Len(t, txs, 6)
	assert.Equal(t, "cashier 7", txs[0].Actor)
	assert.Equal(t, "order 1", txs[0].Reason)
	assert.Equal(t, "消费积分", txs[0].Note)
	assert.False(t, txs[0].At.IsZero())
	assert.Equal(t, ledger.Values{Points: 1250, Level: "GOLD", Balance: 3001}, ledger.Values{Points: txs[1].After.Points, Level: txs[1].After.Level, Balance: txs[3].After.Balance})
	assert.Equal(t, card.Points(1000), txs[4].After.Points)
	assert.Equal(t, ledger.StatusRefused, txs[5].Status)
	assert.Equal(t, int64(5), txs[5].Version, "a refusal leaves the version")

	page, err := e.l.Transactions(e.ctx, "m1", ledger.TransactionQuery{AfterSeq: txs[3].Seq, Limit: 1})
	require.NoError(t, err)
	require.Len(t, page, 1)
	assert.Equal(t, "e", page[0].Key)

	// Setting the level it has already changes nothing (and wakes no sync:
	// TestApplyThatChangesNothingWakesNoWorker).
	tx := e.apply(ledger.Request{Key: "g", MemberID: "m1", Op: ledger.SetLevel, Level: "GOLD"})
	assert.Equal(t, int64(5), tx.Version)
}

// A transaction that changes nothing (a member's level set to the level it
// has), or a replayed one, does not wake the sync workers; a change does.
// The worker polls once an hour, so each Claim after its first is a wake-up.
func TestApplyThatChangesNothingWakesNoWorker(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	e.openAlipay("m1", 0)
	e.apply(ledger.Request{Key: "gold", MemberID: "m1", Op: ledger.SetLevel, Level: "GOLD"})
	e.sync()
	store := &claimCounter{Store: e.store}
	l, err := ledger.New(store, e.rec, &ledger.Options{PollInterval: time.Hour})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	require.Eventually(t, func() bool { return store.calls.Load() > 0 }, 10*time.Second, time.Millisecond, "the worker's first claim")
	claims := store.calls.Load()

	tx, err := l.Apply(e.ctx, ledger.Request{Key: "gold-again", MemberID: "m1", Op: ledger.SetLevel, Level: "GOLD"})
	require.NoError(t, err)
	assert.False(t, tx.Replayed)
	tx, err = l.Apply(e.ctx, ledger.Request{Key: "gold", MemberID: "m1", Op: ledger.SetLevel, Level: "GOLD"})
	require.NoError(t, err)
	assert.True(t, tx.Replayed)
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, claims, store.calls.Load(), "the worker was woken")

	_, err = l.Apply(e.ctx, ledger.Request{Key: "silver", MemberID: "m1", Op: ledger.SetLevel, Level: "SILVER"})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return store.calls.Load() > claims }, 10*time.Second, time.Millisecond, "a change wakes the worker")
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
}

// When the store fails, Apply cannot know whether the transaction was
// recorded: the error says the outcome is unknown, and repeating the same
// key is safe.
func TestApplyStoreFailureIsAnUnknownOutcome(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	require.NoError(t, e.store.Close())
	_, err := e.l.Apply(e.ctx, ledger.Request{Key: "k", MemberID: "m1", Op: ledger.CreditPoints, Points: 1})
	require.Error(t, err)
	assert.ErrorIs(t, err, card.ErrOutcomeUnknown)
	assert.True(t, card.IsRetryable(err))
}

func TestApplyCanceledContextIsBare(t *testing.T) {
	e := newEnv(t, nil)
	e.member("m1")
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	_, err := e.l.Apply(ctx, ledger.Request{Key: "k", MemberID: "m1", Op: ledger.CreditPoints, Points: 1})
	assert.True(t, errors.Is(err, context.Canceled))
}

func TestCreateMemberIsIdempotent(t *testing.T) {
	e := newEnv(t, nil)
	m, err := e.l.CreateMember(e.ctx, "m1", "SILVER")
	require.NoError(t, err)
	assert.Equal(t, "SILVER", m.Level)
	m, err = e.l.CreateMember(e.ctx, "m1", "GOLD")
	require.NoError(t, err)
	assert.Equal(t, "SILVER", m.Level, "an existing member is returned unchanged")
	_, err = e.l.CreateMember(e.ctx, "", "")
	require.ErrorIs(t, err, card.ErrInvalidArgument)
	_, err = e.l.Member(e.ctx, "ghost")
	require.ErrorIs(t, err, card.ErrNotFound)
}
