package wechat_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/officialaccount"
	"github.com/silenceper/wechat/v2/officialaccount/config"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat"
	"github.com/walletcard/card/wechat/wechattest"
)

// newProvider builds a Provider on a local wechattest server.
func newProvider(s *wechattest.Server) *wechat.Provider {
	c := cache.NewMemory()
	oa := officialaccount.NewOfficialAccount(&config.Config{AppID: s.AppID(), AppSecret: s.AppSecret(), Token: "test-push-token", Cache: c})
	oa.SetAccessTokenHandle(wechat.NewAccessTokenHandle(s.AppID(), s.AppSecret(), c, &wechat.TokenOptions{BaseURL: s.URL()}))
	p, err := wechat.New(oa, &wechat.Options{BaseURL: s.URL(), QRImageBaseURL: s.QRImageURL()})
	if err != nil {
		panic(err)
	}
	return p
}

// Open a claimed member card, then set its points and balance.
func Example() {
	s := wechattest.NewServer(nil)
	defer s.Close()
	p := newProvider(s)
	ctx := context.Background()

	tpl, err := p.CreateTemplate(ctx, card.TemplateSpec{Title: "会员卡", BrandName: "示例咖啡", LogoURL: "https://mmbiz.qpic.cn/logo.png", Points: true, Balance: true})
	if err != nil {
		panic(err)
	}
	code, _ := s.Claim(tpl.ID, "oUser", "") // the user takes the card in WeChat
	opened, err := p.Open(ctx, card.OpenRequest{TemplateID: tpl.ID, Code: code, ExternalNo: "M-1001", Points: card.WholePoints(10)})
	if err != nil {
		panic(err)
	}
	c, err := p.Update(ctx, card.UpdateRequest{Ref: opened.Ref, Points: card.Ptr(card.WholePoints(25)), Balance: card.Ptr(card.Yuan(30)), Note: "消费积分"})
	if err != nil {
		panic(err)
	}
	fmt.Println(tpl.Status, opened.Status, opened.Holder, c.Points, c.Balance)
	// Output: approved active oUser 25 30.00
}

// Sign a wx.addCard cardExt (the values are reference §3.19's test vectors).
func ExampleSignCardExt() {
	fmt.Println(wechat.SignCardExt("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
		"1414587457", "random_card_id", "random_code", "", "Wm3WZYTPz0wzccnW"))
	// Output: 2e9c6d12952246e071717d7baeab20c30420b5cd
}

// Receive card events: mount the Handler and register callbacks.
func ExampleHandler() {
	s := wechattest.NewServer(nil)
	defer s.Close()
	p := newProvider(s)
	h := p.NewHandler(nil) // token, AES key and AppID from the official account's config
	h.OnEvent(func(ctx context.Context, ev card.Event) error {
		fmt.Println(ev.Type, ev.Holder, ev.Channel)
		return nil
	})
	h.On(wechat.EventUserGetCard, func(ctx context.Context, ev *wechat.CardEvent) error {
		fmt.Println("typed:", ev.Event, ev.OuterStr)
		return nil
	})
	hs := httptest.NewServer(h)
	defer hs.Close()
	s.SetEventURL(hs.URL)

	tpl, _ := p.CreateTemplate(context.Background(), card.TemplateSpec{Title: "会员卡", BrandName: "示例咖啡", LogoURL: "https://mmbiz.qpic.cn/logo.png"})
	if _, err := s.Claim(tpl.ID, "oUser", "poster-3"); err != nil {
		panic(err)
	}
	// Output:
	// typed: user_get_card poster-3
	// card_claimed oUser poster-3
}

// Errors carry a neutral kind and WeChat's errcode.
func ExampleProvider_ConsumeCode() {
	s := wechattest.NewServer(nil)
	defer s.Close()
	p := newProvider(s)
	ctx := context.Background()
	tpl, _ := p.CreateTemplate(ctx, card.TemplateSpec{Title: "会员卡", BrandName: "示例咖啡", LogoURL: "https://mmbiz.qpic.cn/logo.png"})
	code, _ := s.Claim(tpl.ID, "oUser", "")
	_, err := p.ConsumeCode(ctx, wechat.ConsumeCodeRequest{Code: code, CardID: tpl.ID})
	fmt.Println(err)
	_, err = p.ConsumeCode(ctx, wechat.ConsumeCodeRequest{Code: code, CardID: tpl.ID})
	fmt.Println(card.KindOf(err), err.(*card.Error).Code)
	// Output:
	// <nil>
	// conflict 40099
}
