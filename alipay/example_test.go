package alipay_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
)

// Example opens a member card against the local gateway: make a template,
// get the member's auth_ecard token through OAuth, open, update, read.
func Example() {
	ctx := context.Background()
	gw := alipaytest.NewServer(nil) // a real app: alipay.NewFromKeys(appID, privateKey, alipayPublicKey, nil)
	defer gw.Close()
	client, err := gw.NewClient()
	if err != nil {
		panic(err)
	}
	p, err := alipay.New(client, nil)
	if err != nil {
		panic(err)
	}

	tpl, err := p.CreateTemplate(ctx, card.TemplateSpec{Title: "咖啡会员", BrandName: "walletcard", Levels: []string{"GOLD"}, Points: true, Balance: true})
	if err != nil {
		panic(err)
	}

	// The member authorizes scope auth_ecard; Alipay redirects back with an
	// auth_code, which becomes the member's token.
	member := gw.NewUser()
	code := gw.Authorize(member, alipay.ScopeECard)
	tok, err := p.ExchangeCode(ctx, code)
	if err != nil {
		panic(err)
	}

	c, err := p.Open(ctx, card.OpenRequest{
		TemplateID: tpl.ID, ExternalNo: "M0001", Holder: tok.UserID, AuthToken: tok.AccessToken,
		Level: "GOLD", Points: card.Points(8850), Balance: card.Yuan(12),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Ref.Provider, c.Level, c.Points, c.Balance)

	c, err = p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(100))})
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Points, c.Balance)

	// A token without auth_ecard is refused before a card is made.
	_, err = p.Open(ctx, card.OpenRequest{TemplateID: tpl.ID, ExternalNo: "M0002", Holder: member,
		AuthToken: gw.IssueToken(member, alipay.ScopeUser)})
	fmt.Println(errors.Is(err, card.ErrUnauthenticated))
	// Output:
	// alipay GOLD 88.5 12.00
	// 100 12.00
	// true
}

// ExampleProvider_AuthorizeURL builds the user authorization page URL; it
// always asks for auth_ecard.
func ExampleProvider_AuthorizeURL() {
	gw := alipaytest.NewServer(nil)
	defer gw.Close()
	client, _ := gw.NewClient()
	p, _ := alipay.New(client, nil) // gateway not on alipaydev.com: Alipay's own page
	u, err := p.AuthorizeURL(alipay.AuthorizeRequest{RedirectURI: "https://shop.example/alipay/callback", State: "s1", Scopes: []string{alipay.ScopeUser}})
	if err != nil {
		panic(err)
	}
	fmt.Println(u)
	// Output:
	// https://openauth.alipay.com/oauth2/publicAppAuthorize.htm?app_id=2021000000000001&redirect_uri=https%3A%2F%2Fshop.example%2Falipay%2Fcallback&scope=auth_ecard%2Cauth_user&state=s1
}

// ExampleParseActivationCallbackURL reads the query Alipay appends to the
// activation-form callback.
func ExampleParseActivationCallbackURL() {
	cb, err := alipay.ParseActivationCallbackURL("https://shop.example/card/callback?app_id=2017080708077054" +
		"&auth_code=90937a4fa28e4dde8ba99469228dOX94&request_id=20171227015874817220904638943" +
		"&scope=auth_base%2Cauth_user%2Cauth_ecard&template_id=20171211000000000687259000300359")
	if err != nil {
		panic(err)
	}
	fmt.Println(cb.TemplateID, cb.RequestID, cb.HasScope(alipay.ScopeECard))
	// Output: 20171211000000000687259000300359 20171227015874817220904638943 true
}

