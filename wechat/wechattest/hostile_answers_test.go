package wechattest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawPost posts body to path with the token, without following redirects,
// and returns the answer with its body (up to 64 MB).
func (c *tc) rawPost(t *testing.T, path, body string) (*http.Response, []byte) {
	t.Helper()
	hc := *c.s.HTTPClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Post(c.s.URL()+path+"?access_token="+url.QueryEscape(c.token), "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	require.NoError(t, err)
	return resp, b
}

// TestReplayRecordedAnswer: member A's userinfo answer, replayed to a
// request for member B, is served byte for byte; the replayed request is
// counted, not handled, not recorded.
func TestReplayRecordedAnswer(t *testing.T) {
	c := newTC(t, nil)
	id := c.createMember(nil)
	a, err := c.s.Claim(id, "openid-a", "")
	require.NoError(t, err)
	b, err := c.s.Claim(id, "openid-b", "")
	require.NoError(t, err)
	for _, code := range []string{a, b} {
		c.ok("/card/membercard/activate", map[string]any{"card_id": id, "code": code, "membership_number": "M-" + code})
		c.ok("/card/membercard/userinfo/get", map[string]any{"card_id": id, "code": code})
	}
	got := c.s.Answers("/card/membercard/userinfo/get")
	require.Len(t, got, 2)
	assert.Contains(t, got[0].Request, a)
	assert.Contains(t, string(got[0].Body), "openid-a")
	assert.Equal(t, "/card/membercard/userinfo/get", got[0].Op)

	c.s.ReplayNext("/card/membercard/userinfo/get", got[0])
	_, body := c.rawPost(t, "/card/membercard/userinfo/get", `{"card_id":"`+id+`","code":"`+b+`"}`)
	assert.Equal(t, got[0].Body, body, "served byte for byte")
	assert.Len(t, c.s.Answers("/card/membercard/userinfo/get"), 2, "a replayed answer is not recorded")
	assert.Equal(t, 3, c.s.CallCount("/card/membercard/userinfo/get"))

	// Across paths: an updateuser success served to a consume does not consume.
	c.ok("/card/membercard/updateuser", map[string]any{"card_id": id, "code": a, "bonus": 5})
	upd := c.s.Answers("/card/membercard/updateuser")
	require.Len(t, upd, 1)
	c.s.ReplayNext("/card/code/consume", upd[0])
	_, body = c.rawPost(t, "/card/code/consume", `{"card_id":"`+id+`","code":"`+b+`"}`)
	assert.Equal(t, upd[0].Body, body)
	m, _ := c.s.Member(id, b)
	assert.Equal(t, CodeNormal, m.Status, "the replayed consume must not be applied")
}

// TestAnswersRecordRequests: GET queries are recorded without the token or
// the secret; at most MaxRecordedAnswers per path; "" lists all in order.
func TestAnswersRecordRequests(t *testing.T) {
	c := newTC(t, nil)
	tok := c.s.Answers("/cgi-bin/token")
	require.Len(t, tok, 1)
	assert.NotContains(t, tok[0].Request, c.s.AppSecret())
	assert.Contains(t, tok[0].Request, "appid="+c.s.AppID())
	for i := 0; i < MaxRecordedAnswers+2; i++ {
		c.ok("/card/getcolors", "{}")
	}
	c.fail(40073, "/card/get", map[string]any{"card_id": "nope"})
	assert.Len(t, c.s.Answers("/card/getcolors"), MaxRecordedAnswers)
	all := c.s.Answers("")
	require.Len(t, all, MaxRecordedAnswers+2)
	assert.Equal(t, "/card/get", all[len(all)-1].Op)
	assert.Contains(t, string(all[len(all)-1].Body), `"errcode":40073`, "errcode answers are recorded too")
}

// TestHostileBodies: raw, oversized and error-status answers, none of
// them applied.
func TestHostileBodies(t *testing.T) {
	c := newTC(t, nil)
	id := c.createMember(nil)
	forged := `{"errcode":0,"errmsg":"ok","card":{"card_id":"pFORGED"}}`
	c.s.HostileNext("/card/modifystock", RawBody([]byte(forged)))
	resp, body := c.rawPost(t, "/card/modifystock", `{"card_id":"`+id+`","reduce_stock_value":10}`)
	assert.Equal(t, forged, string(body))
	assert.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"))
	n, _ := c.s.Stock(id)
	assert.EqualValues(t, 1000, n, "a request answered by a hostile body is not applied")

	const size = 5<<20 + 3
	c.s.HostileNext("/card/get", OversizedBody(size))
	resp, body = c.rawPost(t, "/card/get", `{}`)
	assert.Equal(t, strconv.Itoa(size), resp.Header.Get("Content-Length"))
	require.Len(t, body, size)
	assert.True(t, bytes.HasPrefix(body, []byte(`{"errcode":0,"errmsg":"ok","padding":"AAA`)))
	assert.True(t, json.Valid(body))

	c.s.HostileNext("", ErrorStatus(http.StatusServiceUnavailable, 2<<20))
	resp, body = c.rawPost(t, "/card/get", `{}`)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Len(t, body, 2<<20)

	c.s.HostileNext("/card/get", OversizedBody(5))
	_, body = c.rawPost(t, "/card/get", `{}`)
	assert.Equal(t, `{"err`, string(body))
	c.s.HostileNext("/card/get", RawBody(nil))
	c.s.HostileNext("/card/get", Hostile{})
	c.ok("/card/get", map[string]any{"card_id": id})
}

// TestCloseEndsEndlessBody: Close ends an endless answer still being read
// (the streams themselves are tested once, in internal/hostile).
func TestCloseEndsEndlessBody(t *testing.T) {
	s := NewServer(nil)
	s.HostileNext("", EndlessBody())
	resp, err := http.Get(s.URL() + "/card/getcolors")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, resp.Body); close(done) }()
	time.Sleep(50 * time.Millisecond)
	s.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the endless answer did not end on Close")
	}
	_ = resp.Body.Close()
}

