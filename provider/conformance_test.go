package provider_test

import (
	"context"
	"fmt"
	"testing"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
	"github.com/walletcard/card/provider"
	"github.com/walletcard/card/provider/providertest"
)

// routerHarness runs the conformance suite on a Router over two mocks in the
// Alipay and WeChat flavours, alternating which wallet each new member uses.
type routerHarness struct {
	r        *provider.Router
	ali      *mock.Alipay
	wx       *mock.WeChat
	atpl, wt string
	n        int
}

func (h *routerHarness) MakeProvider(context.Context) (card.MemberCard, error) { return h.r, nil }
func (h *routerHarness) WireCalls() int                                        { return h.ali.Reached() + h.wx.Reached() }
func (h *routerHarness) Close()                                                {}
func (h *routerHarness) Capabilities() providertest.Capabilities {
	return providertest.Capabilities{LevelOnGet: true, Levels: []string{"SILVER", "GOLD"}}
}

func (h *routerHarness) NewOpenRequest(ctx context.Context) (card.OpenRequest, error) {
	h.n++
	req := card.OpenRequest{ExternalNo: fmt.Sprintf("R%05d", h.n), Level: "GOLD", Points: card.WholePoints(3), IdempotencyKey: card.NewIdempotencyKey()}
	if h.n%2 == 0 {
		req.Provider, req.TemplateID = card.Alipay, h.atpl
		req.Holder, req.AuthToken = fmt.Sprintf("2088%012d", h.n), "token"
		return req, nil
	}
	req.Provider, req.TemplateID, req.Holder = card.WeChat, h.wt, fmt.Sprintf("openid-%d", h.n)
	code, err := h.wx.Claim(ctx, h.wt, req.Holder, "")
	req.Code = code
	return req, err
}

func TestRouterConformance(t *testing.T) {
	providertest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (providertest.Harness, error) {
		h := &routerHarness{ali: mock.NewAlipay(nil), wx: mock.NewWeChat(nil)}
		r, err := provider.NewRouter(h.ali, h.wx)
		if err != nil {
			return nil, err
		}
		h.r = r
		spec := card.TemplateSpec{Title: "Gold", BrandName: "Coffee", Levels: []string{"SILVER", "GOLD"}}
		for _, tc := range []struct {
			name, logo string
			id         *string
		}{{card.Alipay, "logo-image-id", &h.atpl}, {card.WeChat, "https://mmbiz.qpic.cn/logo.png", &h.wt}} {
			spec.Provider, spec.LogoURL = tc.name, tc.logo
			tpl, err := r.CreateTemplate(ctx, spec)
			if err != nil {
				return nil, err
			}
			*tc.id = tpl.ID
		}
		return h, nil
	}, nil)
}
