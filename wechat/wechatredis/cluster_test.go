package wechatredis

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/internal/redistest"
	"github.com/walletcard/card/wechat"
	"github.com/walletcard/card/wechat/wechattest"
)

// TestStoreOnRedisCluster: through a *redis.ClusterClient (as
// redis.UniversalClient) on a cluster that refuses cross-slot scripts, the
// whole protocol works — the keys of one credential share a hash slot —
// and two Providers share one token and one ticket.
func TestStoreOnRedisCluster(t *testing.T) {
	r := redistest.StartCluster(t)
	newStore := func() *Store {
		var c redis.UniversalClient = redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{r.Addr()}})
		t.Cleanup(func() { _ = c.Close() })
		return New(c, nil)
	}
	st := newStore()
	ctx := context.Background()
	now := time.Now()
	a, err := st.AcquireCredential(ctx, "access_token:stable:wxC", "", now)
	require.NoError(t, err)
	require.NotEmpty(t, a.Owner)
	_, err = st.ReplaceCredential(ctx, "access_token:stable:wxC", "", wechat.Credential{Value: "T", Expiry: now.Add(time.Hour)}, now)
	require.NoError(t, err)
	require.NoError(t, st.ReleaseCredential(ctx, "access_token:stable:wxC", a.Owner))
	b, err := st.BookForceRefresh(ctx, "access_token:stable:wxC", "2026-03-10", 20, time.Second)
	require.NoError(t, err)
	assert.True(t, b.OK)
	ok, _, err := st.Claim(ctx, "push:wxC:abc", "m", time.Minute)
	require.NoError(t, err)
	assert.True(t, ok)

	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	p1 := fleetProvider(t, targetOf(s), newStore(), nil, nil, nil)
	p2 := fleetProvider(t, targetOf(s), newStore(), nil, nil, nil)
	for _, p := range []*wechat.Provider{p1, p2} {
		_, err := p.CardAPITicket(ctx)
		require.NoError(t, err)
		_, err = p.GetColors(ctx, wechat.GetColorsRequest{})
		require.NoError(t, err)
	}
	all, _ := s.StableTokenFetches()
	assert.Equal(t, 1, all)
	assert.Equal(t, 1, s.TicketFetches("wx_card"))
}
