package wechat

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/heapwatch"
	"github.com/walletcard/card/internal/retry"
	"github.com/walletcard/card/wechat/wechattest"
)

// tokenPath is the wechattest path of source's token endpoint.
func tokenPath(source TokenSource) string { return "/cgi-bin/" + source.String() }

// TestTokenAnswerBounded: an endless token answer (200) is cut at the limit
// and reported as card.ErrUnavailable, with a peak heap growth far under 64
// MB; an endless non-2xx answer is refused from its status line without
// reading the body. Both hold for a merchant-supplied client and for both
// token endpoints.
func TestTokenAnswerBounded(t *testing.T) {
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	for _, status := range []int{http.StatusOK, http.StatusBadGateway} {
		answer := wechattest.EndlessBody()
		if status != http.StatusOK {
			answer = wechattest.ErrorStatus(status, 512<<20)
		}
		for _, src := range []TokenSource{TokenSourceStable, TokenSourceClassic} {
			for _, client := range []*http.Client{nil, {Timeout: 10 * time.Second}} {
				s.HostileNext(tokenPath(src), answer)
				before := s.CallCount(tokenPath(src))
				h := NewAccessTokenHandle(s.AppID(), s.AppSecret(), nil, &TokenOptions{BaseURL: s.URL(), Source: src, HTTPClient: client})
				var err error
				start := time.Now()
				peak := heapwatch.PeakGrowth(func() { _, err = h.GetAccessTokenContext(context.Background()) })
				t.Logf("%v, %v answer, merchant client %v: %v after %v, peak heap growth %.1f MB", src, answer, client != nil, err, time.Since(start).Round(time.Millisecond), float64(peak)/(1<<20))
				require.Equal(t, 1, s.CallCount(tokenPath(src))-before, "the hostile answer was not the one served")
				require.ErrorIs(t, err, card.ErrUnavailable)
				assert.Less(t, peak, int64(64<<20))
				if status == http.StatusOK {
					assert.Contains(t, err.Error(), "answer larger than 1048576 bytes")
				} else {
					assert.Contains(t, err.Error(), "HTTP status 502")
				}
				assert.NotContains(t, err.Error(), s.AppSecret())
			}
		}
	}
}

// TestTicketAnswerBounded: the same for the wx_card getticket answer.
func TestTicketAnswerBounded(t *testing.T) {
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	p := newProviderFor(t, s, &Options{Retry: retry.Policy{Attempts: 1}})
	s.HostileNext("/cgi-bin/ticket/getticket", wechattest.EndlessBody())
	var err error
	peak := heapwatch.PeakGrowth(func() { _, err = p.CardAPITicket(context.Background()) })
	t.Logf("endless getticket answer: %v, peak heap growth %.1f MB", err, float64(peak)/(1<<20))
	require.ErrorIs(t, err, card.ErrUnavailable)
	assert.Less(t, peak, int64(64<<20))
	assert.Equal(t, 1, s.TicketFetches("wx_card"), "getticket requests")
}

// TestTokenAndTicketRedirectsRefused: a token endpoint (stable and classic)
// or a getticket endpoint answering 307 to another host fails the fetch;
// the other host receives nothing, so neither the app secret (in the
// stable_token body or the classic query) nor the access token travels
// there. A merchant's client is used but not changed.
func TestTokenAndTicketRedirectsRefused(t *testing.T) {
	var stolen atomic.Int64
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Add(1)
		_, _ = w.Write([]byte(`{"access_token":"T","ticket":"T","expires_in":7200}`))
	}))
	t.Cleanup(thief.Close)
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	merchant := &http.Client{Timeout: 5 * time.Second}
	for _, src := range []TokenSource{TokenSourceStable, TokenSourceClassic} {
		for _, client := range []*http.Client{nil, merchant} {
			s.HostileNext(tokenPath(src), wechattest.Redirect(http.StatusTemporaryRedirect, thief.URL+tokenPath(src)))
			h := NewAccessTokenHandle(s.AppID(), s.AppSecret(), nil, &TokenOptions{BaseURL: s.URL(), Source: src, HTTPClient: client})
			_, err := h.GetAccessTokenContext(context.Background())
			require.ErrorIs(t, err, card.ErrUnavailable, "%v", src)
			assert.Contains(t, err.Error(), "HTTP status 307: redirects are not followed")
			assert.NotContains(t, err.Error(), s.AppSecret())
		}
	}
	assert.Nil(t, merchant.CheckRedirect, "the merchant's client was changed")

	p := newProviderFor(t, s, &Options{Retry: retry.Policy{Attempts: 1}})
	s.HostileNext("/cgi-bin/ticket/getticket", wechattest.Redirect(http.StatusTemporaryRedirect, thief.URL+"/cgi-bin/ticket/getticket"))
	_, err := p.CardAPITicket(context.Background())
	require.ErrorIs(t, err, card.ErrUnavailable)
	assert.Contains(t, err.Error(), "redirects are not followed")
	assert.Zero(t, stolen.Load(), "a redirected token or ticket request reached another host")
}
