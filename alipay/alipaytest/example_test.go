package alipaytest_test

import (
	"context"
	"fmt"
	"log"

	alipay "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay/alipaytest"
)

// cardResult is the part of a card.open / card.query answer the example reads.
type cardResult struct {
	alipay.Error
	TemplateID string `json:"template_id"`
	CardInfo   struct {
		BizCardNo string `json:"biz_card_no"`
		Point     string `json:"point"`
		Balance   string `json:"balance"`
	} `json:"card_info"`
}

// Point smartwalle at the local gateway, create a template, let a user
// authorize scope auth_ecard, and open a card with the user's token.
func Example() {
	srv := alipaytest.NewServer(nil)
	defer srv.Close()

	// What srv.NewClient() does for you:
	client, err := alipay.New(srv.AppID(), srv.AppPrivateKey(), false,
		alipay.WithSandboxGateway(srv.URL()),
		alipay.WithTimeLocation(card.Beijing()))
	if err != nil {
		log.Fatal(err)
	}
	if err := client.LoadAliPayPublicKey(srv.AlipayPublicKey()); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	tpl := alipay.NewPayload("alipay.marketing.card.template.create")
	tpl.AddBizField("request_id", "tpl-0001")
	tpl.AddBizField("card_type", "OUT_MEMBER_CARD")
	tpl.AddBizField("biz_no_prefix", "demo")
	tpl.AddBizField("biz_no_suffix_len", "10")
	tpl.AddBizField("template_style_info", map[string]string{"card_show_name": "Demo Card"})
	var created cardResult
	if err := client.Request(ctx, tpl, &created); err != nil || !created.Code.IsSuccess() {
		log.Fatal(err, created.SubMsg)
	}

	// The user approves OAuth; the merchant redeems the code.
	user := srv.NewUser()
	code := srv.Authorize(user, alipaytest.ScopeAuthECard)
	tok, err := client.SystemOauthToken(ctx, alipay.SystemOauthToken{GrantType: "authorization_code", Code: code})
	if err != nil {
		log.Fatal(err)
	}

	open := alipay.NewPayload("alipay.marketing.card.open")
	open.AddParam("auth_token", tok.AccessToken)
	open.AddBizField("out_serial_no", card.NewIdempotencyKey())
	open.AddBizField("card_template_id", created.TemplateID)
	open.AddBizField("card_user_info", map[string]string{"user_uni_id": tok.UserId, "user_uni_id_type": "UID"})
	open.AddBizField("card_ext_info", map[string]string{"external_card_no": "M-1", "point": "88.50", "balance": "10.00"})
	var opened cardResult
	if err := client.Request(ctx, open, &opened); err != nil || !opened.Code.IsSuccess() {
		log.Fatal(err, opened.SubMsg)
	}
	fmt.Println(opened.CardInfo.BizCardNo, opened.CardInfo.Point, opened.CardInfo.Balance)

	stored, _ := srv.Card(opened.CardInfo.BizCardNo)
	fmt.Println(stored.UserID == user, srv.CardCount())
	// Output:
	// demo0000000001 88.50 10.00
	// true 1
}

// Make the next answer fail smartwalle's signature check, then make the next
// call a (signed) rate-limit failure.
func ExampleServer_TamperNext() {
	srv := alipaytest.NewServer(nil)
	defer srv.Close()
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	q := alipay.NewPayload("alipay.marketing.card.template.query")
	q.AddBizField("template_id", "20240101000000000000000000000001")
	var r cardResult

	srv.TamperNext("alipay.marketing.card.template.query", alipaytest.TamperOtherKey)
	fmt.Println(client.Request(context.Background(), q, &r))

	srv.FailNext("alipay.marketing.card.template.query", card.KindRateLimited, 1)
	err = client.Request(context.Background(), q, &r)
	fmt.Println(err, r.Code, r.SubCode)
	// Output:
	// crypto/rsa: verification error
	// <nil> 40005 aop.call-limited
}

