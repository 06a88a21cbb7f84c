package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/sqlitestore"
	"github.com/walletcard/card/mock"
)

// fixture is the service under test: a ledger on a temporary SQLite file
// over the mock wallet, one member with a card. Each test gets its own, so
// tests run in parallel.
type fixture struct {
	shop   *Loyalty
	wallet *mock.Provider
	ref    card.Ref
}

func newService(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{}
	// The wallet tells the ledger when a user deletes a card.
	f.wallet = mock.New(&mock.Options{Name: card.Alipay, OnEvent: func(ev card.Event) {
		if f.shop != nil {
			_ = f.shop.Ledger.HandleEvent(ctx, ev)
		}
	}})
	tpl, err := f.wallet.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Walletcard Coffee"})
	require.NoError(t, err)
	store, err := sqlitestore.Open(ctx, filepath.Join(t.TempDir(), "ledger.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	l, err := ledger.New(store, f.wallet, nil)
	require.NoError(t, err)
	f.shop = &Loyalty{Ledger: l, PointsPerYuan: 2}
	require.NoError(t, f.shop.Join(ctx, "M1"))
	f.ref, err = f.shop.AddCard(ctx, "M1", card.OpenRequest{Provider: card.Alipay, TemplateID: tpl.ID, ExternalNo: "M1", Holder: "2088000000000001", AuthToken: "t"})
	require.NoError(t, err)
	return f
}

// synced runs the sync workers until nothing is pending and returns the card.
func (f *fixture) synced(t *testing.T) *card.Card {
	t.Helper()
	_, err := f.shop.Ledger.SyncPending(context.Background(), nil)
	require.NoError(t, err)
	c, err := f.wallet.Get(context.Background(), f.ref)
	require.NoError(t, err)
	return c
}

func TestRewardPurchaseAddsPoints(t *testing.T) {
	t.Parallel()
	f := newService(t)
	tx, err := f.shop.RewardPurchase(context.Background(), "A1", "M1", card.Money(1099)) // 10 whole yuan → 20 points
	require.NoError(t, err)
	assert.Equal(t, card.WholePoints(20), tx.After.Points)
	assert.Equal(t, card.WholePoints(20), f.synced(t).Points)
}

// The payment provider's webhook arrives twice: the points are credited once.
func TestDuplicateWebhookCreditsOnce(t *testing.T) {
	t.Parallel()
	f := newService(t)
	ctx := context.Background()
	first, err := f.shop.RewardPurchase(ctx, "A1", "M1", card.Yuan(5))
	require.NoError(t, err)
	again, err := f.shop.RewardPurchase(ctx, "A1", "M1", card.Yuan(5))
	require.NoError(t, err)
	assert.True(t, again.Replayed)
	assert.Equal(t, first.Seq, again.Seq)
	assert.Equal(t, card.WholePoints(10), f.synced(t).Points)
}

func TestRateLimitedWalletIsRetried(t *testing.T) {
	t.Parallel()
	f := newService(t)
	f.wallet.FailNext(card.OpUpdate, card.KindRateLimited, 2)
	_, err := f.shop.RewardPurchase(context.Background(), "A1", "M1", card.Yuan(5))
	require.NoError(t, err)
	assert.Equal(t, card.WholePoints(10), f.synced(t).Points)
	assert.Equal(t, 3, f.wallet.CallCount(card.OpUpdate), "two rate-limited tries, then the update")
}

// An update whose answer is lost was applied anyway; the ledger sends the
// absolute value again, so the points are not awarded twice.
func TestLostAnswerAwardsOnce(t *testing.T) {
	t.Parallel()
	f := newService(t)
	f.wallet.LoseAnswerNext(card.OpUpdate, 1)
	_, err := f.shop.RewardPurchase(context.Background(), "A1", "M1", card.Yuan(5))
	require.NoError(t, err)
	assert.Equal(t, card.WholePoints(10), f.synced(t).Points)
}

func TestConcurrentPurchasesAllCount(t *testing.T) {
	t.Parallel()
	f := newService(t)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := f.shop.RewardPurchase(context.Background(), fmt.Sprintf("A%d", i), "M1", card.Yuan(1))
			assert.NoError(t, err)
		}(i)
	}
	wg.Wait()
	assert.Equal(t, card.WholePoints(40), f.synced(t).Points)
}

func TestPayChecksBalance(t *testing.T) {
	t.Parallel()
	f := newService(t)
	ctx := context.Background()
	_, err := f.shop.TopUp(ctx, "T1", "M1", card.Yuan(20))
	require.NoError(t, err)
	f.synced(t)
	updates := f.wallet.CallCount(card.OpUpdate)

	_, err = f.shop.Pay(ctx, "P1", "M1", card.Money(2001))
	require.ErrorIs(t, err, ledger.ErrInsufficientFunds)
	assert.Equal(t, card.Yuan(20), f.synced(t).Balance)
	assert.Equal(t, updates, f.wallet.CallCount(card.OpUpdate), "a refused payment sends nothing")

	tx, err := f.shop.Pay(ctx, "P2", "M1", card.Money(2000))
	require.NoError(t, err)
	assert.Zero(t, tx.After.Balance)
	assert.Zero(t, f.synced(t).Balance)
}

func TestDeletedCardIsNoLongerSynced(t *testing.T) {
	t.Parallel()
	f := newService(t)
	ctx := context.Background()
	require.NoError(t, f.wallet.Delete(ctx, card.DeleteRequest{Ref: f.ref, Reason: card.ReasonUserUnbound}))
	// The wallet's event has unlinked the card already, before any sync
	// (a sync would unlink it too, on the wallet's "not found").
	links, err := f.shop.Ledger.Links(ctx, "M1")
	require.NoError(t, err)
	require.Len(t, links, 1)
	assert.Equal(t, ledger.LinkUnlinked, links[0].State, "unlinked by the OnEvent wiring")
	_, err = f.shop.RewardPurchase(ctx, "A1", "M1", card.Yuan(5))
	require.NoError(t, err)
	sum, err := f.shop.Ledger.SyncPending(ctx, nil)
	require.NoError(t, err)
	assert.Zero(t, sum.Pushed)
	assert.Zero(t, sum.Unlinked, "nothing left for the sync to unlink")
	links, err = f.shop.Ledger.Links(ctx, "M1")
	require.NoError(t, err)
	require.Len(t, links, 1)
	assert.Equal(t, ledger.LinkUnlinked, links[0].State)
}

func TestPermanentWalletFailureIsParkedForTheOperator(t *testing.T) {
	t.Parallel()
	f := newService(t)
	ctx := context.Background()
	f.wallet.FailNext(card.OpUpdate, card.KindPermissionDenied, 1)
	_, err := f.shop.RewardPurchase(ctx, "A1", "M1", card.Yuan(5))
	require.NoError(t, err)
	sum, err := f.shop.Ledger.SyncPending(ctx, nil)
	require.NoError(t, err)
	require.Len(t, sum.Failures, 1)
	assert.Contains(t, sum.Failures[0].Reason, "permission denied")
	require.NoError(t, f.shop.Ledger.RetryParked(ctx, f.ref))
	assert.Equal(t, card.WholePoints(10), f.synced(t).Points)
}

func TestDemoRuns(t *testing.T) {
	require.NoError(t, run(context.Background()))
}
