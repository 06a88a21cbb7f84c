package alipay_test

import (
	"context"
	"sync"
	"testing"

	alipaysdk "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
	"github.com/walletcard/card/provider/providertest"
)

// harness runs the conformance suite against an alipaytest gateway.
type harness struct {
	s *alipaytest.Server
	t *testing.T

	mu  sync.Mutex
	p   *alipay.Provider
	tpl string
}

func (h *harness) MakeProvider(ctx context.Context) (card.MemberCard, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.p == nil {
		h.p = newProvider(h.t, h.s, nil)
	}
	return h.p, nil
}

func (h *harness) NewOpenRequest(ctx context.Context) (card.OpenRequest, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.p == nil {
		h.p = newProvider(h.t, h.s, nil)
	}
	if h.tpl == "" {
		// Made before the suite counts wire calls, and never counted as the
		// provider's own traffic by the subtests that compare WireCalls.
		tpl, err := h.p.CreateTemplate(ctx, card.TemplateSpec{Title: "Conformance", BrandName: "walletcard",
			Levels: []string{"GOLD", "SILVER"}, Points: true, Balance: true})
		if err != nil {
			return card.OpenRequest{}, err
		}
		h.tpl = tpl.ID
	}
	uid, tok := member(h.s)
	return card.OpenRequest{
		Provider:       alipay.Name,
		TemplateID:     h.tpl,
		ExternalNo:     "EXT" + uid,
		Holder:         uid,
		AuthToken:      tok,
		Level:          "SILVER",
		Points:         card.WholePoints(10),
		Balance:        card.Yuan(1),
		IdempotencyKey: card.NewIdempotencyKey(),
	}, nil
}

func (h *harness) WireCalls() int { return h.s.CallCount("") }

func (h *harness) Capabilities() providertest.Capabilities {
	return providertest.Capabilities{FractionalPoints: true, LevelOnGet: true, Levels: []string{"GOLD", "SILVER"}}
}

func (h *harness) Close() {}

func TestConformance(t *testing.T) {
	providertest.RunConformanceTests(t, func(ctx context.Context, t *testing.T) (providertest.Harness, error) {
		return &harness{s: newServer(t), t: t}, nil
	}, &providertest.Options{AsTargets: []any{new(*alipaysdk.Client), new(*alipay.Provider)}})
}
