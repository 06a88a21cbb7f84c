package wechat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	wxsdk "github.com/silenceper/wechat/v2/officialaccount"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/provider/providertest"
	"github.com/walletcard/card/wechat/wechattest"
)

// harness runs the conformance suite against wechattest.
type harness struct {
	t      *testing.T
	s      *wechattest.Server
	p      *Provider
	mu     sync.Mutex
	cardID string
	seq    int
}

func newHarness(ctx context.Context, t *testing.T) (providertest.Harness, error) {
	p, s := newTestProvider(t, nil)
	return &harness{t: t, s: s, p: p}, nil
}

func (h *harness) MakeProvider(context.Context) (card.MemberCard, error) { return h.p, nil }

// NewOpenRequest creates (once) an approved member card and claims a fresh
// code for a fresh openid. Level stays empty: WeChat's userinfo/get does not
// return custom-field values, so Get cannot report a level (see the
// LevelStoredInCustomField extra test for the wire side).
func (h *harness) NewOpenRequest(ctx context.Context) (card.OpenRequest, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cardID == "" {
		tpl, err := h.p.CreateTemplate(ctx, testSpec)
		if err != nil {
			return card.OpenRequest{}, err
		}
		h.cardID = tpl.ID
	}
	h.seq++
	openid := fmt.Sprintf("oConformance%04d", h.seq)
	code, err := h.s.Claim(h.cardID, openid, "")
	if err != nil {
		return card.OpenRequest{}, err
	}
	return card.OpenRequest{
		Provider: card.WeChat, TemplateID: h.cardID, ExternalNo: "EXT-" + code, Holder: openid, Code: code,
		Level: "金卡", Points: card.WholePoints(5), Balance: card.Fen(100), IdempotencyKey: card.NewIdempotencyKey(),
	}, nil
}

func (h *harness) WireCalls() int { return h.s.CallCount("") }

func (h *harness) Capabilities() providertest.Capabilities {
	return providertest.Capabilities{FractionalPoints: false, Levels: []string{"金卡", "银卡"}}
}

func (h *harness) Close() {}

func wx(t *testing.T, h providertest.Harness) (*Provider, *wechattest.Server) {
	hh := h.(*harness)
	return hh.p, hh.s
}

