package alipay_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/alipay"
	"github.com/walletcard/card/alipay/alipaytest"
)

// otherHost is another host: it counts the requests it receives and those
// that carry a body or a secret.
type otherHost struct {
	srv     *httptest.Server
	mu      sync.Mutex
	total   int
	leaking int
}

func newOtherHost(t *testing.T, secrets []string) *otherHost {
	r := &otherHost{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		seen := req.URL.String() + " " + string(body)
		for k, v := range req.Header {
			seen += " " + k + ":" + strings.Join(v, ",")
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.total++
		leak := len(body) > 0 || strings.Contains(seen, "biz_content") || strings.Contains(seen, "sign=")
		for _, s := range secrets {
			leak = leak || strings.Contains(seen, s)
		}
		if leak {
			r.leaking++
		}
		http.Error(w, "other host", http.StatusTeapot)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *otherHost) counts() (total, leaking int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total, r.leaking
}

// TestRedirectsNeverLeaveTheHost: a redirect (every status) answered to a
// call carrying an auth_token and an app_auth_token never takes a request
// to another host, whatever client the provider was built with; the call
// fails unavailable (REDIRECT_REFUSED) and a mutation's outcome is unknown.
// A same-host redirect is not followed either.
func TestRedirectsNeverLeaveTheHost(t *testing.T) {
	s := newServer(t)
	appAuth := s.IssueAppAuthToken()
	uid, tok := member(s)
	other := newOtherHost(t, []string{appAuth, tok})
	providers := providersFor(t, s, func(o *alipay.Options) { o.AppAuthToken = appAuth })
	tpl := newTemplate(t, providers["New"])
	sent := 0
	for name, p := range providers {
		for _, status := range []int{301, 302, 303, 307, 308} {
			sent++
			s.HostileNext(alipay.MethodCardOpen, alipaytest.Redirect(status, other.srv.URL+"/gateway.do"))
			_, err := p.Open(ctx(t), card.OpenRequest{TemplateID: tpl, ExternalNo: "R1", Holder: uid, AuthToken: tok})
			require.ErrorIs(t, err, card.ErrOutcomeUnknown, "%s %d", name, status)
			assert.Equal(t, "REDIRECT_REFUSED", codeOfErr(err), "%s %d", name, status)
			assert.NotContains(t, err.Error(), tok)
		}
	}
	total, leaking := other.counts()
	t.Logf("%d redirects to another host: %d requests reached it, %d carrying a secret or a body", sent, total, leaking)
	assert.Zero(t, total)
	assert.Zero(t, leaking)

	// Same host: not followed either, by any client.
	for name, p := range providers {
		before := s.CallCount(alipay.MethodTemplateQuery)
		s.HostileNext(alipay.MethodTemplateQuery, alipaytest.Redirect(http.StatusTemporaryRedirect, s.URL()))
		_, err := p.GetTemplate(ctx(t), "", tpl)
		assert.Equal(t, "REDIRECT_REFUSED", codeOfErr(err), name)
		assert.Equal(t, before+1, s.CallCount(alipay.MethodTemplateQuery), name)
	}
}
