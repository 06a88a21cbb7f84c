package main

import (
	"context"
	"fmt"
	"log"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
)

func main() {
	ctx := context.Background()
	wallet := mock.NewAlipay(nil)
	tpl, err := wallet.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Walletcard Coffee"})
	if err != nil {
		log.Fatal(err)
	}
	c, err := wallet.Open(ctx, card.OpenRequest{TemplateID: tpl.ID, ExternalNo: "M0001", Holder: "2088000000000001", AuthToken: "demo", Balance: card.Yuan(50)})
	if err != nil {
		log.Fatal(err)
	}
	l := &Loyalty{Cards: wallet, PointsPerYuan: 1}
	if c, err = l.RewardPurchase(ctx, c.Ref, card.Money(3250)); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("after a 32.50 purchase: %s points\n", c.Points)
	if c, err = l.Pay(ctx, c.Ref, card.Money(1999)); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("after paying 19.99: balance %s\n", c.Balance)
}