func TestConformance(t *testing.T) {
	providertest.RunConformanceTests(t, newHarness, &providertest.Options{
		AsTargets: []any{new(*wxsdk.OfficialAccount)},
		Extra: []providertest.Test{
			{Name: "OpenWithoutCode", Run: func(t *testing.T, h providertest.Harness, p card.MemberCard) {
				req := newOpenRequest(t, h)
				req.Code = ""
				before := h.WireCalls()
				_, err := p.Open(context.Background(), req)
				var ce *card.Error
				if !errors.As(err, &ce) || ce.Kind != card.KindInvalidArgument || ce.Field != "Code" || h.WireCalls() != before {
					t.Fatalf("err = %v, want invalid Code with nothing sent", err)
				}
			}},
			{Name: "OpenIdempotentActivatesOnce", Run: func(t *testing.T, h providertest.Harness, p card.MemberCard) {
				_, s := wx(t, h)
				req := newOpenRequest(t, h)
				for i := 0; i < 2; i++ {
					if _, err := p.Open(context.Background(), req); err != nil {
						t.Fatal(err)
					}
				}
				if n := s.CallCount("/card/membercard/activate"); n != 1 {
					t.Fatalf("activate calls = %d, want 1", n)
				}
				other := req
				other.ExternalNo = "EXT-OTHER"
				if _, err := p.Open(context.Background(), other); !errors.Is(err, card.ErrAlreadyExists) {
					t.Fatalf("open with another number: %v, want already exists", err)
				}
			}},
			{Name: "OpenMapsFields", Run: func(t *testing.T, h providertest.Harness, p card.MemberCard) {
				_, s := wx(t, h)
				req := newOpenRequest(t, h)
				req.Level, req.Points, req.Balance = "金卡", card.WholePoints(42), card.Yuan(3)
				req.ValidUntil = time.Now().Add(30 * 24 * time.Hour).Truncate(time.Second)
				c, err := p.Open(context.Background(), req)
				if err != nil {
					t.Fatal(err)
				}
				m := member(t, s, req.TemplateID, req.Code)
				if m.MembershipNumber != req.ExternalNo || m.Bonus != 42 || m.Balance != 300 || m.CustomFieldValues[0] != "金卡" || m.EndTime != req.ValidUntil.Unix() {
					t.Fatalf("member %+v", m)
				}
				got, err := p.Get(context.Background(), c.Ref)
				if err != nil || !got.ValidUntil.Equal(req.ValidUntil) || got.Holder != req.Holder {
					t.Fatalf("Get %+v %v", got, err)
				}
				req2 := newOpenRequest(t, h)
				req2.Points = card.Points(150)
				if _, err := p.Open(context.Background(), req2); !errors.Is(err, card.ErrInvalidArgument) || !strings.Contains(err.Error(), "Points") {
					t.Fatalf("fractional points: %v", err)
				}
			}},
			{Name: "LevelStoredInCustomField", Run: func(t *testing.T, h providertest.Harness, p card.MemberCard) {
				_, s := wx(t, h)
				c := openFresh(t, h, p)
				up, err := p.Update(context.Background(), card.UpdateRequest{Ref: c.Ref, Level: card.Ptr("银卡"), Points: card.Ptr(card.WholePoints(9)), Note: "升级"})
				if err != nil || up.Level != "银卡" || up.Points != card.WholePoints(9) {
					t.Fatalf("update %+v %v", up, err)
				}
				if m := member(t, s, c.Ref.TemplateID, c.Ref.CardNo); m.CustomFieldValues[0] != "银卡" || m.Bonus != 9 {
					t.Fatalf("member %+v", m)
				}
				if _, err := p.Update(context.Background(), card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(1)), Note: strings.Repeat("积", 15)}); !errors.Is(err, card.ErrInvalidArgument) {
					t.Fatalf("15-character note: %v", err)
				}
			}},
			{Name: "ConsumeOnce", Run: func(t *testing.T, h providertest.Harness, p card.MemberCard) {
				c := openFresh(t, h, p)
				cons := p.(card.Consumer)
				if err := cons.Consume(context.Background(), card.ConsumeRequest{Ref: c.Ref}); err != nil {
					t.Fatal(err)
				}
				if err := cons.Consume(context.Background(), card.ConsumeRequest{Ref: c.Ref}); !errors.Is(err, card.ErrConflict) {
					t.Fatalf("second consume: %v", err)
				}
			}},
			{Name: "DeletedByUserIsNotFound", Run: func(t *testing.T, h providertest.Harness, p card.MemberCard) {
				_, s := wx(t, h)
				c := openFresh(t, h, p)
				if err := s.DeleteByUser(c.Ref.TemplateID, c.Ref.CardNo); err != nil {
					t.Fatal(err)
				}
				if _, err := p.Get(context.Background(), c.Ref); !errors.Is(err, card.ErrNotFound) {
					t.Fatalf("Get after user deleted: %v", err)
				}
			}},
			{Name: "ClaimLinkIsQRCode", Run: func(t *testing.T, h providertest.Harness, p card.MemberCard) {
				_, s := wx(t, h)
				req := newOpenRequest(t, h)
				start := time.Now()
				l, err := p.ClaimLink(context.Background(), card.ClaimLinkRequest{TemplateID: req.TemplateID, Channel: "store-9", Holder: "oQR", ExpiresIn: 10 * time.Minute})
				if err != nil {
					t.Fatal(err)
				}
				if l.Ticket == "" || !strings.HasPrefix(l.QRCodeURL, s.QRImageURL()+"/cgi-bin/showqrcode?ticket=") {
					t.Fatalf("link %+v", l)
				}
				if d := l.ExpiresAt.Sub(start); d < 9*time.Minute || d > 11*time.Minute {
					t.Fatalf("ExpiresAt %v is not ~10 min away", l.ExpiresAt)
				}
				codes, err := s.ScanQR(l.Ticket, "oQR")
				if err != nil || len(codes) != 1 {
					t.Fatalf("scan: %v %v", codes, err)
				}
				if m := member(t, s, req.TemplateID, codes[0]); m.OuterStr != "store-9" || m.OpenID != "oQR" {
					t.Fatalf("claimed through QR: %+v", m)
				}
				if _, err := p.ClaimLink(context.Background(), card.ClaimLinkRequest{TemplateID: req.TemplateID, ExpiresIn: 2 * time.Hour}); !errors.Is(err, card.ErrInvalidArgument) {
					t.Fatalf("2 h expiry: %v", err)
				}
			}},
		},
	})
}

func TestTemplates(t *testing.T) {
	p, s := newTestProvider(t, &wechattest.Options{ManualReview: true})
	ctx := context.Background()
	tpl, err := p.CreateTemplate(ctx, card.TemplateSpec{Title: "会员卡", BrandName: "测试商户", LogoURL: "https://mmbiz.qpic.cn/l.png", Points: true, Levels: []string{"金卡"}})
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Status != card.TemplatePending || tpl.Stock != DefaultTemplateStock || tpl.Title != "会员卡" || tpl.Provider != "wechat" {
		t.Fatalf("template %+v", tpl)
	}
	if err := s.Approve(tpl.ID); err != nil {
		t.Fatal(err)
	}
	got, err := p.GetTemplate(ctx, "", tpl.ID)
	if err != nil || got.Status != card.TemplateApproved {
		t.Fatalf("after approve %+v %v", got, err)
	}
	if _, err := p.GetTemplate(ctx, "", "pNoSuchCard"); !errors.Is(err, card.ErrNotFound) {
		t.Fatalf("missing template: %v", err)
	}
	if _, err := p.CreateTemplate(ctx, card.TemplateSpec{Title: "x", BrandName: "y"}); !errors.Is(err, card.ErrInvalidArgument) {
		t.Fatalf("no logo: %v", err)
	}
}

// newOpenRequest is h.NewOpenRequest for a fresh claimed code; it fails t on error.
func newOpenRequest(t *testing.T, h providertest.Harness) card.OpenRequest {
	t.Helper()
	req, err := h.NewOpenRequest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// openFresh opens a card on a fresh claimed code.
func openFresh(t *testing.T, h providertest.Harness, p card.MemberCard) *card.Card {
	t.Helper()
	c, err := p.Open(context.Background(), newOpenRequest(t, h))
	if err != nil {
		t.Fatal(err)
	}
	return c
}
