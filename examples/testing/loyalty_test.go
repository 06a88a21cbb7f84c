package main

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
)

// newService swaps the mock in where production code has a wallet adapter.
// Each test gets its own mock, so tests can run in parallel.
func newService(t *testing.T) (*Loyalty, *mock.Alipay, card.Ref) {
	t.Helper()
	ctx := context.Background()
	wallet := mock.NewAlipay(nil)
	tpl, err := wallet.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Walletcard Coffee"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := wallet.Open(ctx, card.OpenRequest{TemplateID: tpl.ID, ExternalNo: "M1", Holder: "2088000000000001", AuthToken: "t", Balance: card.Yuan(20)})
	if err != nil {
		t.Fatal(err)
	}
	return &Loyalty{Cards: wallet, PointsPerYuan: 2, Attempts: 3}, wallet, c.Ref
}

func TestRewardPurchaseAddsPoints(t *testing.T) {
	t.Parallel()
	l, _, ref := newService(t)
	c, err := l.RewardPurchase(context.Background(), ref, card.Money(1099)) // 10.99 yuan → 10 whole yuan → 20 points
	if err != nil {
		t.Fatal(err)
	}
	if c.Points != card.WholePoints(20) {
		t.Fatalf("points = %s, want 20", c.Points)
	}
}

func TestRewardPurchaseRetriesRateLimit(t *testing.T) {
	t.Parallel()
	l, wallet, ref := newService(t)
	wallet.FailNext(card.OpUpdate, card.KindRateLimited, 2)
	c, err := l.RewardPurchase(context.Background(), ref, card.Yuan(5))
	if err != nil {
		t.Fatalf("want success after two rate-limited tries: %v", err)
	}
	if c.Points != card.WholePoints(10) {
		t.Fatalf("points = %s, want 10 (applied once)", c.Points)
	}
	if n := wallet.CallCount(card.OpUpdate); n != 3 {
		t.Fatalf("Update called %d times, want 3", n)
	}
}

func TestRewardPurchaseGivesUpOnNotFound(t *testing.T) {
	t.Parallel()
	l, wallet, ref := newService(t)
	if err := wallet.Delete(context.Background(), card.DeleteRequest{Ref: ref}); err != nil {
		t.Fatal(err)
	}
	_, err := l.RewardPurchase(context.Background(), ref, card.Yuan(5))
	if !errors.Is(err, card.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if n := wallet.CallCount(card.OpGet); n != 1 {
		t.Fatalf("Get called %d times; a not-found must not be retried", n)
	}
}

// A write whose answer is lost was still applied; the retry must not award
// the points a second time.
func TestRewardPurchaseLostAnswerAwardsOnce(t *testing.T) {
	t.Parallel()
	l, wallet, ref := newService(t)
	wallet.LoseAnswerNext(card.OpUpdate, 1)
	c, err := l.RewardPurchase(context.Background(), ref, card.Yuan(5))
	if err != nil {
		t.Fatalf("want success after one lost answer: %v", err)
	}
	if c.Points != card.WholePoints(10) {
		t.Fatalf("points = %s, want 10: the lost-answer retry awarded twice", c.Points)
	}
}

// Concurrent purchases on one card must all count.
func TestConcurrentPurchasesAllCount(t *testing.T) {
	t.Parallel()
	l, wallet, ref := newService(t)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := l.RewardPurchase(context.Background(), ref, card.Yuan(1)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	c, err := wallet.Get(context.Background(), ref)
	if err != nil || c.Points != card.WholePoints(40) {
		t.Fatalf("points = %v (%v), want 40", c.Points, err)
	}
}

func TestPayChecksBalance(t *testing.T) {
	t.Parallel()
	l, wallet, ref := newService(t)
	_, err := l.Pay(context.Background(), ref, card.Money(2001))
	if !errors.Is(err, ErrInsufficientBalance) {
		t.Fatalf("err = %v, want ErrInsufficientBalance", err)
	}
	if wallet.CallCount(card.OpUpdate) != 0 {
		t.Fatal("a refused payment reached the wallet")
	}
	c, err := l.Pay(context.Background(), ref, card.Money(2000))
	if err != nil || c.Balance != 0 {
		t.Fatalf("pay all: %+v %v", c, err)
	}
}

func TestPayHonoursTimeout(t *testing.T) {
	t.Parallel()
	l, wallet, ref := newService(t)
	wallet.SetLatency(card.OpGet, time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := l.Pay(ctx, ref, card.Yuan(1)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}
