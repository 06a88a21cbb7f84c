package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
)

// TestStateBoundToBrowser: /login sets an HttpOnly, SameSite=Lax, expiring
// state cookie; a callback whose state is not the browser's own cookie
// (missing or different) is refused before any code is redeemed, and a
// matching one clears the cookie.
func TestStateBoundToBrowser(t *testing.T) {
	gw := alipaytest.NewServer(nil)
	defer gw.Close()
	client, err := gw.NewClient()
	require.NoError(t, err)
	p, err := alipay.New(client, &alipay.Options{AuthorizeURL: gw.AuthorizeURL()})
	require.NoError(t, err)
	m := &merchant{p: p, redirect: "http://127.0.0.1/alipay/callback"}
	h := m.routes()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	var state *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == stateCookie {
			state = c
		}
	}
	require.NotNil(t, state)
	assert.True(t, state.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, state.SameSite)
	assert.Positive(t, state.MaxAge)
	require.NotEmpty(t, state.Value)
	loc, err := url.Parse(rec.Header().Get("Location"))
	require.NoError(t, err)
	require.Equal(t, state.Value, loc.Query().Get("state"), "the authorize URL carries the cookie's state")

	callback := func(stateParam string, cookie *http.Cookie) *httptest.ResponseRecorder {
		q := url.Values{"app_id": {gw.AppID()}, "auth_code": {"code-unused"}, "scope": {"auth_ecard"}, "state": {stateParam}}
		req := httptest.NewRequest(http.MethodGet, "/alipay/callback?"+q.Encode(), nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	// An attacker's callback (their own state, victim's browser without it).
	assert.Equal(t, http.StatusBadRequest, callback(state.Value, nil).Code, "no cookie")
	assert.Equal(t, http.StatusBadRequest, callback("attacker-state", state).Code, "other state")
	assert.Zero(t, gw.CallCount(alipay.MethodOAuthToken), "code redemptions for refused callbacks")
	// The matching state passes the check (the made-up code then fails at
	// the gateway) and the cookie is cleared.
	rec = callback(state.Value, state)
	cleared := false
	for _, c := range rec.Result().Cookies() {
		cleared = cleared || (c.Name == stateCookie && c.MaxAge < 0)
	}
	assert.True(t, cleared, "the state cookie is cleared")
	assert.Equal(t, 1, gw.CallCount(alipay.MethodOAuthToken), "the matching state redeems the code")
}
