package mock_test

import (
	"context"
	"fmt"
	"testing"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
	"github.com/walletcard/card/provider/providertest"
)

// flavour is what the harness needs of any mock flavour.
type flavour interface {
	card.MemberCard
	templater
	Reached() int
}

// harness runs the conformance suite on one mock flavour.
type harness struct {
	p   flavour
	tpl string
	n   int
}

func newHarness(name string) providertest.HarnessMaker {
	return func(ctx context.Context, t *testing.T) (providertest.Harness, error) {
		var p flavour
		logo := "https://mmbiz.qpic.cn/logo.png" // WeChat: the URL media/uploadimg returned
		switch name {
		case card.Alipay:
			p, logo = mock.NewAlipay(nil), "logo-image-id" // Alipay: the id ImageUpload returned
		case card.WeChat:
			p = mock.NewWeChat(nil)
		default:
			p = mock.New(nil)
		}
		tpl, err := p.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Walletcard Coffee", LogoURL: logo,
			Levels: []string{"SILVER", "GOLD"}, Points: true, Balance: true})
		if err != nil {
			return nil, err
		}
		return &harness{p: p, tpl: tpl.ID}, nil
	}
}

func (h *harness) MakeProvider(context.Context) (card.MemberCard, error) { return h.p, nil }

func (h *harness) NewOpenRequest(ctx context.Context) (card.OpenRequest, error) {
	h.n++
	req := card.OpenRequest{
		Provider:       h.p.Name(),
		TemplateID:     h.tpl,
		ExternalNo:     fmt.Sprintf("M%06d", h.n),
		Holder:         fmt.Sprintf("2088%012d", h.n),
		AuthToken:      fmt.Sprintf("authusrB%d", h.n),
		Level:          "GOLD",
		Points:         card.WholePoints(10),
		Balance:        card.Yuan(5),
		IdempotencyKey: card.NewIdempotencyKey(),
	}
	if w, ok := h.p.(*mock.WeChat); ok {
		req.Holder = fmt.Sprintf("openid-%d", h.n)
		code, err := w.Claim(ctx, h.tpl, req.Holder, "")
		if err != nil {
			return req, err
		}
		req.Code = code
	}
	return req, nil
}

func (h *harness) WireCalls() int { return h.p.Reached() }

func (h *harness) Capabilities() providertest.Capabilities {
	return providertest.Capabilities{FractionalPoints: h.p.Name() != card.WeChat, LevelOnGet: true, Levels: []string{"SILVER", "GOLD"}}
}

func (h *harness) Close() {}

func TestConformance(t *testing.T) {
	targets := map[string]any{card.Mock: new(*mock.Provider), card.Alipay: new(*mock.Alipay), card.WeChat: new(*mock.WeChat)}
	for _, name := range []string{card.Mock, card.Alipay, card.WeChat} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			providertest.RunConformanceTests(t, newHarness(name), &providertest.Options{AsTargets: []any{targets[name]}})
		})
	}
}
