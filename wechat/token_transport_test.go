package wechat

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
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

// endless writes an answer that never ends until the client goes away.
func endless(w http.ResponseWriter, r *http.Request, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	chunk := []byte(`{"access_token":"` + strings.Repeat("A", 32<<10))
	for r.Context().Err() == nil {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

// TestTokenAnswerBounded: an endless token answer (200) is cut at the limit
// and reported as card.ErrUnavailable, with a peak heap growth far under 64
// MB; an endless non-2xx answer is refused from its status line without
// reading the body. Both hold for a merchant-supplied client.
func TestTokenAnswerBounded(t *testing.T) {
	for _, status := range []int{http.StatusOK, http.StatusBadGateway} {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { endless(w, r, status) }))
		t.Cleanup(hs.Close)
		for _, client := range []*http.Client{nil, {Timeout: 10 * time.Second}} {
			h := NewAccessTokenHandle("wxapp", "SECRET-x", nil, &TokenOptions{BaseURL: hs.URL, HTTPClient: client})
			var err error
			start := time.Now()
			peak := heapwatch.PeakGrowth(func() { _, err = h.GetAccessTokenContext(context.Background()) })
			t.Logf("endless answer, HTTP %d, merchant client %v: %v after %v, peak heap growth %.1f MB", status, client != nil, err, time.Since(start).Round(time.Millisecond), float64(peak)/(1<<20))
			require.ErrorIs(t, err, card.ErrUnavailable)
			assert.Less(t, peak, int64(64<<20))
			if status == http.StatusOK {
				assert.Contains(t, err.Error(), "answer larger than 1048576 bytes")
			} else {
				assert.Contains(t, err.Error(), "HTTP status 502")
			}
			assert.NotContains(t, err.Error(), "SECRET-x")
		}
	}
}

// TestTicketAnswerBounded: the same for the wx_card getticket answer.
func TestTicketAnswerBounded(t *testing.T) {
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cgi-bin/ticket/getticket" {
			endless(w, r, http.StatusOK)
			return
		}
		forward(t, s, w, r)
	}))
	t.Cleanup(proxy.Close)
	p := providerAt(t, s, proxy.URL)
	var err error
	peak := heapwatch.PeakGrowth(func() { _, err = p.CardAPITicket(context.Background()) })
	t.Logf("endless getticket answer: %v, peak heap growth %.1f MB", err, float64(peak)/(1<<20))
	require.ErrorIs(t, err, card.ErrUnavailable)
	assert.Less(t, peak, int64(64<<20))
}

// forward relays r to the wechattest server s.
func forward(t *testing.T, s *wechattest.Server, w http.ResponseWriter, r *http.Request) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, s.URL()+r.URL.RequestURI(), r.Body)
	if err != nil {
		t.Error(err)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		_, _ = w.Write(buf[:n])
		if err != nil {
			return
		}
	}
}

// providerAt builds a Provider on s's credentials whose API host is base.
func providerAt(t *testing.T, s *wechattest.Server, base string) *Provider {
	t.Helper()
	p := newProviderFor(t, s, &Options{Retry: retry.Policy{Attempts: 1}})
	p.baseURL = base
	if h, ok := p.oa.GetContext().AccessTokenHandle.(*AccessTokenHandle); ok {
		h.baseURL = base
	}
	return p
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
	redirect := func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, thief.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}
	hs := httptest.NewServer(http.HandlerFunc(redirect))
	t.Cleanup(hs.Close)
	merchant := &http.Client{Timeout: 5 * time.Second}
	for _, src := range []TokenSource{TokenSourceStable, TokenSourceClassic} {
		for _, client := range []*http.Client{nil, merchant} {
			h := NewAccessTokenHandle("wxapp", "SECRET-y", nil, &TokenOptions{BaseURL: hs.URL, Source: src, HTTPClient: client})
			_, err := h.GetAccessTokenContext(context.Background())
			require.ErrorIs(t, err, card.ErrUnavailable, "%v", src)
			assert.Contains(t, err.Error(), "HTTP status 307: redirects are not followed")
			assert.NotContains(t, err.Error(), "SECRET-y")
		}
	}
	assert.Nil(t, merchant.CheckRedirect, "the merchant's client was changed")

	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cgi-bin/ticket/getticket" {
			redirect(w, r)
			return
		}
		forward(t, s, w, r)
	}))
	t.Cleanup(proxy.Close)
	p := providerAt(t, s, proxy.URL)
	_, err := p.CardAPITicket(context.Background())
	require.ErrorIs(t, err, card.ErrUnavailable)
	assert.Contains(t, err.Error(), "redirects are not followed")
	assert.Zero(t, stolen.Load(), "a redirected token or ticket request reached another host")
}
