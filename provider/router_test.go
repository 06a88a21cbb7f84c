package provider_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
	"github.com/walletcard/card/provider"
)

// minimal is a MemberCard with no optional capabilities.
type minimal struct{ card.MemberCard }

func (minimal) Name() string { return "minimal" }

func (minimal) As(any) bool { return false }

func newRouter(t *testing.T) (*provider.Router, *mock.Alipay, *mock.WeChat) {
	t.Helper()
	ali := mock.NewAlipay(nil)
	wx := mock.NewWeChat(nil)
	r, err := provider.NewRouter(ali, wx, minimal{})
	require.NoError(t, err)
	return r, ali, wx
}

func TestRouterDispatchesByProvider(t *testing.T) {
	ctx := context.Background()
	r, ali, wx := newRouter(t)
	atpl, err := r.CreateTemplate(ctx, card.TemplateSpec{Provider: card.Alipay, Title: "A", BrandName: "B"})
	require.NoError(t, err)
	wtpl, err := r.CreateTemplate(ctx, card.TemplateSpec{Provider: card.WeChat, Title: "W", BrandName: "B", LogoURL: "https://mmbiz.qpic.cn/l.png"})
	require.NoError(t, err)
	code, err := wx.Claim(ctx, wtpl.ID, "openid", "")
	require.NoError(t, err)
	a, err := r.Open(ctx, card.OpenRequest{Provider: card.Alipay, TemplateID: atpl.ID, ExternalNo: "A1", Holder: "2088", AuthToken: "t"})
	require.NoError(t, err)
	w, err := r.Open(ctx, card.OpenRequest{Provider: card.WeChat, TemplateID: wtpl.ID, ExternalNo: "W1", Code: code})
	require.NoError(t, err)
	for _, c := range []*card.Card{a, w} {
		_, err := r.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(5))})
		require.NoError(t, err)
		got, err := r.Get(ctx, c.Ref)
		require.NoError(t, err)
		assert.Equal(t, card.WholePoints(5), got.Points)
		_, err = r.ClaimLink(ctx, card.ClaimLinkRequest{Provider: c.Ref.Provider, TemplateID: c.Ref.TemplateID})
		require.NoError(t, err)
		_, err = r.GetTemplate(ctx, c.Ref.Provider, c.Ref.TemplateID)
		require.NoError(t, err)
	}
	require.NoError(t, r.Consume(ctx, card.ConsumeRequest{Ref: w.Ref}))
	assert.ErrorIs(t, r.Consume(ctx, card.ConsumeRequest{Ref: a.Ref}), card.ErrUnsupported, "Alipay redeems no codes")
	for _, c := range []*card.Card{a, w} {
		require.NoError(t, r.Delete(ctx, card.DeleteRequest{Ref: c.Ref}))
	}
	assert.Equal(t, 1, ali.CallCount(card.OpOpen))
	assert.Equal(t, 1, wx.CallCount(card.OpOpen))
}

// TestRouterRejectsBeforeAnyWallet: a request the Router cannot route, or
// that its wallet's pipeline refuses, reaches no wallet.
func TestRouterRejectsBeforeAnyWallet(t *testing.T) {
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
		require.ErrorAs(t, err, &ce, want)
		assert.ErrorIs(t, err, card.ErrInvalidArgument, want)
		assert.Equal(t, want, ce.Field)
	}
	assert.Zero(t, ali.Reached()+wx.Reached(), "an invalid request reached a wallet")
}

func TestRouterUnsupportedCapability(t *testing.T) {
	r, _, _ := newRouter(t)
	ctx := context.Background()
	_, err := r.CreateTemplate(ctx, card.TemplateSpec{Provider: "minimal", Title: "t", BrandName: "b"})
	assert.ErrorIs(t, err, card.ErrUnsupported)
	err = r.Consume(ctx, card.ConsumeRequest{Ref: card.Ref{Provider: "minimal", TemplateID: "t", CardNo: "1"}})
	assert.ErrorIs(t, err, card.ErrUnsupported)
}

func TestNewRouterRejectsBadProviders(t *testing.T) {
	_, err := provider.NewRouter(mock.New(nil), mock.New(nil))
	assert.ErrorIs(t, err, card.ErrInvalidArgument, "duplicate names")
	_, err = provider.NewRouter(nil)
	assert.ErrorIs(t, err, card.ErrInvalidArgument, "nil provider")
	var typedNil *mock.Provider
	_, err = provider.NewRouter(typedNil)
	assert.ErrorIs(t, err, card.ErrInvalidArgument, "typed nil provider")
	_, err = provider.NewRouter()
	var ce *card.Error
	require.ErrorAs(t, err, &ce, "a Router with no provider")
	assert.Equal(t, "providers", ce.Field)
}

func TestRouterAs(t *testing.T) {
	r, _, wx := newRouter(t)
	assert.False(t, r.As(nil))
	var m *mock.WeChat
	require.True(t, r.As(&m))
	assert.Same(t, wx, m)
	p, ok := r.Provider(card.WeChat)
	require.True(t, ok)
	assert.Equal(t, card.MemberCard(wx), p)
	assert.Equal(t, []string{card.Alipay, "minimal", card.WeChat}, r.Names())
}
