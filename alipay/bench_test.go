package alipay

import (
	"context"
	"strconv"
	"testing"
	"time"

	alipaysdk "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay/alipaytest"
	"github.com/walletcard/card/driver"
)

// benchSetup starts a gateway with one template and n members holding
// auth_ecard tokens.
func benchSetup(b *testing.B, n int) (*alipaytest.Server, *alipaysdk.Client, string, []string, []string) {
	b.Helper()
	s := alipaytest.NewServer(nil)
	b.Cleanup(s.Close)
	client, err := s.NewClient()
	if err != nil {
		b.Fatal(err)
	}
	p, err := New(client, nil)
	if err != nil {
		b.Fatal(err)
	}
	tpl, err := p.CreateTemplate(context.Background(), card.TemplateSpec{Title: "Bench", BrandName: "walletcard", Levels: []string{"VIP1"}, Points: true, Balance: true})
	if err != nil {
		b.Fatal(err)
	}
	users, tokens := make([]string, n), make([]string, n)
	for i := range users {
		users[i] = s.NewUser()
		tokens[i] = s.IssueToken(users[i], ScopeECard)
	}
	return s, client, tpl.ID, users, tokens
}

// BenchmarkOpenDirect opens cards straight through smartwalle's Request
// with a hand-built payload: the floor the adapter is measured against.
func BenchmarkOpenDirect(b *testing.B) {
	_, client, tpl, users, tokens := benchSetup(b, b.N)
	ctx := context.Background()
	type result struct {
		alipaysdk.Error
		CardInfo struct {
			BizCardNo string `json:"biz_card_no"`
		} `json:"card_info"`
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pl := alipaysdk.NewPayload(MethodCardOpen)
		pl.AddParam("auth_token", tokens[i])
		pl.AddBizField("out_serial_no", card.NewIdempotencyKey())
		pl.AddBizField("card_template_id", tpl)
		pl.AddBizField("card_user_info", map[string]string{"user_uni_id": users[i], "user_uni_id_type": "UID"})
		pl.AddBizField("card_ext_info", map[string]string{"external_card_no": "B" + strconv.Itoa(i), "open_date": driver.FormatWalletTime(time.Now()),
			"level": "VIP1", "point": "10", "balance": "5.00"})
		var r result
		if err := client.Request(ctx, pl, &r); err != nil {
			b.Fatal(err)
		}
		if !r.Code.IsSuccess() || r.CardInfo.BizCardNo == "" {
			b.Fatalf("open failed: %+v", r)
		}
	}
}

// BenchmarkOpenAdapter opens the same cards through card.MemberCard.Open.
func BenchmarkOpenAdapter(b *testing.B) {
	_, client, tpl, users, tokens := benchSetup(b, b.N)
	p, err := New(client, nil)
	if err != nil {
		b.Fatal(err)
	}
	var mc card.MemberCard = p
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := mc.Open(ctx, card.OpenRequest{TemplateID: tpl, ExternalNo: "B" + strconv.Itoa(i), Holder: users[i], AuthToken: tokens[i],
			Level: "VIP1", Points: card.WholePoints(10), Balance: card.Yuan(5)})
		if err != nil {
			b.Fatal(err)
		}
		if c.Ref.CardNo == "" {
			b.Fatal("no card number")
		}
	}
}
