package wechat

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	wxconfig "github.com/silenceper/wechat/v2/officialaccount/config"

	card "github.com/walletcard/card"
)

// qrCreateSample is the card/qrcode/create answer of wire reference §6, with
// the stray spaces of WeChat's own sample around url and show_qrcode_url.
const qrCreateSample = `{"errcode":0,"errmsg":"ok",
 "ticket":"gQHB8DoAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL0JIV3lhX3psZmlvSDZmWGVMMTZvAAIEsNnKVQMEIAMAAA==",
 "expire_seconds":1800,"url":"http://weixin.qq.com/q/BHWya_zlfioH6fXeL16o ",
 "show_qrcode_url":" https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQH98DoAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL0czVzRlSWpsamlyM2plWTNKVktvAAIE6SfgVQMEgDPhAQ%3D%3D"}`

// TestQRCodeSampleTrimmed: CreateQRCode and ClaimLink return the URLs of the
// §6 sample without the surrounding spaces.
func TestQRCodeSampleTrimmed(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cgi-bin/token", "/cgi-bin/stable_token":
			fmt.Fprint(w, `{"access_token":"TOK","expires_in":7200}`)
		case "/card/qrcode/create":
			fmt.Fprint(w, qrCreateSample)
		default:
			http.NotFound(w, r)
		}
	}))
	defer hs.Close()
	p, err := NewFromConfig(&wxconfig.Config{AppID: "wx1", AppSecret: "s"}, &Options{BaseURL: hs.URL, QRImageBaseURL: hs.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	qr, err := p.CreateQRCode(ctx, CreateQRCodeRequest{Card: &QRCard{CardID: "pCard1"}})
	if err != nil {
		t.Fatal(err)
	}
	if qr.URL != "http://weixin.qq.com/q/BHWya_zlfioH6fXeL16o" || !strings.HasPrefix(qr.ShowQRCodeURL, "https://mp.weixin.qq.com/") || strings.TrimSpace(qr.ShowQRCodeURL) != qr.ShowQRCodeURL {
		t.Fatalf("CreateQRCode: %+v", qr)
	}
	l, err := p.ClaimLink(ctx, card.ClaimLinkRequest{TemplateID: "pCard1"})
	if err != nil {
		t.Fatal(err)
	}
	if l.URL != "http://weixin.qq.com/q/BHWya_zlfioH6fXeL16o" || strings.TrimSpace(l.QRCodeURL) != l.QRCodeURL || l.Ticket == "" {
		t.Fatalf("ClaimLink: %+v", l)
	}
}
