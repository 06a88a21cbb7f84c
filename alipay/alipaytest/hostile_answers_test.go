package alipaytest

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

// signedValues returns a request for method signed with the app key.
func (e *env) signedValues(t *testing.T, method, biz string) url.Values {
	v := e.baseValues(method, biz)
	sign(appKey(t), v)
	return v
}

// rawPost sends v without following redirects and returns the answer
// with its body read (up to 64 MB).
func (e *env) rawPost(t *testing.T, v url.Values) (*http.Response, []byte) {
	t.Helper()
	c := *e.srv.HTTPClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.PostForm(e.srv.URL(), v)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	require.NoError(t, err)
	return resp, b
}

// cardNo reads card_info.biz_card_no from a card.query or card.open node.
func cardNo(t *testing.T, r *result) string {
	var ci struct {
		BizCardNo string `json:"biz_card_no"`
	}
	r.obj(t, "card_info", &ci)
	return ci.BizCardNo
}

// TestReplayRecordedAnswer: a genuine signed answer to a query of card A,
// replayed to a query of card B, still verifies — the client gets card A
// unless it checks what the answer echoes — and the replayed request is
// not recorded again.
func TestReplayRecordedAnswer(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	_, a := e.open(tpl, nil)
	_, b := e.open(tpl, nil)
	q := func(no string) map[string]any {
		return map[string]any{"target_card_no": no, "target_card_no_type": "BIZ_CARD"}
	}
	e.ok(MethodCardQuery, q(a), nil)
	e.ok(MethodCardQuery, q(b), nil)

	answers := e.srv.Answers(MethodCardQuery)
	require.Len(t, answers, 2)
	assert.Contains(t, answers[0].Request, a)
	assert.Contains(t, answers[1].Request, b)
	assert.Equal(t, http.StatusOK, answers[0].Status)
	assert.Contains(t, string(answers[0].Body), `"sign":"`)

	e.srv.ReplayNext(MethodCardQuery, answers[0])
	r := e.ok(MethodCardQuery, q(b), nil) // smartwalle verifies the signature: it is genuine
	assert.Equal(t, a, cardNo(t, r), "the replayed answer is card A's")
	assert.Len(t, e.srv.Answers(MethodCardQuery), 2, "a replayed answer is not recorded")
	assert.Equal(t, 3, e.srv.CallCount(MethodCardQuery))
	e.ok(MethodCardQuery, q(b), nil) // used up
}

// TestReplayAcrossMethods: an update's signed answer served to a delete is
// written byte for byte and the delete is not applied.
func TestReplayAcrossMethods(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	_, no := e.open(tpl, nil)
	e.ok(MethodCardUpdate, map[string]any{"target_card_no": no, "target_card_no_type": "BIZ_CARD",
		"occur_time": "2026-01-01 00:00:00", "card_info": map[string]any{"point": "5"}}, nil)
	upd := e.srv.Answers(MethodCardUpdate)
	require.Len(t, upd, 1)

	e.srv.ReplayNext(MethodCardDelete, upd[0])
	del := `{"out_serial_no":"d1","target_card_no":"` + no + `","target_card_no_type":"BIZ_CARD","reason_code":"CANCEL"}`
	resp, body := e.rawPost(t, e.signedValues(t, MethodCardDelete, del))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, upd[0].Body, body)
	c, ok := e.srv.Card(no)
	require.True(t, ok)
	assert.False(t, c.Deleted, "a replayed answer must not apply the delete")
	assert.Empty(t, e.srv.Answers(MethodCardDelete))
}

// TestAnswersKeepTheLatest: at most MaxRecordedAnswers per method; ""
// lists every method in order.
func TestAnswersKeepTheLatest(t *testing.T) {
	e := newEnv(t, nil)
	tpl := e.template(nil)
	for i := 0; i < MaxRecordedAnswers+3; i++ {
		e.ok(MethodTemplateQuery, map[string]any{"template_id": tpl}, nil)
	}
	e.ok(MethodTemplateBatchQuery, nil, nil)
	assert.Len(t, e.srv.Answers(MethodTemplateQuery), MaxRecordedAnswers)
	all := e.srv.Answers("")
	require.Len(t, all, MaxRecordedAnswers+2) // + create + batchquery
	assert.Equal(t, MethodTemplateBatchQuery, all[len(all)-1].Op)
	// Answers returns copies.
	all[0].Body[0] = 'X'
	assert.NotEqual(t, byte('X'), e.srv.Answers("")[0].Body[0])
}

