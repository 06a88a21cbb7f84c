package wechat_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat"
	"github.com/walletcard/card/wechat/wechattest"
)

// newProvider builds a Provider on a local wechattest server, from the
// account's credentials, as against WeChat (drop BaseURL and
// QRImageBaseURL there).
func newProvider(s *wechattest.Server) *wechat.Provider {
	p, err := wechat.NewFromCredentials(s.AppID(), s.AppSecret(), &wechat.Options{
		BaseURL: s.URL(), QRImageBaseURL: s.QRImageURL(), PushToken: "test-push-token"})
	if err != nil {
		panic(err)
	}
	return p
}

// memberCard is a complete MEMBER_CARD definition for the typed API.
func memberCard(logo string) wechat.CardDefinition {
	return wechat.CardDefinition{
		CardType: wechat.CardTypeMemberCard,
		MemberCard: &wechat.MemberCardData{
			BaseInfo: &wechat.BaseInfo{
				LogoURL: logo, CodeType: wechat.CodeTypeQRCode,
				BrandName: "示例咖啡", Title: "咖啡会员卡", Color: "Color010",
				Notice: "出示会员卡", Description: "每消费1元积1分",
				SKU:      &wechat.SKU{Quantity: 1000},
				DateInfo: &wechat.DateInfo{Type: wechat.DateTypePermanent},
			},
			Prerogative:   "会员享九五折",
			SupplyBonus:   card.Ptr(true),
			SupplyBalance: card.Ptr(false),
			BonusRule:     &wechat.BonusRule{CostMoneyUnit: card.Yuan(1), IncreaseBonus: 1},
		},
	}
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
	h, err := p.NewHandler(nil) // push token from Options.PushToken, AppID from the account
	if err != nil {
		panic(err)
	}
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

// Upload a logo, then create a member card with points and read it back.
func ExampleProvider_CreateCard() {
	s := wechattest.NewServer(nil)
	defer s.Close()
	p := newProvider(s)
	ctx := context.Background()

	logo, err := p.UploadImage(ctx, "logo.png", wechattest.SamplePNG())
	if err != nil {
		panic(err)
	}
	res, err := p.CreateCard(ctx, wechat.CreateCardRequest{Card: memberCard(logo)})
	if err != nil {
		panic(err)
	}
	got, err := p.GetCard(ctx, wechat.GetCardRequest{CardID: res.CardID})
	if err != nil {
		panic(err)
	}
	b := got.Card.MemberCard.BaseInfo
	fmt.Println(got.Card.CardType, b.Title, b.SKU.Quantity, strings.HasPrefix(logo, "http"))
	// Output: MEMBER_CARD 咖啡会员卡 1000 true
}

// Import 250 custom codes into a deposit-mode card: three calls of at most 100.
func ExampleProvider_DepositCodes() {
	s := wechattest.NewServer(nil)
	defer s.Close()
	p := newProvider(s)
	ctx := context.Background()
	d := memberCard("https://mmbiz.qpic.cn/logo.png")
	b := d.MemberCard.BaseInfo
	b.UseCustomCode, b.GetCustomCodeMode, b.SKU.Quantity = card.Ptr(true), wechat.CustomCodeModeDeposit, 0
	c, err := p.CreateCard(ctx, wechat.CreateCardRequest{Card: d})
	if err != nil {
		panic(err)
	}
	codes := make([]string, 250)
	for i := range codes {
		codes[i] = fmt.Sprintf("VIP%08d", i)
	}
	res, err := p.DepositCodes(ctx, wechat.DepositCodesRequest{CardID: c.CardID, Codes: codes})
	if err != nil {
		panic(err)
	}
	n, _ := p.GetDepositCount(ctx, wechat.GetDepositCountRequest{CardID: c.CardID})
	fmt.Println(res.BatchesSent, len(res.Succeeded), n.Count, s.CallCount("/card/code/deposit"))
	// Output: 3 250 250 3
}

// Build the showqrcode address of a ticket; the base64 ticket is query-escaped.
func ExampleProvider_ShowQRCodeURL() {
	s := wechattest.NewServer(nil)
	defer s.Close()
	p := newProvider(s)
	u := p.ShowQRCodeURL("gQH98DoAAAAAAAAAASxodHRwOi8v+d2VpeGluLnFxLmNvbS9x/AAIE6SfgVQ==")
	fmt.Println(strings.TrimPrefix(u, s.QRImageURL()))
	// Output: /cgi-bin/showqrcode?ticket=gQH98DoAAAAAAAAAASxodHRwOi8v%2Bd2VpeGluLnFxLmNvbS9x%2FAAIE6SfgVQ%3D%3D
}

// Hand out a card with a QR code and fetch the image.
func ExampleProvider_CreateQRCode() {
	s := wechattest.NewServer(nil)
	defer s.Close()
	p := newProvider(s)
	ctx := context.Background()
	c, err := p.CreateCard(ctx, wechat.CreateCardRequest{Card: memberCard("https://mmbiz.qpic.cn/logo.png")})
	if err != nil {
		panic(err)
	}
	qr, err := p.CreateQRCode(ctx, wechat.CreateQRCodeRequest{ExpireSeconds: 1800, Card: &wechat.QRCard{CardID: c.CardID, OuterStr: "store-42"}})
	if err != nil {
		panic(err)
	}
	img, err := p.ShowQRCode(ctx, qr.Ticket)
	if err != nil {
		panic(err)
	}
	fmt.Println(qr.ExpireSeconds, http.DetectContentType(img))
	// Output: 1800 image/png
}
