package wechat

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat/wechattest"
)

// TestTokensComeFromStableTokenByDefault: a Provider fetches its token with
// stable_token in normal mode; a second process (another Provider) gets the
// same token from WeChat, so neither invalidates the other.
func TestTokensComeFromStableTokenByDefault(t *testing.T) {
	p, s := newTestProvider(t, nil)
	q := newProviderFor(t, s, nil)
	ctx := context.Background()
	a, err := p.accessToken(ctx, "X")
	require.NoError(t, err)
	b, err := q.accessToken(ctx, "X")
	require.NoError(t, err)
	assert.Equal(t, a, b, "two processes got different stable tokens")
	assert.Equal(t, 0, s.CallCount("/cgi-bin/token"))
	all, forced := s.StableTokenFetches()
	assert.Equal(t, 2, all)
	assert.Zero(t, forced)
	require.NoError(t, getColors(ctx, p))
	require.NoError(t, getColors(ctx, q))
}

// TestClassicTokenSource: TokenSourceClassic uses GET /cgi-bin/token.
func TestClassicTokenSource(t *testing.T) {
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	h := NewAccessTokenHandle(s.AppID(), s.AppSecret(), nil, &TokenOptions{BaseURL: s.URL(), Source: TokenSourceClassic})
	tok, err := h.GetAccessTokenContext(context.Background())
	require.NoError(t, err)
	require.NotEmpty(t, tok)
	assert.Equal(t, 1, s.CallCount("/cgi-bin/token"))
	assert.Equal(t, 0, s.CallCount("/cgi-bin/stable_token"))
	assert.Equal(t, TokenSourceClassic, h.Source())
}

// TestForceRefreshOnlyWhenRejectedTokenIsCurrent: WeChat rejects a token
// (40001) that stable_token keeps handing out: one force refresh replaces
// it. An out-of-band reset (the token revoked) is repaired in normal mode,
// without force refresh.
func TestForceRefreshOnlyWhenRejectedTokenIsCurrent(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	require.NoError(t, getColors(ctx, p))
	first := s.StableToken()

	s.ResetTokens()
	require.NoError(t, getColors(ctx, p))
	_, forced := s.StableTokenFetches()
	assert.Zero(t, forced, "an out-of-band reset must be repaired in normal mode")
	second := s.StableToken()
	require.NotEqual(t, first, second)

	s.FailNextCode(colorsPath, 40001, 1) // WeChat rejects a token it still considers current
	require.NoError(t, getColors(ctx, p))
	all, forced := s.StableTokenFetches()
	assert.Equal(t, 1, forced)
	assert.Equal(t, 4, all, "first, reset, normal (same token), force")
	assert.NotEqual(t, second, s.StableToken())
}

// TestForceRefreshSpacingAndQuota: a second force refresh sooner than the
// spacing, or beyond the daily quota, is not sent; the error says why and is
// card.ErrRateLimited. WeChat's own 45009 says the quota is exhausted.
func TestForceRefreshSpacingAndQuota(t *testing.T) {
	reject := func(s *wechattest.Server) { s.FailNextCode(colorsPath, 40001, 1) }
	t.Run("spacing", func(t *testing.T) {
		p, s := newTestProvider(t, nil)
		ctx := context.Background()
		reject(s)
		require.NoError(t, getColors(ctx, p))
		reject(s)
		err := getColors(ctx, p)
		require.ErrorIs(t, err, card.ErrRateLimited)
		assert.Contains(t, err.Error(), "less than 30s ago")
		_, forced := s.StableTokenFetches()
		assert.Equal(t, 1, forced)
		assert.Equal(t, 1, s.ForceRefreshesToday(), "a refused force refresh reached WeChat")
	})
	t.Run("quota", func(t *testing.T) {
		s := wechattest.NewServer(&wechattest.Options{ForceRefreshSpacing: time.Nanosecond})
		t.Cleanup(s.Close)
		h := NewAccessTokenHandle(s.AppID(), s.AppSecret(), nil, &TokenOptions{BaseURL: s.URL(), ForceRefreshPerDay: 2, ForceRefreshSpacing: time.Nanosecond})
		ctx := context.Background()
		for i := 0; i < 2; i++ {
			tok, err := h.GetAccessTokenContext(ctx)
			require.NoError(t, err)
			next, err := h.RefreshAccessTokenContext(ctx, tok)
			require.NoError(t, err)
			require.NotEqual(t, tok, next)
		}
		tok, _ := h.GetAccessTokenContext(ctx)
		_, err := h.RefreshAccessTokenContext(ctx, tok)
		require.ErrorIs(t, err, card.ErrRateLimited)
		assert.Contains(t, err.Error(), "force_refresh quota is exhausted (2 of 2 used today")
		assert.Equal(t, 2, s.ForceRefreshesToday())
	})
	t.Run("WeChat answers 45009", func(t *testing.T) {
		s := wechattest.NewServer(&wechattest.Options{ForceRefreshPerDay: 1, ForceRefreshSpacing: time.Nanosecond})
		t.Cleanup(s.Close)
		h := NewAccessTokenHandle(s.AppID(), s.AppSecret(), nil, &TokenOptions{BaseURL: s.URL(), ForceRefreshSpacing: time.Nanosecond})
		ctx := context.Background()
		tok, _ := h.GetAccessTokenContext(ctx)
		tok, err := h.RefreshAccessTokenContext(ctx, tok)
		require.NoError(t, err)
		_, err = h.RefreshAccessTokenContext(ctx, tok)
		require.ErrorIs(t, err, card.ErrRateLimited)
		var ce *card.Error
		require.True(t, errors.As(err, &ce))
		assert.Equal(t, "45009", ce.Code)
		assert.Contains(t, err.Error(), "force_refresh quota is exhausted")
	})
	t.Run("classic tokens never force", func(t *testing.T) {
		s := wechattest.NewServer(nil)
		t.Cleanup(s.Close)
		h := NewAccessTokenHandle(s.AppID(), s.AppSecret(), nil, &TokenOptions{BaseURL: s.URL(), Source: TokenSourceClassic})
		ctx := context.Background()
		tok, _ := h.GetAccessTokenContext(ctx)
		next, err := h.RefreshAccessTokenContext(ctx, tok)
		require.NoError(t, err)
		assert.NotEqual(t, tok, next)
		all, _ := s.StableTokenFetches()
		assert.Zero(t, all)
	})
}

// TestNoSecretInForceRefreshErrors: the errors of this layer never carry the secret or a token.
func TestNoSecretInForceRefreshErrors(t *testing.T) {
	s := wechattest.NewServer(&wechattest.Options{AppSecret: "SECRET-abc-123"})
	t.Cleanup(s.Close)
	h := NewAccessTokenHandle(s.AppID(), s.AppSecret(), nil, &TokenOptions{BaseURL: s.URL(), ForceRefreshPerDay: 1})
	ctx := context.Background()
	tok, _ := h.GetAccessTokenContext(ctx)
	tok2, err := h.RefreshAccessTokenContext(ctx, tok)
	require.NoError(t, err)
	_, err = h.RefreshAccessTokenContext(ctx, tok2)
	require.Error(t, err)
	for _, secret := range []string{"SECRET-abc-123", tok, tok2} {
		assert.False(t, strings.Contains(err.Error(), secret), "error %q carries a secret", err)
	}
}
