package mock_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
)

func TestMagicInputs(t *testing.T) {
	p := mock.New(nil)
	tpl := template(t, p, card.TemplateSpec{})
	for _, tc := range []struct {
		holder, token string
		want          error
	}{
		{mock.HolderRateLimited, "t", card.ErrRateLimited},
		{mock.HolderUnavailable, "t", card.ErrUnavailable},
		{mock.HolderPermissionDenied, "t", card.ErrPermissionDenied},
		{"2088", mock.AuthTokenInvalid, card.ErrUnauthenticated},
	} {
		_, err := p.Open(context.Background(), card.OpenRequest{TemplateID: tpl, ExternalNo: "E", Holder: tc.holder, AuthToken: tc.token})
		assert.ErrorIs(t, err, tc.want, tc.holder)
	}
}

func TestStockRunsOut(t *testing.T) {
	ctx := context.Background()
	p := mock.NewWeChat(nil)
	tpl := template(t, p, card.TemplateSpec{Stock: 2})
	for i := 0; i < 2; i++ {
		_, err := p.Claim(ctx, tpl, "openid", "")
		require.NoError(t, err, "claim %d", i)
	}
	_, err := p.Claim(ctx, tpl, "openid", "")
	require.ErrorIs(t, err, card.ErrConflict, "out of stock")
	got, err := p.GetTemplate(ctx, "", tpl)
	require.NoError(t, err)
	assert.Zero(t, got.Stock)
}

func TestConsumeTwiceConflicts(t *testing.T) {
	ctx := context.Background()
	p := mock.New(nil)
	tpl := template(t, p, card.TemplateSpec{})
	c, err := p.Open(ctx, openReq(tpl, "1"))
	require.NoError(t, err)
	require.NoError(t, p.Consume(ctx, card.ConsumeRequest{Ref: c.Ref}))
	assert.ErrorIs(t, p.Consume(ctx, card.ConsumeRequest{Ref: c.Ref}), card.ErrConflict)
}

func TestEventsAndReview(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var got []card.EventType
	p := mock.NewWeChat(&mock.Options{ManualReview: true, OnEvent: func(ev card.Event) {
		mu.Lock()
		got = append(got, ev.Type)
		mu.Unlock()
	}})
	tpl := template(t, p, card.TemplateSpec{})
	_, err := p.Claim(ctx, tpl, "o", "")
	require.ErrorIs(t, err, card.ErrConflict, "claim before approval")
	require.NoError(t, p.Approve(tpl))
	code, err := p.Claim(ctx, tpl, "o", "qr")
	require.NoError(t, err)
	c, err := p.Open(ctx, card.OpenRequest{TemplateID: tpl, ExternalNo: "E", Code: code})
	require.NoError(t, err)
	require.NoError(t, p.Consume(ctx, card.ConsumeRequest{Ref: c.Ref}))
	require.NoError(t, p.Delete(ctx, card.DeleteRequest{Ref: c.Ref}))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []card.EventType{card.EventTemplateApproved, card.EventCardClaimed, card.EventCardOpened, card.EventCodeConsumed, card.EventCardDeleted}, got)
}

func TestExpiredCard(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, card.Beijing())
	p := mock.New(&mock.Options{Clock: func() time.Time { return now }})
	tpl := template(t, p, card.TemplateSpec{})
	req := openReq(tpl, "1")
	req.ValidUntil = now.Add(-time.Hour)
	_, err := p.Open(context.Background(), req)
	require.ErrorIs(t, err, card.ErrInvalidArgument, "a past ValidUntil")
	req.ValidUntil = now.Add(time.Hour)
	c, err := p.Open(context.Background(), req)
	require.NoError(t, err)
	now = now.Add(2 * time.Hour)
	got, err := p.Get(context.Background(), c.Ref)
	require.NoError(t, err)
	assert.Equal(t, card.StatusExpired, got.Status)
	_, err = p.Update(context.Background(), card.UpdateRequest{Ref: c.Ref, Points: card.Ptr(card.WholePoints(1))})
	assert.ErrorIs(t, err, card.ErrConflict, "an expired card refuses updates")
}

func TestCancelBlocksReopenUnbindDoesNot(t *testing.T) {
	ctx := context.Background()
	p := mock.NewAlipay(nil)
	tpl := template(t, p, card.TemplateSpec{})
	a, err := p.Open(ctx, openReq(tpl, "1"))
	require.NoError(t, err)
	require.NoError(t, p.Delete(ctx, card.DeleteRequest{Ref: a.Ref})) // CANCEL by default
	_, err = p.Open(ctx, openReq(tpl, "1"))
	require.ErrorIs(t, err, card.ErrAlreadyExists, "re-open after CANCEL")
	b, err := p.Open(ctx, openReq(tpl, "2"))
	require.NoError(t, err)
	require.NoError(t, p.Delete(ctx, card.DeleteRequest{Ref: b.Ref, Reason: card.ReasonUserUnbound}))
	_, err = p.Open(ctx, openReq(tpl, "2"))
	assert.NoError(t, err, "re-open after USER_UNBUND")
}

func TestSameKeyForAnotherHolderConflicts(t *testing.T) {
	ctx := context.Background()
	p := mock.NewAlipay(nil)
	tpl := template(t, p, card.TemplateSpec{})
	req := openReq(tpl, "1")
	req.IdempotencyKey = "k1"
	_, err := p.Open(ctx, req)
	require.NoError(t, err)
	req.Holder = "2088999"
	_, err = p.Open(ctx, req)
	assert.ErrorIs(t, err, card.ErrConflict)
}

// TestRepeatedDelete: a keyed Alipay delete repeated after the card is gone
// is success; a delete with a new key, or on WeChat, is ErrNotFound.
func TestRepeatedDelete(t *testing.T) {
	ctx := context.Background()
	a := mock.NewAlipay(nil)
	tpl := template(t, a, card.TemplateSpec{})
	c, err := a.Open(ctx, openReq(tpl, "1"))
	require.NoError(t, err)
	del := card.DeleteRequest{Ref: c.Ref, IdempotencyKey: "del-1"}
	require.NoError(t, a.Delete(ctx, del))
	assert.NoError(t, a.Delete(ctx, del), "the same keyed delete again")
	assert.ErrorIs(t, a.Delete(ctx, card.DeleteRequest{Ref: c.Ref}), card.ErrNotFound, "a new delete of a deleted card")

	w := mock.NewWeChat(nil)
	wtpl := template(t, w, card.TemplateSpec{})
	code, err := w.Claim(ctx, wtpl, "o", "")
	require.NoError(t, err)
	wc, err := w.Open(ctx, card.OpenRequest{TemplateID: wtpl, ExternalNo: "M1", Code: code})
	require.NoError(t, err)
	w.LoseAnswerNext(card.OpDelete, 1)
	err = w.Delete(ctx, card.DeleteRequest{Ref: wc.Ref})
	require.ErrorIs(t, err, card.ErrOutcomeUnknown)
	assert.ErrorIs(t, w.Delete(ctx, card.DeleteRequest{Ref: wc.Ref, IdempotencyKey: "k"}), card.ErrNotFound, "WeChat keeps no delete key")
}
