package wechattest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stable asks /cgi-bin/stable_token for a token (force: force_refresh) and
// returns the token and expires_in, or the errcode.
func (c *tc) stable(force bool) (string, int64, int) {
	c.t.Helper()
	body := map[string]any{"grant_type": "client_credential", "appid": c.s.AppID(), "secret": c.s.AppSecret()}
	if force {
		body["force_refresh"] = true
	}
	m := c.raw("/cgi-bin/stable_token", body)
	if code := errcode(m); code != 0 {
		return "", 0, code
	}
	tok, _ := m["access_token"].(string)
	return tok, int64(num(m["expires_in"])), 0
}

// works reports whether tok is accepted by an API call.
func (c *tc) works(tok string) int {
	c.t.Helper()
	saved := c.token
	defer func() { c.token = saved }()
	c.token = tok
	return errcode(c.raw("/card/getcolors", "{}"))
}

// TestStableTokenNormalModeShares: every normal-mode caller gets the same
// token, with expires_in counting down; in its last five minutes the next
// token is issued and both work until the old one expires.
func TestStableTokenNormalModeShares(t *testing.T) {
	clk := newClock()
	c := newTC(t, &Options{Clock: clk.Now})
	a, ttlA, code := c.stable(false)
	require.Zero(t, code)
	assert.EqualValues(t, 7200, ttlA)
	clk.Add(time.Hour)
	b, ttlB, _ := c.stable(false)
	assert.Equal(t, a, b, "normal mode handed out a second token")
	assert.EqualValues(t, 3600, ttlB)
	// A /cgi-bin/token fetch does not touch stable tokens.
	c.fetchToken()
	clk.Add(30 * time.Minute)
	assert.Zero(t, c.works(a), "a classic token fetch ended the stable token")

	clk.Add(26 * time.Minute) // 4 minutes left: renewal window
	n, ttlN, _ := c.stable(false)
	assert.NotEqual(t, a, n, "no renewal in the last five minutes")
	assert.EqualValues(t, 7200, ttlN)
	assert.Zero(t, c.works(a), "old token died at the handover")
	assert.Zero(t, c.works(n))
	again, _, _ := c.stable(false)
	assert.Equal(t, n, again)
	clk.Add(4*time.Minute + time.Second)
	assert.Equal(t, 42001, c.works(a), "old token outlived its expiry")
	assert.Zero(t, c.works(n))
	all, forced := c.s.StableTokenFetches()
	assert.Equal(t, 4, all)
	assert.Zero(t, forced)
}

// TestStableTokenForceRefresh: force_refresh rotates the token, leaves the
// old one five minutes, a second force refresh 30 s later kills it at once, a
// force refresh sooner than 30 s does not rotate, and the 21st of a day
// answers 45009.
func TestStableTokenForceRefresh(t *testing.T) {
	clk := newClock()
	c := newTC(t, &Options{Clock: clk.Now})
	a, _, _ := c.stable(false)
	b, ttl, code := c.stable(true)
	require.Zero(t, code)
	require.NotEqual(t, a, b)
	assert.EqualValues(t, 7200, ttl)
	assert.Zero(t, c.works(a), "the replaced token must live five more minutes")
	n, _, _ := c.stable(false)
	assert.Equal(t, b, n, "normal mode after a force refresh")

	clk.Add(10 * time.Second)
	same, _, _ := c.stable(true)
	assert.Equal(t, b, same, "a force refresh within 30 s rotated the token")
	assert.Zero(t, c.works(a))

	clk.Add(25 * time.Second)
	d, _, _ := c.stable(true)
	require.NotEqual(t, b, d)
	assert.Equal(t, 40001, c.works(a), "two force refreshes 30 s apart leave the leaked token alive")
	assert.Zero(t, c.works(b), "the token just replaced must live five more minutes")
	clk.Add(5*time.Minute + time.Second)
	assert.Equal(t, 42001, c.works(b))
	assert.Zero(t, c.works(d))
	_, forced := c.s.StableTokenFetches()
	assert.Equal(t, 2, forced)

	// Quota: 3 used so far (one did not rotate but counts).
	require.Equal(t, 3, c.s.ForceRefreshesToday())
	for i := 3; i < 20; i++ {
		clk.Add(31 * time.Second)
		_, _, code := c.stable(true)
		require.Zero(t, code, "force refresh %d", i+1)
	}
	clk.Add(31 * time.Second)
	_, _, code = c.stable(true)
	assert.Equal(t, 45009, code, "the 21st force refresh of the day")
	cur, _, code := c.stable(false)
	assert.Zero(t, code, "normal mode must keep working when the force quota is used up")
	assert.Zero(t, c.works(cur))
	// The next Beijing day has a fresh quota.
	clk.Add(24 * time.Hour)
	_, _, code = c.stable(true)
	assert.Zero(t, code)
	assert.Equal(t, 1, c.s.ForceRefreshesToday())
}

// TestStableTokenAfterOutOfBandReset: ResetTokens and ExpireCredentials end the
// stable token too; the next normal-mode call gets a new one.
func TestStableTokenAfterOutOfBandReset(t *testing.T) {
	c := newTC(t, nil)
	a, _, _ := c.stable(false)
	c.s.ResetTokens()
	assert.Equal(t, 40001, c.works(a))
	assert.Empty(t, c.s.StableToken())
	b, _, _ := c.stable(false)
	require.NotEqual(t, a, b)
	assert.Zero(t, c.works(b))
	assert.Equal(t, b, c.s.StableToken())
	c.s.ExpireCredentials()
	assert.Equal(t, 42001, c.works(b))
	d, _, _ := c.stable(false)
	require.NotEqual(t, b, d)
	assert.Zero(t, c.works(d))
	assert.Equal(t, 2, c.s.TokenRejections())
}

// TestStableTokenBadRequests: credentials and grant are checked like WeChat.
func TestStableTokenBadRequests(t *testing.T) {
	c := newTC(t, nil)
	for _, tc := range []struct {
		body map[string]any
		want int
	}{
		{map[string]any{"grant_type": "client_credential", "appid": c.s.AppID(), "secret": "nope"}, 40125},
		{map[string]any{"grant_type": "client_credential", "appid": "wxnope", "secret": c.s.AppSecret()}, 40013},
		{map[string]any{"grant_type": "password", "appid": c.s.AppID(), "secret": c.s.AppSecret()}, 40002},
		{map[string]any{"grant_type": "client_credential", "secret": c.s.AppSecret()}, 41002},
		{map[string]any{"grant_type": "client_credential", "appid": c.s.AppID()}, 41004},
	} {
		assert.Equal(t, tc.want, errcode(c.raw("/cgi-bin/stable_token", tc.body)), "%v", tc.body)
	}
	assert.Equal(t, 43002, errcode(c.get("/cgi-bin/stable_token")), "GET")
	all, _ := c.s.StableTokenFetches()
	assert.Zero(t, all)
}

// TestRejectStableToken: API calls refuse the marked token while
// stable_token keeps serving it; a force refresh replaces it.
func TestRejectStableToken(t *testing.T) {
	c := newTC(t, nil)
	assert.Empty(t, c.s.RejectStableToken(), "no stable token yet")
	a, _, _ := c.stable(false)
	require.Equal(t, a, c.s.RejectStableToken())
	assert.Equal(t, 40001, c.works(a))
	again, _, _ := c.stable(false)
	assert.Equal(t, a, again, "normal mode must keep serving the rejected token")
	b, _, code := c.stable(true)
	require.Zero(t, code)
	require.NotEqual(t, a, b)
	assert.Zero(t, c.works(b))
	assert.Equal(t, 40001, c.works(a))
}
