package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

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
	if err != nil {
		t.Fatal(err)
	}
	p, err := alipay.New(client, &alipay.Options{AuthorizeURL: gw.AuthorizeURL()})
	if err != nil {
		t.Fatal(err)
	}
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
	if state == nil || !state.HttpOnly || state.SameSite != http.SameSiteLaxMode || state.MaxAge <= 0 || state.Value == "" {
		t.Fatalf("state cookie %+v", state)
	}
	loc, _ := url.Parse(rec.Header().Get("Location"))
	if loc.Query().Get("state") != state.Value {
		t.Fatalf("authorize URL state %q, cookie %q", loc.Query().Get("state"), state.Value)
	}

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
	if rec := callback(state.Value, nil); rec.Code != http.StatusBadRequest {
		t.Errorf("no cookie: %d", rec.Code)
	}
	if rec := callback("attacker-state", state); rec.Code != http.StatusBadRequest {
		t.Errorf("other state: %d", rec.Code)
	}
	if n := gw.Calls(alipay.MethodOAuthToken); n != 0 {
		t.Errorf("%d code redemptions for refused callbacks", n)
	}
	// The matching state passes the check (the made-up code then fails at
	// the gateway) and the cookie is cleared.
	rec = callback(state.Value, state)
	cleared := false
	for _, c := range rec.Result().Cookies() {
		cleared = cleared || (c.Name == stateCookie && c.MaxAge < 0)
	}
	if !cleared || gw.Calls(alipay.MethodOAuthToken) != 1 {
		t.Errorf("matching state: cleared=%v redemptions=%d (%d %s)", cleared, gw.Calls(alipay.MethodOAuthToken), rec.Code, rec.Body)
	}
}
