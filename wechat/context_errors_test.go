package wechat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat/wechattest"
)

// wantTransportTimeout checks the context-error contract for a client
// timeout while the caller's ctx is live: a retryable KindUnavailable
// *card.Error naming provider and op, not a bare context error.
func wantTransportTimeout(t *testing.T, what, op string, err error) {
	t.Helper()
	if err == context.DeadlineExceeded || err == context.Canceled {
		t.Fatalf("%s: bare context error %v", what, err)
	}
	var ce *card.Error
	if !errors.As(err, &ce) || ce.Kind != card.KindUnavailable || ce.Provider != Name || ce.Op != op || !card.IsRetryable(err) {
		t.Fatalf("%s: got %#v (%v); want a retryable unavailable *card.Error for %s", what, err, err, op)
	}
}

// TestClientTimeoutIsUnavailable: an HTTPClient.Timeout shorter than the
// fake's latency, with a Background caller ctx, gives *card.Error
// unavailable at every transport site (API call, token fetch, QR image,
// multi-call CheckCodes); a canceled caller ctx gives the bare error.
func TestClientTimeoutIsUnavailable(t *testing.T) {
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	hc := &http.Client{Timeout: 50 * time.Millisecond}
	p := newProviderFor(t, s, &Options{HTTPClient: hc, Retry: card.RetryPolicy{Attempts: 1}})
	ctx := context.Background()
	tpl, err := p.CreateTemplate(ctx, card.TemplateSpec{Provider: Name, Title: "Gold", BrandName: "Shop", LogoURL: "http://mmbiz.qpic.cn/logo.png"})
	if err != nil {
		t.Fatal(err)
	}
	cardID := tpl.ID

	s.SetLatency("/card/get", 300*time.Millisecond)
	_, err = p.GetCard(ctx, GetCardRequest{CardID: cardID})
	wantTransportTimeout(t, "GetCard", "GetCard", err)
	_, err = p.GetTemplate(ctx, Name, cardID)
	wantTransportTimeout(t, "GetTemplate", "GetTemplate", err)

	s.SetLatency("/card/code/checkcode", 300*time.Millisecond)
	_, err = p.CheckCodes(ctx, CheckCodesRequest{CardID: cardID, Codes: []string{"A1"}})
	wantTransportTimeout(t, "CheckCodes", "CheckCodes", err)

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(300 * time.Millisecond):
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	pq := newProviderFor(t, s, &Options{HTTPClient: hc})
	pq.qrBaseURL = slow.URL
	_, err = pq.ShowQRCode(ctx, "T1")
	wantTransportTimeout(t, "ShowQRCode", "ShowQRCode", err)

	// A fresh provider whose first token fetch times out.
	p2 := newProviderFor(t, s, &Options{HTTPClient: hc, Retry: card.RetryPolicy{Attempts: 1}})
	s.SetLatency("/cgi-bin/stable_token", 300*time.Millisecond)
	_, err = p2.GetCard(ctx, GetCardRequest{CardID: cardID})
	wantTransportTimeout(t, "token fetch", "GetCard", err)
	s.SetLatency("/cgi-bin/stable_token", 0)

	// The caller's own deadline ending stays bare.
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = p.GetCard(cctx, GetCardRequest{CardID: cardID})
	if err != context.DeadlineExceeded {
		t.Fatalf("caller deadline: got %v, want bare context.DeadlineExceeded", err)
	}
	cctx, cancel = context.WithCancel(ctx)
	cancel()
	_, err = pq.ShowQRCode(cctx, "T1")
	if err != context.Canceled {
		t.Fatalf("canceled ShowQRCode: got %v, want bare context.Canceled", err)
	}
}

// TestTokenTimeoutSharedByWaiters: when the one token fetch of a flight times
// out (client timeout, callers' ctx live), every waiter gets the retryable
// *card.Error and no waiter starts another fetch.
func TestTokenTimeoutSharedByWaiters(t *testing.T) {
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	s.SetLatency("/cgi-bin/stable_token", 300*time.Millisecond)
	h := NewAccessTokenHandle(s.AppID(), s.AppSecret(), nil, &TokenOptions{BaseURL: s.URL(), HTTPClient: &http.Client{Timeout: 100 * time.Millisecond}})
	_, errs := stampede(20, func() (string, error) { return h.GetAccessTokenContext(context.Background()) })
	for i, err := range errs {
		wantTransportTimeout(t, fmt.Sprint("caller ", i), "GetAccessToken", err)
	}
	if n := s.CallCount("/cgi-bin/stable_token"); n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
}
