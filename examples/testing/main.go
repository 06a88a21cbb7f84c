package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/ledger"
	"github.com/walletcard/card/ledger/sqlitestore"
	"github.com/walletcard/card/mock"
)

func main() {
	if err := run(context.Background()); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "walletcard-testing")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	wallet := mock.NewAlipay(nil)
	tpl, err := wallet.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Walletcard Coffee"})
	if err != nil {
		return err
	}
	store, err := sqlitestore.Open(ctx, filepath.Join(dir, "ledger.db"), nil)
	if err != nil {
		return err
	}
	defer store.Close()
	l, err := ledger.New(store, wallet, nil)
	if err != nil {
		return err
	}
	shop := &Loyalty{Ledger: l, PointsPerYuan: 1}
	if err := shop.Join(ctx, "M0001"); err != nil {
		return err
	}
	ref, err := shop.AddCard(ctx, "M0001", card.OpenRequest{Provider: card.Alipay, TemplateID: tpl.ID, ExternalNo: "M0001", Holder: "2088000000000001", AuthToken: "demo"})
	if err != nil {
		return err
	}
	if _, err := shop.TopUp(ctx, "T1", "M0001", card.Yuan(50)); err != nil {
		return err
	}
	if _, err := shop.RewardPurchase(ctx, "A1", "M0001", card.Money(3250)); err != nil {
		return err
	}
	if _, err := shop.Pay(ctx, "A1", "M0001", card.Money(1999)); err != nil {
		return err
	}
	if _, err := l.SyncPending(ctx, nil); err != nil { // in a service: go l.Run(ctx)
		return err
	}
	c, err := wallet.Get(ctx, ref)
	if err != nil {
		return err
	}
	fmt.Printf("after a 32.50 purchase paid from a 50.00 top-up: card shows %s points, balance %s\n", c.Points, c.Balance)
	return nil
}
