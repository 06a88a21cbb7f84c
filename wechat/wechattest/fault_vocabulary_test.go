package wechattest

import (
	"bytes"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	card "github.com/walletcard/card"
)

// TestFailNextKinds: each kind is answered with WeChat's errcode for the
// path, and nothing is applied.
func TestFailNextKinds(t *testing.T) {
	c := newTC(t, nil)
	id := c.createMember(nil)
	code, err := c.s.Claim(id, "o1", "")
	require.NoError(t, err)
	cases := []struct {
		path string
		body any
		kind card.Kind
		want int
	}{
		{"/card/get", map[string]any{"card_id": id}, card.KindUnavailable, -1},
		{"/card/get", map[string]any{"card_id": id}, card.KindRateLimited, 45009},
		{"/card/get", map[string]any{"card_id": id}, card.KindPermissionDenied, 48001},
		{"/card/get", map[string]any{"card_id": id}, card.KindInvalidArgument, 40097},
		{"/card/get", map[string]any{"card_id": id}, card.KindNotFound, 40073},
		{"/card/code/get", map[string]any{"card_id": id, "code": code}, card.KindNotFound, 40056},
		{"/card/code/consume", map[string]any{"card_id": id, "code": code}, card.KindConflict, 40099},
		{"/card/membercard/updateuser", map[string]any{"card_id": id, "code": code, "bonus": 5}, card.KindConflict, 40079},
		{"/card/modifystock", map[string]any{"card_id": id, "reduce_stock_value": 10}, card.KindConflict, 40078},
		{"/card/modifystock", map[string]any{"card_id": id, "reduce_stock_value": 10}, card.KindUnauthenticated, 40001},
	}
	for _, tc := range cases {
		t.Run(tc.path+"/"+tc.kind.String(), func(t *testing.T) {
			c.s.FailNext(tc.path, tc.kind, 1)
			c.fail(tc.want, tc.path, tc.body)
		})
	}
	n, _ := c.s.Stock(id)
	assert.EqualValues(t, 999, n, "failed calls must not be applied (one code was claimed)")
	m, ok := c.s.Member(id, code)
	require.True(t, ok)
	assert.Zero(t, m.Bonus, "a failed updateuser must not be applied")
	assert.Equal(t, CodeNormal, m.Status, "a failed consume must not be applied")
	c.ok("/card/code/consume", map[string]any{"card_id": id, "code": code}) // every rule used up
}

// TestFailNextAnyPath: a "" rule fails the paths that have an answer for
// the kind and skips the others without being used up.
func TestFailNextAnyPath(t *testing.T) {
	c := newTC(t, nil)
	id := c.createMember(nil)
	c.s.FailNext("", card.KindNotFound, 1)
	c.fetchToken() // /cgi-bin/token has no not-found answer
	c.fail(40073, "/card/get", map[string]any{"card_id": id})
	c.ok("/card/get", map[string]any{"card_id": id})
	c.s.FailNext("", card.KindRateLimited, 3)
	c.fail(45009, "/card/get", map[string]any{"card_id": id})
	c.s.FailNext("", card.KindRateLimited, 0)
	c.ok("/card/get", map[string]any{"card_id": id})
}

// TestFailNextRefusesKindsWithoutAnswer: a test bug panics.
func TestFailNextRefusesKindsWithoutAnswer(t *testing.T) {
	s := NewServer(nil)
	defer s.Close()
	assert.Panics(t, func() { s.FailNext("/cgi-bin/token", card.KindNotFound, 1) })
	assert.Panics(t, func() { s.FailNext("", card.KindAlreadyExists, 1) })
	assert.Panics(t, func() { s.FailNext("/card/get", card.Kind(45009), 1) }, "an errcode passed as a kind")
	assert.NotPanics(t, func() { s.FailNext("/cgi-bin/token", card.KindNotFound, 0) })
}

// TestLoseAnswerNext: the call is applied and the connection closed with
// no answer; the lost answer is not recorded.
func TestLoseAnswerNext(t *testing.T) {
	c := newTC(t, nil)
	id := c.createMember(nil)
	c.s.LoseAnswerNext("/card/modifystock", 1)
	body := []byte(`{"card_id":"` + id + `","reduce_stock_value":10}`)
	resp, err := http.Post(c.s.URL()+"/card/modifystock?access_token="+url.QueryEscape(c.token), "application/json", bytes.NewReader(body))
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err, "the answer must be lost")
	n, _ := c.s.Stock(id)
	assert.EqualValues(t, 990, n, "the call whose answer was lost must be applied")
	assert.Empty(t, c.s.Answers("/card/modifystock"))
	c.ok("/card/modifystock", map[string]any{"card_id": id, "reduce_stock_value": 10})
	assert.Len(t, c.s.Answers("/card/modifystock"), 1)
}

// TestRevokeAndRestoreCredentials: while revoked the secret is refused at
// both token endpoints and live tokens answer 40001; after restore a fresh
// fetch works and the revoked token stays invalid.
func TestRevokeAndRestoreCredentials(t *testing.T) {
	c := newTC(t, nil)
	old := c.token
	c.s.RevokeCredentials()
	c.fail(40001, "/card/getcolors", "{}")
	q := url.Values{"grant_type": {"client_credential"}, "appid": {c.s.AppID()}, "secret": {c.s.AppSecret()}}
	assert.Equal(t, 40125, errcode(c.get("/cgi-bin/token?"+q.Encode())))
	m := c.raw("/cgi-bin/stable_token", map[string]any{"grant_type": "client_credential", "appid": c.s.AppID(), "secret": c.s.AppSecret()})
	assert.Equal(t, 40125, errcode(m))

	c.s.RestoreCredentials()
	c.token = c.fetchToken()
	c.ok("/card/getcolors", "{}")
	c.token = old
	c.fail(40001, "/card/getcolors", "{}")
}

// TestExpireCredentials: live tokens answer 42001; a fresh fetch works.
func TestExpireCredentials(t *testing.T) {
	c := newTC(t, nil)
	c.s.ExpireCredentials()
	c.fail(42001, "/card/getcolors", "{}")
	c.token = c.fetchToken()
	c.ok("/card/getcolors", "{}")
}

// TestOtherHTTPMethods: PUT answers 405 without using up a rule.
func TestOtherHTTPMethods(t *testing.T) {
	c := newTC(t, nil)
	c.s.FailNext("/card/getcolors", card.KindUnavailable, 1)
	req, err := http.NewRequest(http.MethodPut, c.s.URL()+"/card/getcolors?access_token="+url.QueryEscape(c.token), nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	c.fail(-1, "/card/getcolors", "{}")
}
