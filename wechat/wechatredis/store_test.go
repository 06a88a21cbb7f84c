package wechatredis

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/walletcard/card/wechat"
)

// TestStoreCredentialProtocol: acquire adopts a valid value other than the
// rejected one, else takes the lock (once), replace is a compare-and-swap on
// the old value, a dead holder's lock expires, and release needs the owner.
func TestStoreCredentialProtocol(t *testing.T) {
	r := startRedis(t)
	s := New(newClient(t, r.Addr()), &Options{LockTTL: 300 * time.Millisecond})
	ctx := context.Background()
	now := time.Now()
	const key = "access_token:stable:wxA"

	a, err := s.AcquireCredential(ctx, key, "", now)
	require.NoError(t, err)
	require.NotEmpty(t, a.Owner, "an empty fleet must give the lock")
	assert.Empty(t, a.Stale)
	b, err := s.AcquireCredential(ctx, key, "", now)
	require.NoError(t, err)
	assert.Empty(t, b.Owner, "the lock was given twice")
	assert.Empty(t, b.Credential.Value)

	exp := now.Add(time.Hour).Truncate(time.Millisecond)
	got, err := s.ReplaceCredential(ctx, key, a.Stale, wechat.Credential{Value: "T1", Expiry: exp}, now)
	require.NoError(t, err)
	assert.Equal(t, "T1", got.Value)
	require.NoError(t, s.ReleaseCredential(ctx, key, "someone-else"))
	c, _ := s.AcquireCredential(ctx, key, "T1", now)
	assert.Empty(t, c.Owner, "a release by another owner freed the lock")
	require.NoError(t, s.ReleaseCredential(ctx, key, a.Owner))

	adopt, err := s.AcquireCredential(ctx, key, "", now)
	require.NoError(t, err)
	assert.Equal(t, "T1", adopt.Credential.Value)
	assert.True(t, adopt.Credential.Expiry.Equal(exp), "expiry %v, want %v", adopt.Credential.Expiry, exp)
	assert.Empty(t, adopt.Owner)

	// T1 rejected: the lock, with T1 as the stale value.
	rej, err := s.AcquireCredential(ctx, key, "T1", now)
	require.NoError(t, err)
	require.NotEmpty(t, rej.Owner)
	assert.Equal(t, "T1", rej.Stale)
	// Another member already stored T2 (as if the lock had expired meanwhile): our T3 loses.
	_, err = s.ReplaceCredential(ctx, key, "T1", wechat.Credential{Value: "T2", Expiry: exp}, now)
	require.NoError(t, err)
	got, err = s.ReplaceCredential(ctx, key, "T1", wechat.Credential{Value: "T3", Expiry: exp}, now)
	require.NoError(t, err)
	assert.Equal(t, "T2", got.Value, "a stale holder overwrote a newer value")

	// The lock of a holder that never releases expires.
	time.Sleep(350 * time.Millisecond)
	again, err := s.AcquireCredential(ctx, key, "T2", now)
	require.NoError(t, err)
	assert.NotEmpty(t, again.Owner, "an expired lock still blocks the fleet")

	// An expired value is replaced whatever old says, and is never adopted.
	late := exp.Add(time.Minute)
	e, err := s.AcquireCredential(ctx, key, "", late)
	require.NoError(t, err)
	assert.Empty(t, e.Credential.Value, "an expired value was adopted")
	got, err = s.ReplaceCredential(ctx, key, "", wechat.Credential{Value: "T4", Expiry: late.Add(time.Hour)}, late)
	require.NoError(t, err)
	assert.Equal(t, "T4", got.Value)
}