// redirectCatcher records what a redirected client brings to another host.
type redirectCatcher struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []*http.Request
	body []string
}

func newRedirectCatcher(t *testing.T) *redirectCatcher {
	rc := &redirectCatcher{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, r)
		rc.body = append(rc.body, string(b))
		rc.mu.Unlock()
		_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// TestRedirect: a token fetch redirected with 302 carries the secret in the
// query to the other host; a card call redirected with 307 carries the
// access token and the body. Not followed, only the Location is seen.
func TestRedirect(t *testing.T) {
	c := newTC(t, nil)
	rc := newRedirectCatcher(t)
	c.s.HostileNext("/cgi-bin/token", Redirect(http.StatusFound, rc.URL+"/token"))
	q := url.Values{"grant_type": {"client_credential"}, "appid": {c.s.AppID()}, "secret": {c.s.AppSecret()}}
	resp, err := http.Get(c.s.URL() + "/cgi-bin/token?" + q.Encode()) // follows
	require.NoError(t, err)
	resp.Body.Close()
	c.s.HostileNext("/card/code/consume", Redirect(http.StatusTemporaryRedirect, rc.URL+"/consume"))
	resp, err = http.Post(c.s.URL()+"/card/code/consume?access_token="+url.QueryEscape(c.token), "application/json", strings.NewReader(`{"code":"123"}`))
	require.NoError(t, err)
	resp.Body.Close()

	c.s.HostileNext("/cgi-bin/stable_token", Redirect(http.StatusTemporaryRedirect, rc.URL+"/stable?from=wechattest"))
	resp, err = http.Post(c.s.URL()+"/cgi-bin/stable_token", "application/json",
		strings.NewReader(`{"grant_type":"client_credential","appid":"`+c.s.AppID()+`","secret":"`+c.s.AppSecret()+`"}`))
	require.NoError(t, err)
	resp.Body.Close()

	rc.mu.Lock()
	defer rc.mu.Unlock()
	require.Len(t, rc.reqs, 3)
	assert.Equal(t, c.s.AppSecret(), rc.reqs[0].URL.Query().Get("secret"), "the redirect keeps the query: the secret goes along")
	assert.Equal(t, http.MethodPost, rc.reqs[1].Method)
	assert.Equal(t, c.token, rc.reqs[1].URL.Query().Get("access_token"))
	assert.Equal(t, `{"code":"123"}`, rc.body[1])
	assert.Equal(t, "from=wechattest", rc.reqs[2].URL.RawQuery, "a location with a query is kept as given")
	assert.Contains(t, rc.body[2], c.s.AppSecret(), "a 307 re-sends the body, secret included")

	c.s.HostileNext("/card/get", Redirect(http.StatusPermanentRedirect, rc.URL+"/x"))
	resp2, _ := c.rawPost(t, "/card/get", "{}")
	assert.Equal(t, http.StatusPermanentRedirect, resp2.StatusCode)
	assert.Equal(t, rc.URL+"/x?access_token="+url.QueryEscape(c.token), resp2.Header.Get("Location"))
}
