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
	p := mock.NewAlipay(nil)
	tpl, _ := p.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Walletcard Coffee"})

	c, err := p.Open(ctx, card.OpenRequest{
		TemplateID: tpl.ID, ExternalNo: "M0001", Holder: "2088000000000001",
		AuthToken: "any-token", Balance: card.Yuan(100),
	})
	fmt.Println(c.Ref.Provider, c.Balance, err)

	// The next Update fails before changing anything.
	p.FailNext(card.OpUpdate, card.KindRateLimited, 1)
	_, err = p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(50))})
	fmt.Println(errors.Is(err, card.ErrRateLimited), card.IsRetryable(err))

	_, err = p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(50))})
	fmt.Println(err, p.CallCount(card.OpUpdate))
	// Output:
	// alipay 100.00 <nil>
	// true true
	// <nil> 2
}

// The WeChat flavour needs a claimed code and a logo, as WeChat does.
func ExampleWeChat_Claim() {
	ctx := context.Background()
	p := mock.NewWeChat(nil)
	tpl, _ := p.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Walletcard Coffee", Stock: 1,
		LogoURL: "https://mmbiz.qpic.cn/mmbiz/logo.png"})

	code, _ := p.Claim(ctx, tpl.ID, "openid-1", "poster")
	c, _ := p.Open(ctx, card.OpenRequest{TemplateID: tpl.ID, ExternalNo: "M0002", Code: code})
	fmt.Println(c.Ref.CardNo == code, c.Holder)

	_, err := p.Claim(ctx, tpl.ID, "openid-2", "")
	fmt.Println(errors.Is(err, card.ErrConflict))
	// Output:
	// true openid-1
	// true
}

// A lost answer: the open was applied, the caller cannot know; repeating it
// with the same key returns the card it made.
func ExampleAlipay_LoseAnswerNext() {
	ctx := context.Background()
	p := mock.NewAlipay(nil)
	tpl, _ := p.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Walletcard Coffee"})
	req := card.OpenRequest{TemplateID: tpl.ID, ExternalNo: "M0003", Holder: "2088000000000003",
		AuthToken: "any-token", IdempotencyKey: "order-1001"}

	p.LoseAnswerNext(card.OpOpen, 1)
	_, err := p.Open(ctx, req)
	fmt.Println(errors.Is(err, card.ErrOutcomeUnknown), card.IsRetryable(err))

	c, err := p.Open(ctx, req)
	fmt.Println(c.ExternalNo, err, p.CallCount(card.OpOpen))
	// Output:
	// true true
	// M0003 <nil> 2
}
