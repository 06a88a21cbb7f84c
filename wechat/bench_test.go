package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"

	card "github.com/walletcard/card"
)

// benchSetup opens a member card on a fresh wechattest server.
func benchSetup(b *testing.B) (*Provider, card.Ref, string) {
	b.Helper()
	p, s := newTestProvider(b, nil)
	ctx := context.Background()
	id := newCardID(b, p)
	code := claim(b, s, id, "oBENCH")
	if _, err := p.Open(ctx, card.OpenRequest{TemplateID: id, ExternalNo: "B1", Code: code}); err != nil {
		b.Fatal(err)
	}
	tok, err := p.oa.GetAccessTokenContext(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return p, card.Ref{Provider: card.WeChat, TemplateID: id, CardNo: code}, tok
}

// BenchmarkUpdateDirect makes the membercard/updateuser POST that
// BenchmarkUpdateAdapter makes, straight with net/http, the same *http.Client
// and the same token, decoding the same answer.
func BenchmarkUpdateDirect(b *testing.B) {
	p, ref, tok := benchSetup(b)
	endpoint := p.baseURL + "/card/membercard/updateuser?access_token=" + url.QueryEscape(tok)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body, _ := json.Marshal(map[string]any{"code": ref.CardNo, "card_id": ref.TemplateID, "bonus": int64(i % 1000)})
		resp, err := p.hc.Post(endpoint, "application/json; charset=utf-8", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		var out struct {
			ErrCode       int64 `json:"errcode"`
			ResultBonus   int64 `json:"result_bonus"`
			ResultBalance int64 `json:"result_balance"`
		}
		if err := json.Unmarshal(raw, &out); err != nil || out.ErrCode != 0 || out.ResultBonus != int64(i%1000) {
			b.Fatalf("%s %v", raw, err)
		}
	}
}

// BenchmarkUpdateAdapter sets the points through card.MemberCard.Update.
func BenchmarkUpdateAdapter(b *testing.B) {
	p, ref, _ := benchSetup(b)
	var mc card.MemberCard = p
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := mc.Update(ctx, card.UpdateRequest{Ref: ref, Points: card.Ptr(card.WholePoints(int64(i % 1000)))})
		if err != nil || c.Points != card.WholePoints(int64(i%1000)) {
			b.Fatalf("%+v %v", c, err)
		}
	}
}

var _ http.Handler = (*Handler)(nil)
