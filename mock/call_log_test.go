package mock_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/mock"
)

func TestCallLog(t *testing.T) {
	ctx := context.Background()
	p := mock.New(nil)
	tpl := template(t, p, card.TemplateSpec{})
	c, err := p.Open(ctx, openReq(tpl, "1"))
	require.NoError(t, err)
	_, _ = p.Get(ctx, card.Ref{Provider: card.Mock, TemplateID: tpl}) // invalid: no card no
	_, _ = p.Get(ctx, c.Ref)
	calls := p.Calls()
	require.Len(t, calls, 4) // CreateTemplate, Open, Get (refused), Get
	assert.Equal(t, card.OpGet, calls[2].Op)
	assert.False(t, calls[2].Reached)
	assert.ErrorIs(t, calls[2].Err, card.ErrInvalidArgument)
	assert.Equal(t, c.Ref, calls[3].Ref)
	assert.True(t, calls[3].Reached)
	assert.NoError(t, calls[3].Err)
	assert.Equal(t, 2, p.CallCount(card.OpGet))
	assert.Equal(t, 3, p.Reached())

	gets := p.Calls(card.OpGet)
	require.Len(t, gets, 2, "Calls filters by operation")
	assert.Len(t, p.Calls(card.OpOpen, card.OpGet), 3)
}

func TestCallLogIsCapped(t *testing.T) {
	p := mock.New(&mock.Options{CallLogLimit: 10})
	tpl := template(t, p, card.TemplateSpec{})
	c, err := p.Open(context.Background(), openReq(tpl, "1"))
	require.NoError(t, err)
	for i := 0; i < 100; i++ {
		_, _ = p.Get(context.Background(), c.Ref)
	}
	n := len(p.Calls())
	assert.True(t, n > 0 && n <= 10, "log has %d entries, want 1..10", n)
	assert.Equal(t, 102, p.Reached(), "the counter is not capped")
}

func TestHookAndLoggerSeeEveryCall(t *testing.T) {
	var infos []card.CallInfo
	p := mock.New(&mock.Options{Hook: func(_ context.Context, info card.CallInfo) { infos = append(infos, info) }})
	tpl := template(t, p, card.TemplateSpec{})
	_, err := p.Get(context.Background(), card.Ref{Provider: card.Mock, TemplateID: tpl, CardNo: "nope"})
	require.ErrorIs(t, err, card.ErrNotFound)
	require.Len(t, infos, 2)
	assert.Equal(t, card.OpGet, infos[1].Op)
	assert.Equal(t, 1, infos[1].Attempts)
	assert.Equal(t, card.KindNotFound, infos[1].Kind)
	assert.True(t, infos[1].OutcomeKnown)
}
