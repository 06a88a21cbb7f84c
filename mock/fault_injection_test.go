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

func TestFailNextInjectsKindThenRecovers(t *testing.T) {
	ctx := context.Background()
	p := mock.NewAlipay(nil)
	tpl := template(t, p, card.TemplateSpec{})
	p.FailNext(card.OpOpen, card.KindUnavailable, 2)
	req := openReq(tpl, "1")
	for i := 0; i < 2; i++ {
		_, err := p.Open(ctx, req)
		require.ErrorIs(t, err, card.ErrUnavailable, "call %d", i)
		assert.True(t, card.IsRetryable(err))
		assert.NotErrorIs(t, err, card.ErrOutcomeUnknown, "FailNext changes nothing")
	}
	c, err := p.Open(ctx, req)
	require.NoError(t, err, "third call")
	_, err = p.Get(ctx, c.Ref)
	require.NoError(t, err)
	// Injected failures changed nothing: exactly one card exists for the holder.
	_, err = p.Open(ctx, card.OpenRequest{TemplateID: tpl, ExternalNo: "E2", Holder: req.Holder, AuthToken: "tok"})
	assert.ErrorIs(t, err, card.ErrAlreadyExists)
}

func TestLoseAnswerNextAppliesThenReportsUnknown(t *testing.T) {
	ctx := context.Background()
	p := mock.NewAlipay(nil)
	tpl := template(t, p, card.TemplateSpec{})
	p.LoseAnswerNext(card.OpOpen, 1)
	req := openReq(tpl, "1")
	req.IdempotencyKey = card.NewIdempotencyKey()
	_, err := p.Open(ctx, req)
	require.ErrorIs(t, err, card.ErrOutcomeUnknown)
	assert.True(t, card.IsRetryable(err), "a keyed open may be repeated")
	c, err := p.Open(ctx, req) // the retry with the same key finds the applied open
	require.NoError(t, err)
	req.IdempotencyKey = ""
	_, err = p.Open(ctx, req)
	assert.ErrorIs(t, err, card.ErrAlreadyExists, "a new (generated) key: the first open was applied")
	got, err := p.Get(ctx, c.Ref)
	require.NoError(t, err)
	assert.Equal(t, req.ExternalNo, got.ExternalNo)

	// A lost consume is not retryable: consuming again would redeem twice.
	p2 := mock.NewWeChat(nil)
	tpl2 := template(t, p2, card.TemplateSpec{})
	code, err := p2.Claim(ctx, tpl2, "o", "")
	require.NoError(t, err)
	wc, err := p2.Open(ctx, card.OpenRequest{TemplateID: tpl2, ExternalNo: "M1", Code: code})
	require.NoError(t, err)
	p2.LoseAnswerNext(card.OpConsume, 1)
	err = p2.Consume(ctx, card.ConsumeRequest{Ref: wc.Ref})
	require.ErrorIs(t, err, card.ErrOutcomeUnknown)
	assert.False(t, card.IsRetryable(err))
	assert.ErrorIs(t, p2.Consume(ctx, card.ConsumeRequest{Ref: wc.Ref}), card.ErrConflict, "the lost consume was applied")
}

func TestLatencyHonoursContext(t *testing.T) {
	p := mock.NewAlipay(nil)
	tpl := template(t, p, card.TemplateSpec{})
	p.SetLatency(card.OpOpen, time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Open(ctx, openReq(tpl, "1"))
	require.Equal(t, context.DeadlineExceeded, err, "the bare context error")
	assert.Less(t, time.Since(start), time.Second, "latency ignored the context")
	p.SetLatency(card.OpOpen, 0)
	_, err = p.Open(context.Background(), openReq(tpl, "1"))
	assert.NoError(t, err, "the canceled open must not have been applied")
}

func TestExpireAndRevokeCredentials(t *testing.T) {
	ctx := context.Background()
	p := mock.NewAlipay(nil)
	tpl := template(t, p, card.TemplateSpec{})
	c, err := p.Open(ctx, openReq(tpl, "1"))
	require.NoError(t, err)
	p.ExpireCredentials()
	_, err = p.Open(ctx, openReq(tpl, "1"))
	assert.ErrorIs(t, err, card.ErrUnauthenticated, "an auth token seen before expiry")
	_, err = p.Open(ctx, card.OpenRequest{TemplateID: tpl, ExternalNo: "E2", Holder: "20882", AuthToken: "fresh"})
	assert.NoError(t, err, "a token issued after expiry")

	p.RevokeCredentials()
	_, err = p.Get(ctx, c.Ref)
	assert.ErrorIs(t, err, card.ErrUnauthenticated)
	p.RestoreCredentials()
	_, err = p.Get(ctx, c.Ref)
	assert.NoError(t, err)
}
