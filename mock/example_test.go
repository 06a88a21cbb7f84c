package mock_test

import (
	"context"
	"errors"
	"fmt"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
)

// A merchant test swaps the mock in for a wallet and injects a failure.
func Example() {
	ctx := context.Background()
	p := mock.New(&mock.Options{Name: card.Alipay})
	tpl, _ := p.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Walletcard Coffee"})

	c, err := p.Open(ctx, card.OpenRequest{
		TemplateID: tpl.ID, ExternalNo: "M0001", Holder: "2088000000000001",
		AuthToken: "any-token", Balance: card.Yuan(100),
	})
	fmt.Println(c.Ref.Provider, c.Balance, err)

	p.FailNext(mock.OpUpdate, card.KindRateLimited, 1)
	_, err = p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(50))})
	fmt.Println(errors.Is(err, card.ErrRateLimited), card.IsRetryable(err))

	_, err = p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(50))})
	fmt.Println(err, p.CallCount(mock.OpUpdate))
	// Output:
	// alipay 100.00 <nil>
	// true true
	// <nil> 2
}

// The WeChat flavour needs a claimed code, as WeChat does.
func ExampleProvider_Claim() {
	ctx := context.Background()
	p := mock.New(&mock.Options{Name: card.WeChat})
	tpl, _ := p.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Walletcard Coffee", Stock: 1})

	code, _ := p.Claim(ctx, tpl.ID, "openid-1", "poster")
	c, _ := p.Open(ctx, card.OpenRequest{TemplateID: tpl.ID, ExternalNo: "M0002", Code: code})
	fmt.Println(c.Ref.CardNo == code, c.Holder)

	_, err := p.Claim(ctx, tpl.ID, "openid-2", "")
	fmt.Println(errors.Is(err, card.ErrConflict))
	// Output:
	// true openid-1
	// true
}
