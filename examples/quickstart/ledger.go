package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/sqlitestore"
	"github.com/walletcard/card/provider"
)

// ledgerStep runs the member ledger on an embedded SQLite file: one member
// gets a card in each wallet, a purchase webhook delivered twice credits 12
// points once, and the sync worker brings both cards to the same total. It
// runs on the local fakes only (it opens new cards).
func ledgerStep(ctx context.Context, router *provider.Router, wallets []wallet) error {
	if os.Getenv("ALIPAY_APP_ID") != "" || os.Getenv("WECHAT_APP_ID") != "" {
		fmt.Println("== member ledger: skipped with real credentials (it opens new cards)")
		return nil
	}
	fmt.Println("== member ledger (embedded SQLite)")
	dir, err := os.MkdirTemp("", "walletcard-quickstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	store, err := sqlitestore.Open(ctx, filepath.Join(dir, "ledger.db"), nil)
	if err != nil {
		return err
	}
	defer store.Close()
	l, err := ledger.New(store, router, nil)
	if err != nil {
		return err
	}
	const member = "M0042"
	if _, err := l.CreateMember(ctx, member, "SILVER"); err != nil {
		return err
	}
	if _, err := l.Apply(ctx, ledger.Request{Key: "signup-bonus", MemberID: member, Op: ledger.CreditPoints, Points: card.WholePoints(10), Reason: "sign-up"}); err != nil {
		return err
	}
	var refs []card.Ref
	for i, w := range wallets {
		tpl, err := router.CreateTemplate(ctx, card.TemplateSpec{Provider: w.provider.Name(), Title: "金卡", BrandName: "钱包卡咖啡", LogoURL: w.logo, Levels: []string{"SILVER", "GOLD"}, Points: true, Balance: true, Stock: 1000})
		if err != nil {
			return fmt.Errorf("%s template: %w", w.name, err)
		}
		req, err := w.newMember(ctx, tpl.ID, 100+i)
		if err != nil {
			return err
		}
		req.Provider, req.ExternalNo = w.provider.Name(), member
		_, c, err := l.Open(ctx, ledger.OpenRequest{MemberID: member, Card: req})
		if err != nil {
			return fmt.Errorf("%s open: %w", w.name, err)
		}
		fmt.Printf("linked     %s card %s (opened with %s points)\n", c.Ref.Provider, c.Ref.CardNo, c.Points)
		refs = append(refs, c.Ref)
	}

	// The shop's purchase webhook arrives twice with the same order id.
	buy := ledger.Request{Key: "order-20240501-0042", MemberID: member, Op: ledger.CreditPoints, Points: card.WholePoints(12), Actor: "webhook", Reason: "latte", Note: "拿铁积分+12"}
	for range 2 {
		tx, err := l.Apply(ctx, buy)
		if err != nil {
			return err
		}
		fmt.Printf("applied    %s: %s points (replayed: %v)\n", tx.Key, tx.After.Points, tx.Replayed)
	}
	if _, err := l.SyncPending(ctx, nil); err != nil { // a service runs go l.Run(ctx)
		return err
	}
	m, err := l.Member(ctx, member)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		c, err := router.Get(ctx, ref)
		if err != nil {
			return err
		}
		fmt.Printf("card       %s %s shows %s points\n", ref.Provider, ref.CardNo, c.Points)
		if c.Points != m.Points {
			return errors.New("ledger: a card does not show the member's total")
		}
	}
	fmt.Printf("ledger     member %s: %s points, on both cards\n", member, m.Points)
	return nil
}