// Serve a genuine signed answer, recorded from one request, in place of
// the answer to another: the signature verifies, so only a client that
// checks what the answer echoes notices.
func ExampleServer_ReplayNext() {
	srv := alipaytest.NewServer(nil)
	defer srv.Close()
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	query := func(id string) cardResult {
		q := alipay.NewPayload("alipay.marketing.card.template.query")
		q.AddBizField("template_id", id)
		var r cardResult
		if err := client.Request(context.Background(), q, &r); err != nil {
			log.Fatal(err)
		}
		return r
	}
	query("20240101000000000000000000000001") // TEMPLATE_NOT_EXIT, recorded
	recorded := srv.Answers("alipay.marketing.card.template.query")[0]
	fmt.Println(recorded.Request)

	srv.ReplayNext("alipay.marketing.card.template.query", recorded)
	r := query("20240101000000000000000000000002")
	fmt.Println(r.Code, r.SubCode, srv.CallCount("alipay.marketing.card.template.query"))
	// Output:
	// {"template_id":"20240101000000000000000000000001"}
	// 40004 TEMPLATE_NOT_EXIT 2
}

// The activation-form flow (开卡组件): the merchant sets the form and gets a
// link, the user fills the form, the merchant redeems the callback's
// auth_code and reads what the user entered.
func ExampleServer_SubmitActivationForm() {
	srv := alipaytest.NewServer(nil)
	defer srv.Close()
	client, err := srv.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	call := func(method string, biz map[string]any, token string, out any) {
		p := alipay.NewPayload(method)
		for k, v := range biz {
			p.AddBizField(k, v)
		}
		if token != "" {
			p.AddParam("auth_token", token)
		}
		if err := client.Request(ctx, p, out); err != nil {
			log.Fatal(err)
		}
	}

	var tpl cardResult
	call("alipay.marketing.card.template.create", map[string]any{
		"request_id": "tpl-form", "card_type": "OUT_MEMBER_CARD", "biz_no_suffix_len": "12",
		"template_style_info": map[string]string{"card_show_name": "Form Card"},
	}, "", &tpl)
	var ok alipay.Error
	call("alipay.marketing.card.formtemplate.set", map[string]any{
		"template_id": tpl.TemplateID,
		"fields": map[string]any{"required": map[string]any{"common_fields": []string{
			alipaytest.FormFieldMobile, alipaytest.FormFieldName}}},
	}, "", &ok)
	var link struct {
		alipay.Error
		ApplyCardURL string `json:"apply_card_url"`
	}
	call("alipay.marketing.card.activateurl.apply", map[string]any{
		"template_id": tpl.TemplateID, "callback": "https://merchant.example/card/done", "out_string": "campaign-7",
	}, "", &link)

	// The user opens the link and submits the form; the merchant's callback
	// receives this query.
	cb, err := srv.SubmitActivationForm(tpl.TemplateID, srv.NewUser(), map[string]string{
		alipaytest.FormFieldMobile: "13800000000", alipaytest.FormFieldName: "李飞",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cb.Get("scope"), cb.Get("out_string"))

	tok, err := client.SystemOauthToken(ctx, alipay.SystemOauthToken{GrantType: "authorization_code", Code: cb.Get("auth_code")})
	if err != nil {
		log.Fatal(err)
	}
	var form struct {
		alipay.Error
		Infos string `json:"infos"`
	}
	call("alipay.marketing.card.activateform.query", map[string]any{
		"biz_type": "MEMBER_CARD", "template_id": tpl.TemplateID, "request_id": cb.Get("request_id"),
	}, tok.AccessToken, &form)
	fmt.Println(form.Infos)
	// Output:
	// auth_ecard campaign-7
	// [{"OPEN_FORM_FIELD_MOBILE":"13800000000"},{"OPEN_FORM_FIELD_NAME":"李飞"}]
}