// TestStoreForceRefreshBooking: the quota and the spacing are fleet-wide.
func TestStoreForceRefreshBooking(t *testing.T) {
	r := startRedis(t)
	s1 := New(newClient(t, r.Addr()), nil)
	s2 := New(newClient(t, r.Addr()), nil)
	ctx := context.Background()
	const key, day = "access_token:stable:wxA", "2026-03-10"
	b, err := s1.BookForceRefresh(ctx, key, day, 2, 200*time.Millisecond)
	require.NoError(t, err)
	assert.True(t, b.OK)
	assert.Equal(t, 1, b.Used)
	b, err = s2.BookForceRefresh(ctx, key, day, 2, 200*time.Millisecond)
	require.NoError(t, err)
	assert.False(t, b.OK, "spacing is not fleet-wide")
	assert.Positive(t, b.RetryAfter)
	time.Sleep(250 * time.Millisecond)
	b, _ = s2.BookForceRefresh(ctx, key, day, 2, 200*time.Millisecond)
	assert.True(t, b.OK)
	assert.Equal(t, 2, b.Used)
	time.Sleep(250 * time.Millisecond)
	b, _ = s1.BookForceRefresh(ctx, key, day, 2, 200*time.Millisecond)
	assert.False(t, b.OK, "quota is not fleet-wide")
	assert.Equal(t, 2, b.Used)
	assert.Zero(t, b.RetryAfter)
	b, _ = s1.BookForceRefresh(ctx, key, "2026-03-11", 2, 200*time.Millisecond)
	assert.True(t, b.OK, "a new day has a new quota")
}

// TestStoreClaims: claim once, settle only from the expected value, release
// only one's own claim, claims expire.
func TestStoreClaims(t *testing.T) {
	r := startRedis(t)
	s := New(newClient(t, r.Addr()), nil)
	ctx := context.Background()
	ok, _, err := s.Claim(ctx, "push:wx:1", "m1", time.Minute)
	require.NoError(t, err)
	require.True(t, ok)
	ok, cur, _ := s.Claim(ctx, "push:wx:1", "m2", time.Minute)
	assert.False(t, ok)
	assert.Equal(t, "m1", cur)
	require.NoError(t, s.Release(ctx, "push:wx:1", "m2"))
	ok, _, _ = s.Claim(ctx, "push:wx:1", "m2", time.Minute)
	assert.False(t, ok, "a release by another value freed the claim")
	settled, err := s.Settle(ctx, "push:wx:1", "m2", "done", time.Minute)
	require.NoError(t, err)
	assert.False(t, settled)
	settled, _ = s.Settle(ctx, "push:wx:1", "m1", "done", time.Minute)
	assert.True(t, settled)
	require.NoError(t, s.Release(ctx, "push:wx:1", "done"))
	ok, _, _ = s.Claim(ctx, "push:wx:1", "m3", 100*time.Millisecond)
	assert.True(t, ok)
	time.Sleep(150 * time.Millisecond)
	ok, _, _ = s.Claim(ctx, "push:wx:1", "m4", time.Minute)
	assert.True(t, ok, "a claim outlived its ttl")
}

// TestStoreDownFailsFast: with Redis stopped every operation fails within
// the Store's timeout.
func TestStoreDownFailsFast(t *testing.T) {
	r := startRedis(t)
	s := New(newClient(t, r.Addr()), &Options{Timeout: 200 * time.Millisecond})
	r.Stop()
	start := time.Now()
	_, err := s.AcquireCredential(context.Background(), "k", "", time.Now())
	require.Error(t, err)
	_, _, err = s.Claim(context.Background(), "k", "v", time.Second)
	require.Error(t, err)
	assert.Less(t, time.Since(start), time.Second)
}

// TestStorePrintsNoClientSecrets: the Store never prints its client (whose
// options hold the Redis password).
func TestStorePrintsNoClientSecrets(t *testing.T) {
	s := New(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", Password: "REDIS-PASSWORD-9"}), nil)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, s)
		assert.NotContains(t, out, "REDIS-PASSWORD-9")
		assert.Contains(t, out, "wechatredis.Store{")
	}
	b, err := s.MarshalJSON()
	require.NoError(t, err)
	assert.NotContains(t, string(b), "REDIS-PASSWORD-9")
	assert.Contains(t, s.LogValue().String(), "walletcard:wechat:")
}

// TestNewRefusesBadSetup: no client, or a prefix with a hash-tag brace.
func TestNewRefusesBadSetup(t *testing.T) {
	assert.Panics(t, func() { New(nil, nil) })
	assert.Panics(t, func() { New(redis.NewClient(&redis.Options{}), &Options{Prefix: "a{b}"}) })
}
