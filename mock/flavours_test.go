package mock_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
)

func TestWeChatFlavourNeedsClaimedCode(t *testing.T) {
	ctx := context.Background()
	p := mock.NewWeChat(nil)
	tpl := template(t, p, card.TemplateSpec{})
	req := card.OpenRequest{TemplateID: tpl, ExternalNo: "E1"}
	_, err := p.Open(ctx, req)
	kind, field := kindAndField(t, err)
	assert.Equal(t, card.KindInvalidArgument, kind)
	assert.Equal(t, "Code", field)
	req.Code = "123456789"
	_, err = p.Open(ctx, req)
	require.ErrorIs(t, err, card.ErrNotFound, "an unclaimed code")
	req.Code, err = p.Claim(ctx, tpl, "o1", "ch")
	require.NoError(t, err)
	c, err := p.Open(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, req.Code, c.Ref.CardNo)
	assert.Equal(t, "o1", c.Holder)
	again, err := p.Open(ctx, req)
	require.NoError(t, err, "the same activation again returns the card, as WeChat's provider does")
	assert.Equal(t, c.Ref, again.Ref)
	req.ExternalNo = "E2"
	_, err = p.Open(ctx, req)
	assert.ErrorIs(t, err, card.ErrAlreadyExists, "re-activating with another number")
}

func TestAlipayFlavourNeedsAuthToken(t *testing.T) {
	p := mock.NewAlipay(nil)
	tpl := template(t, p, card.TemplateSpec{})
	before := p.Reached()
	_, err := p.Open(context.Background(), card.OpenRequest{TemplateID: tpl, ExternalNo: "E1", Holder: "2088"})
	var ce *card.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "AuthToken", ce.Field)
	assert.Equal(t, card.Alipay, ce.Provider)
	assert.Equal(t, before, p.Reached(), "an invalid open reached the state")
}

// TestAlipayRepeatOpenBySameHolder: as the Alipay provider, a repeat open
// for a holder with a card returns it only with the caller's own key.
func TestAlipayRepeatOpenBySameHolder(t *testing.T) {
	ctx := context.Background()
	p := mock.NewAlipay(nil)
	tpl := template(t, p, card.TemplateSpec{})
	first, err := p.Open(ctx, openReq(tpl, "1"))
	require.NoError(t, err)
	_, err = p.Open(ctx, openReq(tpl, "1"))
	assert.ErrorIs(t, err, card.ErrAlreadyExists, "no key: CARD_HAS_OPENED")
	keyed := openReq(tpl, "1")
	keyed.IdempotencyKey = "order-1"
	again, err := p.Open(ctx, keyed)
	require.NoError(t, err, "a caller's key: reconciled by external number")
	assert.Equal(t, first.Ref, again.Ref)
	keyed.ExternalNo = "other"
	_, err = p.Open(ctx, keyed)
	assert.Error(t, err)
}

func TestFlavoursOfferTheirProvidersInterfaces(t *testing.T) {
	var a, w, n card.MemberCard = mock.NewAlipay(nil), mock.NewWeChat(nil), mock.New(nil)
	_, ok := a.(card.Consumer)
	assert.False(t, ok, "the Alipay provider redeems no codes")
	_, ok = w.(card.Consumer)
	assert.True(t, ok)
	_, ok = n.(card.Consumer)
	assert.True(t, ok)
	for _, m := range []card.MemberCard{a, w, n} {
		_, ok := m.(card.TemplateManager)
		assert.True(t, ok)
	}
	var wp *mock.WeChat
	assert.True(t, w.As(&wp))
	var ap *mock.Alipay
	assert.False(t, w.As(&ap), "As fills only the mock's own flavour")
	assert.False(t, w.As(nil))
}

func TestWeChatFlavourAppliesWeChatRules(t *testing.T) {
	ctx := context.Background()
	p := mock.NewWeChat(nil)
	_, err := p.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold", BrandName: "Walletcard"})
	_, field := kindAndField(t, err)
	assert.Equal(t, "LogoURL", field, "WeChat needs a logo")
	assert.Contains(t, err.Error(), "UploadImage")
	_, err = p.CreateTemplate(ctx, card.TemplateSpec{Title: "Gold Member", BrandName: "Walletcard", LogoURL: "https://mmbiz.qpic.cn/x.png"})
	assert.NoError(t, err, "11 ASCII bytes fit a 9-汉字 (27-byte) title")
	_, err = p.CreateTemplate(ctx, card.TemplateSpec{Title: "金卡会员金卡会员金卡会", BrandName: "Walletcard", LogoURL: "https://mmbiz.qpic.cn/x.png"})
	_, field = kindAndField(t, err)
	assert.Equal(t, "Title", field, "10 汉字")

	tpl := template(t, p, card.TemplateSpec{})
	_, err = p.ClaimLink(ctx, card.ClaimLinkRequest{TemplateID: tpl, ExpiresIn: time.Hour})
	_, field = kindAndField(t, err)
	assert.Equal(t, "ExpiresIn", field, "WeChat QR codes live at most 30 minutes")
	link, err := p.ClaimLink(ctx, card.ClaimLinkRequest{TemplateID: tpl, ExpiresIn: 10 * time.Minute})
	require.NoError(t, err)
	assert.False(t, link.ExpiresAt.IsZero())

	code, err := p.Claim(ctx, tpl, "o", "")
	require.NoError(t, err)
	_, err = p.Open(ctx, card.OpenRequest{TemplateID: tpl, ExternalNo: "123456789012345678901", Code: code})
	_, field = kindAndField(t, err)
	assert.Equal(t, "ExternalNo", field)
	c, err := p.Open(ctx, card.OpenRequest{TemplateID: tpl, ExternalNo: "M1", Code: code})
	require.NoError(t, err)
	_, err = p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(1)), Note: "消费128.88元，获得128积分，谢谢惠顾"})
	_, field = kindAndField(t, err)
	assert.Equal(t, "Note", field)
	_, err = p.Update(ctx, card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.Points(150))})
	_, field = kindAndField(t, err)
	assert.Equal(t, "Points", field, "WeChat points are whole")
}

func TestAlipayFlavourIgnoresClaimLinkLifetime(t *testing.T) {
	p := mock.NewAlipay(nil)
	tpl := template(t, p, card.TemplateSpec{LogoURL: "logo-image-id"})
	link, err := p.ClaimLink(context.Background(), card.ClaimLinkRequest{TemplateID: tpl, ExpiresIn: time.Hour, Holder: "2088"})
	require.NoError(t, err)
	assert.True(t, link.ExpiresAt.IsZero(), "Alipay's activation link has no lifetime")
	_, err = p.CreateTemplate(context.Background(), card.TemplateSpec{Title: "T", BrandName: "B", LogoURL: "https://example.com/logo.png"})
	_, field := kindAndField(t, err)
	assert.Equal(t, "LogoURL", field, "Alipay takes image ids, not URLs")
}