// TestRawBody: the next answer is the given bytes; the request is counted
// but not applied.
func TestRawBody(t *testing.T) {
	e := newEnv(t, nil)
	forged := []byte(`{"error_response":{"code":"40004","sub_code":"CARD_NOT_EXIT"}}`)
	e.srv.HostileNext(MethodTemplateCreate, RawBody(forged))
	biz := `{"request_id":"r1","card_type":"OUT_MEMBER_CARD","biz_no_suffix_len":"10","template_style_info":{"card_show_name":"x"}}`
	resp, body := e.rawPost(t, e.signedValues(t, MethodTemplateCreate, biz))
	assert.Equal(t, forged, body)
	assert.Equal(t, "application/json;charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, 1, e.srv.CallCount(MethodTemplateCreate))
	var total int
	e.ok(MethodTemplateBatchQuery, nil, nil).obj(t, "template_total", &total)
	assert.Zero(t, total, "the request answered by RawBody must not run")

	// "" catches the next request whatever its method; the zero Hostile cancels.
	e.srv.HostileNext("", RawBody([]byte("x")))
	e.srv.HostileNext("", Hostile{})
	e.ok(MethodTemplateBatchQuery, nil, nil)
}

// TestOversizedBody: exactly n bytes, announced in Content-Length, shaped
// like a success node; a size below the frame cuts it.
func TestOversizedBody(t *testing.T) {
	e := newEnv(t, nil)
	const n = 3<<20 + 7
	e.srv.HostileNext(MethodCardQuery, OversizedBody(n))
	resp, body := e.rawPost(t, e.signedValues(t, MethodCardQuery, `{"target_card_no":"x","target_card_no_type":"BIZ_CARD"}`))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, strconv.Itoa(n), resp.Header.Get("Content-Length"))
	require.Len(t, body, n)
	assert.True(t, bytes.HasPrefix(body, []byte(`{"alipay_marketing_card_query_response":{"code":"10000"`)))
	assert.True(t, json.Valid(body), "the oversized answer is valid JSON")

	e.srv.HostileNext(MethodCardQuery, OversizedBody(10))
	_, body = e.rawPost(t, e.signedValues(t, MethodCardQuery, `{}`))
	assert.Equal(t, `{"alipay_m`, string(body))
}

// TestCloseEndsEndlessBody: Close ends an endless answer a client is still
// reading (the server gives hostile.Serve its done channel; how endless and
// oversized answers stream is internal/hostile's bounded_streams_test.go).
func TestCloseEndsEndlessBody(t *testing.T) {
	s := NewServer(nil)
	s.HostileNext("", EndlessBody())
	resp, err := s.HTTPClient().Post(s.URL(), "application/x-www-form-urlencoded", strings.NewReader("method=x"))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, resp.Body)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	s.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the endless answer did not end on Close")
	}
	assert.Less(t, time.Since(start), 3*time.Second)
	_ = resp.Body.Close()
}

// TestErrorStatus: a non-2xx status with a body of n bytes.
func TestErrorStatus(t *testing.T) {
	e := newEnv(t, nil)
	e.srv.HostileNext(MethodCardQuery, ErrorStatus(http.StatusBadGateway, 1<<20))
	resp, body := e.rawPost(t, e.signedValues(t, MethodCardQuery, `{}`))
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.Len(t, body, 1<<20)
	assert.True(t, strings.HasPrefix(string(body), "<html>"))
}

// catcher records what a redirected client sends to another host.
type catcher struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []caught
}

type caught struct {
	method, path string
	query        url.Values
	body         string
}

func newCatcher(t *testing.T) *catcher {
	c := &catcher{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		c.mu.Lock()
		c.reqs = append(c.reqs, caught{r.Method, r.URL.Path, r.URL.Query(), string(b)})
		c.mu.Unlock()
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *catcher) caught() []caught {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]caught(nil), c.reqs...)
}

// TestRedirect: the answer redirects to another URL; a client that
// follows a 307 carries the whole signed request (auth_token included)
// there, a 302 turns it into a GET.
func TestRedirect(t *testing.T) {
	e := newEnv(t, nil)
	c := newCatcher(t)
	e.srv.HostileNext(MethodCardQuery, Redirect(http.StatusTemporaryRedirect, c.URL+"/steal"))
	resp, _ := e.rawPost(t, e.signedValues(t, MethodCardQuery, `{}`))
	assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	assert.Equal(t, c.URL+"/steal", resp.Header.Get("Location"))
	assert.Empty(t, c.caught(), "not followed: nothing reached the other host")

	// smartwalle's client follows the redirect with the signed body.
	e.srv.HostileNext(MethodCardOpen, Redirect(http.StatusTemporaryRedirect, c.URL+"/steal"))
	_, err := e.try(MethodCardOpen, map[string]any{"out_serial_no": "s"}, map[string]string{"auth_token": "authusrBsecret"})
	require.Error(t, err) // the catcher's {} is no Alipay answer
	got := c.caught()
	require.Len(t, got, 1)
	assert.Equal(t, http.MethodPost, got[0].method)
	assert.Contains(t, got[0].body+got[0].query.Encode(), "authusrBsecret")

	e.srv.HostileNext("", Redirect(http.StatusFound, c.URL+"/found"))
	_, _ = e.try(MethodTemplateBatchQuery, nil, nil)
	got = c.caught()
	require.Len(t, got, 2)
	assert.Equal(t, http.MethodGet, got[1].method, "a 302 is followed with GET")
	assert.Zero(t, e.srv.CardCount())
}
