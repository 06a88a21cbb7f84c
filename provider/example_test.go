package provider_test

import (
	"context"
	"fmt"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
	"github.com/walletcard/card/provider"
)

// One code path for both wallets: the Router dispatches on Ref.Provider.
func ExampleRouter() {
	ctx := context.Background()
	ali := mock.NewAlipay(nil)
	wx := mock.NewWeChat(nil)
	r, _ := provider.NewRouter(ali, wx)

	atpl, _ := r.CreateTemplate(ctx, card.TemplateSpec{Provider: card.Alipay, Title: "Gold", BrandName: "Coffee"})
	wtpl, _ := r.CreateTemplate(ctx, card.TemplateSpec{Provider: card.WeChat, Title: "Gold", BrandName: "Coffee",
		LogoURL: "https://mmbiz.qpic.cn/mmbiz/logo.png"}) // WeChat: a logo uploaded with media/uploadimg
	code, _ := wx.Claim(ctx, wtpl.ID, "openid-1", "") // the user claims the card in WeChat

	for _, req := range []card.OpenRequest{
		{Provider: card.Alipay, TemplateID: atpl.ID, ExternalNo: "M1", Holder: "2088000000000001", AuthToken: "token"},
		{Provider: card.WeChat, TemplateID: wtpl.ID, ExternalNo: "M2", Code: code},
	} {
		c, err := r.Open(ctx, req)
		if err != nil {
			fmt.Println(err)
			continue
		}
		c, _ = r.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(100))})
		fmt.Println(c.Ref.Provider, c.ExternalNo, c.Points)
	}
	// Output:
	// alipay M1 100
	// wechat M2 100
}
