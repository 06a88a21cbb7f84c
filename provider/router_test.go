package provider_test

import (
	"context"
	"errors"
	"testing"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
	"github.com/walletcard/card/provider"
)

// minimal is a MemberCard with no optional capabilities.
type minimal struct{ card.MemberCard }

func (minimal) Name() string { return "minimal" }

func newRouter(t *testing.T) (*provider.Router, *mock.Provider, *mock.Provider) {
	t.Helper()
	ali := mock.New(&mock.Options{Name: card.Alipay})
	wx := mock.New(&mock.Options{Name: card.WeChat})
	r, err := provider.NewRouter(ali, wx, minimal{})
	if err != nil {
		t.Fatal(err)
	}
	return r, ali, wx
}

func TestRouterDispatchesByProvider(t *testing.T) {
	ctx := context.Background()
	r, ali, wx := newRouter(t)
	atpl, err := r.CreateTemplate(ctx, card.TemplateSpec{Provider: card.Alipay, Title: "A", BrandName: "B"})
	if err != nil {
		t.Fatal(err)
	}
	wtpl, err := r.CreateTemplate(ctx, card.TemplateSpec{Provider: card.WeChat, Title: "W", BrandName: "B"})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := wx.Claim(ctx, wtpl.ID, "openid", "")
	a, err := r.Open(ctx, card.OpenRequest{Provider: card.Alipay, TemplateID: atpl.ID, ExternalNo: "A1", Holder: "2088", AuthToken: "t"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := r.Open(ctx, card.OpenRequest{Provider: card.WeChat, TemplateID: wtpl.ID, ExternalNo: "W1", Code: code})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*card.Card{a, w} {
		if _, err := r.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(5))}); err != nil {
			t.Fatal(err)
		}
		got, err := r.Get(ctx, c.Ref)
		if err != nil || got.Points != card.WholePoints(5) {
			t.Fatalf("%s: %+v %v", c.Ref.Provider, got, err)
		}
		if err := r.Consume(ctx, card.ConsumeRequest{Ref: c.Ref}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.ClaimLink(ctx, card.ClaimLinkRequest{Provider: c.Ref.Provider, TemplateID: c.Ref.TemplateID}); err != nil {
			t.Fatal(err)
		}
		if _, err := r.GetTemplate(ctx, c.Ref.Provider, c.Ref.TemplateID); err != nil {
			t.Fatal(err)
		}
		if err := r.Delete(ctx, card.DeleteRequest{Ref: c.Ref}); err != nil {
			t.Fatal(err)
		}
	}
	if ali.CallCount(mock.OpOpen) != 1 || wx.CallCount(mock.OpOpen) != 1 {
		t.Errorf("opens: alipay %d wechat %d, want 1 each", ali.CallCount(mock.OpOpen), wx.CallCount(mock.OpOpen))
	}
}

func TestRouterRejectsBeforeAnyProvider(t *testing.T) {
	ctx := context.Background()
	r, ali, wx := newRouter(t)
	cases := map[string]error{
		"Provider": func() error { _, err := r.Open(ctx, card.OpenRequest{TemplateID: "t", ExternalNo: "e"}); return err }(),
		"Ref.Provider": func() error {
			_, err := r.Get(ctx, card.Ref{Provider: "paypal", TemplateID: "t", CardNo: "1"})
			return err
		}(),
		"ExternalNo": func() error {
			_, err := r.Open(ctx, card.OpenRequest{Provider: card.Alipay, TemplateID: "t"})
			return err
		}(),
		"Reason": func() error {
			return r.Delete(ctx, card.DeleteRequest{Ref: card.Ref{Provider: card.WeChat, TemplateID: "t", CardNo: "1"}, Reason: "x"})
		}(),
	}
	for want, err := range cases {
		var ce *card.Error
		if !errors.Is(err, card.ErrInvalidArgument) || !errors.As(err, &ce) || ce.Field != want {
			t.Errorf("want invalid %s, got %v", want, err)
		}
	}
	if ali.Reached()+wx.Reached() != 0 || len(ali.Calls())+len(wx.Calls()) != 0 {
		t.Error("an invalid request reached a provider")
	}
}

func TestRouterUnsupportedCapability(t *testing.T) {
	r, _, _ := newRouter(t)
	ctx := context.Background()
	_, err := r.CreateTemplate(ctx, card.TemplateSpec{Provider: "minimal", Title: "t", BrandName: "b"})
	if !errors.Is(err, card.ErrUnsupported) {
		t.Errorf("CreateTemplate on a provider without templates: %v", err)
	}
	err = r.Consume(ctx, card.ConsumeRequest{Ref: card.Ref{Provider: "minimal", TemplateID: "t", CardNo: "1"}})
	if !errors.Is(err, card.ErrUnsupported) {
		t.Errorf("Consume on a provider without it: %v", err)
	}
}

func TestNewRouterRejectsBadProviders(t *testing.T) {
	if _, err := provider.NewRouter(mock.New(nil), mock.New(nil)); !errors.Is(err, card.ErrInvalidArgument) {
		t.Errorf("duplicate names: %v", err)
	}
	if _, err := provider.NewRouter(nil); !errors.Is(err, card.ErrInvalidArgument) {
		t.Errorf("nil provider: %v", err)
	}
	var typedNil *mock.Provider
	if _, err := provider.NewRouter(typedNil); !errors.Is(err, card.ErrInvalidArgument) {
		t.Errorf("typed nil provider: %v", err)
	}
}

func TestRouterAs(t *testing.T) {
	r, _, wx := newRouter(t)
	if r.As(nil) {
		t.Error("As(nil) = true")
	}
	var m *mock.Provider
	if !r.As(&m) || m == nil {
		t.Fatal("As(**mock.Provider) = false")
	}
	if p, ok := r.Provider(card.WeChat); !ok || p != wx {
		t.Error("Provider(wechat)")
	}
	if got := r.Names(); len(got) != 3 || got[0] != card.Alipay {
		t.Errorf("Names = %v", got)
	}
}