// Example_activationForm runs the activation-form flow (开卡组件) with the
// typed methods: a template with a form, the claim link, the member's
// submission (simulated by the local gateway), the callback, the token, the
// form values and the card.
func Example_activationForm() {
	ctx := context.Background()
	gw := alipaytest.NewServer(nil)
	defer gw.Close()
	client, _ := gw.NewClient()
	p, _ := alipay.New(client, nil)

	tpl, err := p.TemplateCreate(ctx, alipay.TemplateCreateRequest{TemplateConfig: alipay.TemplateConfig{
		BizNoSuffixLen: 12, TemplateStyleInfo: alipay.TemplateStyleInfo{CardShowName: "会员卡"}}})
	if err != nil {
		panic(err)
	}
	err = p.FormTemplateSet(ctx, alipay.FormTemplateSetRequest{TemplateID: tpl.TemplateID,
		Required: []string{alipay.FormFieldMobile}, Optional: []string{alipay.FormFieldName}})
	if err != nil {
		panic(err)
	}
	link, err := p.ActivateURLApply(ctx, alipay.ActivateURLApplyRequest{TemplateID: tpl.TemplateID,
		Callback: "https://shop.example/card/callback", OutString: "poster-1"})
	if err != nil {
		panic(err)
	}
	fmt.Println(link.ApplyCardURL != "")

	// The member opens the link in Alipay and submits the form; Alipay
	// sends them to the callback with this query.
	query, err := gw.SubmitActivationForm(tpl.TemplateID, gw.NewUser(), map[string]string{alipay.FormFieldMobile: "13800000000"})
	if err != nil {
		panic(err)
	}
	cb, err := alipay.ParseActivationCallback(query)
	if err != nil {
		panic(err)
	}
	tok, err := p.ExchangeCode(ctx, cb.AuthCode)
	if err != nil {
		panic(err)
	}
	form, err := p.ActivateFormQuery(ctx, alipay.ActivateFormQueryRequest{AuthToken: tok.AccessToken, TemplateID: cb.TemplateID, RequestID: cb.RequestID})
	if err != nil {
		panic(err)
	}
	mobile, _ := form.Get(alipay.FormFieldMobile)
	fmt.Println(cb.OutString, mobile)

	opened, err := p.CardOpen(ctx, alipay.CardOpenRequest{AuthToken: tok.AccessToken, CardTemplateID: cb.TemplateID,
		CardUserInfo:  alipay.CardUserInfo{UserUniID: tok.UserID},
		CardExtInfo:   alipay.MerchantCard{ExternalCardNo: "F0001"},
		MemberExtInfo: &alipay.MemberExtInfo{Cell: mobile}})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(opened.CardInfo.BizCardNo), opened.CardInfo.ExternalCardNo)
	// Output:
	// true
	// poster-1 13800000000
	// 12 F0001
}

// ExampleClassify shows how gateway codes and sub_codes map to error kinds.
func ExampleClassify() {
	fmt.Println(alipay.Classify("40004", "CARD_NOT_EXIT"))
	fmt.Println(alipay.Classify("40004", "CARD_HAS_OPENED"))
	fmt.Println(alipay.Classify("20001", "aop.invalid-auth-token"))
	fmt.Println(alipay.Classify("40005", ""))
	fmt.Println(alipay.Classify("20000", "isp.unknow-error"))
	// Output:
	// not found
	// already exists
	// unauthenticated
	// rate limited
	// unavailable
}

// ExampleKeyError: every attempt of an open loses its answer; the error
// carries the out_serial_no, and opening again with it returns the card the
// lost attempts opened instead of a second one.
func ExampleKeyError() {
	gw := alipaytest.NewServer(nil)
	defer gw.Close()
	client, _ := gw.NewClient()
	p, _ := alipay.New(client, &alipay.Options{Retry: card.RetryPolicy{Attempts: 2, Base: time.Millisecond}})
	ctx := context.Background()
	tpl, _ := p.CreateTemplate(ctx, card.TemplateSpec{Title: "会员卡", BrandName: "walletcard"})
	member := gw.NewUser()
	req := card.OpenRequest{TemplateID: tpl.ID, ExternalNo: "M001", Holder: member, AuthToken: gw.IssueToken(member, alipay.ScopeECard)}

	gw.LoseAnswerNext(alipay.MethodCardOpen, 2)
	_, err := p.Open(ctx, req)
	var ke *alipay.KeyError
	if errors.As(err, &ke) {
		req.IdempotencyKey = ke.Key // send it again with the same key
		c, err := p.Open(ctx, req)
		fmt.Println(ke.Param, err == nil, c != nil && c.ExternalNo == "M001", gw.CardCount())
	}
	// Output: out_serial_no true true 1
}
