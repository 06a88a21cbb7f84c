package wechat

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat/wechattest"
)

// TestHandlerReplayWindow: a correctly signed push is accepted only while its
// signed timestamp is within MaxAge of the handler's clock.
func TestHandlerReplayWindow(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	unix := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	for _, tc := range []struct {
		name   string
		maxAge time.Duration
		ts     string
		want   int
	}{
		{"now", 0, unix(0), http.StatusOK},
		{"default window, 4m59s old", 0, unix(-4*time.Minute - 59*time.Second), http.StatusOK},
		{"default window, 5m01s old", 0, unix(-5*time.Minute - time.Second), http.StatusForbidden},
		{"default window, 5m01s ahead", 0, unix(5*time.Minute + time.Second), http.StatusForbidden},
		{"a day old", 0, unix(-24 * time.Hour), http.StatusForbidden},
		{"not a number", 0, "17e8", http.StatusForbidden},
		{"custom window 30s, 31s old", 30 * time.Second, unix(-31 * time.Second), http.StatusForbidden},
		{"custom window 30s, 29s old", 30 * time.Second, unix(-29 * time.Second), http.StatusOK},
		{"disabled, a year old", -1, unix(-365 * 24 * time.Hour), http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHandler(HandlerOptions{Token: "tok", MaxAge: tc.maxAge, Clock: func() time.Time { return now }})
			called := 0
			h.OnEvent(func(context.Context, card.Event) error { called++; return nil })
			q := url.Values{"signature": {util.Signature("tok", tc.ts, "n1")}, "timestamp": {tc.ts}, "nonce": {"n1"}}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/?"+q.Encode(), strings.NewReader(sampleUserGetCard)))
			if w.Code != tc.want {
				t.Fatalf("HTTP %d (%s), want %d", w.Code, strings.TrimSpace(w.Body.String()), tc.want)
			}
			if wantCalls := map[bool]int{true: 1, false: 0}[tc.want == http.StatusOK]; called != wantCalls {
				t.Fatalf("callback called %d times, want %d", called, wantCalls)
			}
		})
	}
}

// TestHandlerRejectsReplayedPushEndToEnd: a push signed by wechattest ten
// minutes ago (its clock behind) is refused by a Provider's handler, in plain
// and in safe mode; the current one is delivered.
func TestHandlerRejectsReplayedPushEndToEnd(t *testing.T) {
	for _, aesKey := range []string{"", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"} {
		var lag atomic.Int64 // how far wechattest's clock is behind
		p, s := newTestProvider(t, &wechattest.Options{EncodingAESKey: aesKey, Clock: func() time.Time { return time.Now().Add(-time.Duration(lag.Load())) }})
		h := p.NewHandler(&HandlerOptions{EncodingAESKey: aesKey})
		called := 0
		h.OnEvent(func(context.Context, card.Event) error { called++; return nil })
		eventServer(t, s, h)
		ev := wechattest.Event{Event: "user_get_card", FromUserName: "o", CardId: "c", UserCardCode: "1"}
		lag.Store(int64(10 * time.Minute))
		if err := s.Push(context.Background(), ev); err == nil || !strings.Contains(err.Error(), "403") {
			t.Fatalf("aes=%v: push from ten minutes ago: %v, want HTTP 403", aesKey != "", err)
		}
		lag.Store(0)
		if err := s.Push(context.Background(), ev); err != nil {
			t.Fatalf("aes=%v: fresh push: %v", aesKey != "", err)
		}
		if called != 1 {
			t.Fatalf("aes=%v: callback called %d times, want 1 (the fresh push only)", aesKey != "", called)
		}
	}
}
