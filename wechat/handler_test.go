package wechat

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"
	"github.com/stretchr/testify/require"

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
			h, herr := NewHandler(HandlerOptions{Token: "tok", MaxAge: tc.maxAge, Clock: func() time.Time { return now }})
			require.NoError(t, herr)
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
// minutes ago (its PushClock behind) is refused by a Provider's handler, in plain
// and in safe mode; the current one is delivered.
func TestHandlerRejectsReplayedPushEndToEnd(t *testing.T) {
	for _, aesKey := range []string{"", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"} {
		var lag atomic.Int64 // how far wechattest's clock is behind
		p, s := newTestProvider(t, &wechattest.Options{EncodingAESKey: aesKey, PushClock: func() time.Time { return time.Now().Add(-time.Duration(lag.Load())) }})
		h, herr := p.NewHandler(&HandlerOptions{EncodingAESKey: aesKey})
		require.NoError(t, herr)
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

// signedQuery is the query WeChat sends with a plaintext push: the signature
// covers only the token, timestamp and nonce (and is visible in any echostr
// check or access log).
func signedQuery(token, ts, nonce string) url.Values {
	return url.Values{"signature": {util.Signature(token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}}
}

// TestHandlerSafeModeRefusesPlaintext: with EncodingAESKey set, a POST
// without encrypt_type=aes is refused with 403 even when its signature is
// valid (the signature does not cover the body), and no callback runs.
func TestHandlerSafeModeRefusesPlaintext(t *testing.T) {
	h, herr := NewHandler(HandlerOptions{Token: "tok", EncodingAESKey: strings.Repeat("a", 43), AppID: "wxapp"})
	require.NoError(t, herr)
	called := 0
	h.OnCardEvent(func(context.Context, *CardEvent) error { called++; return nil })
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	q := signedQuery("tok", ts, "n1")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/?"+q.Encode(), strings.NewReader(sampleConsume)))
	if w.Code != http.StatusForbidden || called != 0 {
		t.Fatalf("forged plaintext push in safe mode: HTTP %d (%s), callback called %d times; want 403 and 0",
			w.Code, strings.TrimSpace(w.Body.String()), called)
	}
	// The same push is accepted by a plaintext-mode handler.
	h2, herr := NewHandler(HandlerOptions{Token: "tok"})
	require.NoError(t, herr)
	h2.OnCardEvent(func(context.Context, *CardEvent) error { called++; return nil })
	w = httptest.NewRecorder()
	h2.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/?"+q.Encode(), strings.NewReader(sampleConsume)))
	if w.Code != http.StatusOK || called != 1 {
		t.Fatalf("plaintext-mode handler: HTTP %d, called %d", w.Code, called)
	}
}

// TestHandlerRefusesReplayedNonce: a signed (timestamp, nonce) pair is
// accepted once within the window; the same query again is 403, another
// nonce passes, and a pair whose callback failed (500) may be delivered again.
func TestHandlerRefusesReplayedNonce(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	var clock atomic.Int64
	clock.Store(now.Unix())
	h, herr := NewHandler(HandlerOptions{Token: "tok", Clock: func() time.Time { return time.Unix(clock.Load(), 0) }})
	require.NoError(t, herr)
	called := 0
	fail := false
	h.OnCardEvent(func(context.Context, *CardEvent) error {
		called++
		if fail {
			return errors.New("db down")
		}
		return nil
	})
	post := func(ts, nonce string) int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/?"+signedQuery("tok", ts, nonce).Encode(), strings.NewReader(sampleConsume)))
		return w.Code
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	for i, tc := range []struct {
		nonce string
		fail  bool
		want  int
		calls int
	}{
		{"n1", false, http.StatusOK, 1},
		{"n1", false, http.StatusForbidden, 1}, // replay
		{"n2", false, http.StatusOK, 2},
		{"n3", true, http.StatusInternalServerError, 3},
		{"n3", false, http.StatusOK, 4}, // WeChat's redelivery after a 500
		{"n3", false, http.StatusForbidden, 4},
	} {
		fail = tc.fail
		if got := post(ts, tc.nonce); got != tc.want || called != tc.calls {
			t.Fatalf("step %d (nonce %s): HTTP %d, %d calls; want %d, %d", i, tc.nonce, got, called, tc.want, tc.calls)
		}
	}
	// After the window the pair is forgotten, and refused as stale anyway.
	clock.Store(now.Add(DefaultEventMaxAge + 2*time.Second).Unix())
	if got := post(ts, "n1"); got != http.StatusForbidden {
		t.Fatalf("stale replay: HTTP %d", got)
	}
}

// TestReplayMemoryBounded: the memory expires old pairs and never holds more
// than MaxReplayEntries.
func TestReplayMemoryBounded(t *testing.T) {
	now := time.Unix(50, 0)
	m := NewMemoryClaims(MaxReplayEntries, func() time.Time { return now })
	ctx := context.Background()
	for i := range MaxReplayEntries + 10 {
		ok, _, err := m.Claim(ctx, strconv.Itoa(i), "m", 50*time.Second)
		require.NoError(t, err)
		require.True(t, ok, "fresh key %d refused", i)
	}
	require.LessOrEqual(t, m.Len(), MaxReplayEntries)
	require.LessOrEqual(t, m.slots(), MaxReplayEntries)
	ok, cur, _ := m.Claim(ctx, strconv.Itoa(MaxReplayEntries+5), "m2", 50*time.Second)
	require.False(t, ok, "a recent key was accepted twice")
	require.Equal(t, "m", cur)
	// Everything expired at 101: the memory empties on the next claim.
	now = time.Unix(101, 0)
	ok, _, _ = m.Claim(ctx, "x", "m", 200*time.Second)
	require.True(t, ok)
	require.Equal(t, 1, m.Len())
	require.Equal(t, 1, m.slots())
	// Release undoes only its own claim; Settle replaces only the expected value.
	require.NoError(t, m.Release(ctx, "x", "other"))
	ok, _, _ = m.Claim(ctx, "x", "m", time.Second)
	require.False(t, ok)
	settled, _ := m.Settle(ctx, "x", "other", "done", time.Hour)
	require.False(t, settled)
	settled, _ = m.Settle(ctx, "x", "m", "done", time.Hour)
	require.True(t, settled)
	_, cur, _ = m.Claim(ctx, "x", "m", time.Second)
	require.Equal(t, "done", cur)
	require.NoError(t, m.Release(ctx, "x", "done"))
	ok, _, _ = m.Claim(ctx, "x", "m", time.Second)
	require.True(t, ok)
	_, _, err := m.Claim(ctx, "y", strings.Repeat("v", MaxClaimValueBytes+1), time.Second)
	require.Error(t, err)
}

// TestReplayMemoryBoundedUnderFailingHooks: 200,000 distinct pushes whose
// hook fails (each pair is given up again so that WeChat's redelivery
// passes), and 200,000 whose hook succeeds (each pair is kept), leave the
// handler's memory within MaxReplayEntries pairs and a fixed number of bytes
// a pair. Before, the order list grew by one entry per failed push (200,000
// measured). The pushes go through admit and its release, as ServeHTTP runs
// them; TestHandlerReplayBoundThroughServeHTTP runs the whole handler.
func TestReplayMemoryBoundedUnderFailingHooks(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	const pushes = 200_000
	for _, hookFails := range []bool{true, false} {
		h, herr := NewHandler(HandlerOptions{Token: "tok", Clock: func() time.Time { return now }})
		require.NoError(t, herr)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range pushes {
			release, status, err := h.admit(context.Background(), ts, strconv.Itoa(i))
			if err != nil {
				t.Fatalf("push %d refused: %d %v", i, status, err)
			}
			if hookFails {
				release()
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		held, slots := h.seen.Len(), h.seen.slots()
		growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
		t.Logf("hook fails=%v: %d pushes, %d pairs held, %d ring slots, heap growth %d bytes (%.1f MB, %d bytes a slot)",
			hookFails, pushes, held, slots, growth, float64(growth)/(1<<20), growth/int64(MaxReplayEntries))
		require.LessOrEqual(t, held, MaxReplayEntries)
		require.LessOrEqual(t, slots, MaxReplayEntries)
		require.Less(t, growth, int64(MaxReplayEntries*256), "replay memory grew beyond 256 bytes a pair")
		runtime.KeepAlive(h)
	}
}

// TestHandlerReplayBoundThroughServeHTTP: through ServeHTTP with a failing
// hook, every push is answered 500, its pair is given up (a redelivery
// passes), and the memory stays bounded; a small memory keeps the test fast.
func TestHandlerReplayBoundThroughServeHTTP(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	h, herr := NewHandler(HandlerOptions{Token: "tok", Clock: func() time.Time { return now }})
	require.NoError(t, herr)
	h.seen = NewMemoryClaims(100, h.now)
	h.OnCardEvent(func(context.Context, *CardEvent) error { return errors.New("db down") })
	ts := strconv.FormatInt(now.Unix(), 10)
	post := func(nonce string) int {
		r := httptest.NewRequest(http.MethodPost, "/?"+signedQuery("tok", ts, nonce).Encode(), strings.NewReader(sampleConsume))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	for i := range 1000 {
		require.Equal(t, http.StatusInternalServerError, post(strconv.Itoa(i)))
	}
	require.Equal(t, http.StatusInternalServerError, post("7"), "the redelivery of a failed push was refused")
	require.Zero(t, h.seen.Len())
	require.LessOrEqual(t, h.seen.slots(), 100)
}

// TestEchostrCheckUsesUpItsPair: the GET verification is refused outside the
// window, and its signed (timestamp, nonce) pair cannot be used again, for a
// GET or for a POST with any body.
func TestEchostrCheckUsesUpItsPair(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	h, herr := NewHandler(HandlerOptions{Token: "tok", Clock: func() time.Time { return now }})
	require.NoError(t, herr)
	called := 0
	h.OnCardEvent(func(context.Context, *CardEvent) error { called++; return nil })
	get := func(ts, nonce string) (int, string) {
		q := signedQuery("tok", ts, nonce)
		q.Set("echostr", "e123")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/?"+q.Encode(), nil))
		return w.Code, w.Body.String()
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	code, body := get(ts, "n1")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "e123", body)
	code, _ = get(ts, "n1")
	require.Equal(t, http.StatusForbidden, code, "a captured echostr URL was accepted twice")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/?"+signedQuery("tok", ts, "n1").Encode(), strings.NewReader(sampleConsume)))
	require.Equal(t, http.StatusForbidden, w.Code, "the echostr check's pair authenticated a POST")
	require.Zero(t, called)
	old := strconv.FormatInt(now.Add(-DefaultEventMaxAge-time.Second).Unix(), 10)
	code, body = get(old, "n2")
	require.Equal(t, http.StatusForbidden, code, "a stale echostr check was answered")
	require.NotContains(t, body, "e123")
}

// TestHandlerReplayedPushEndToEnd: a push captured from wechattest and sent
// again is refused, in plain and in safe mode.
func TestHandlerReplayedPushEndToEnd(t *testing.T) {
	for _, aesKey := range []string{"", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"} {
		p, s := newTestProvider(t, &wechattest.Options{EncodingAESKey: aesKey})
		h, herr := p.NewHandler(&HandlerOptions{EncodingAESKey: aesKey})
		require.NoError(t, herr)
		called := 0
		h.OnEvent(func(context.Context, card.Event) error { called++; return nil })
		var captured *http.Request
		var body string
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			captured, body = r, string(b)
			r.Body = io.NopCloser(strings.NewReader(body))
			h.ServeHTTP(w, r)
		}))
		s.SetEventURL(hs.URL + "/events")
		if err := s.Push(context.Background(), wechattest.Event{Event: "user_get_card", FromUserName: "o", CardId: "c", UserCardCode: "1"}); err != nil {
			t.Fatalf("aes=%v: genuine push: %v", aesKey != "", err)
		}
		hs.Close()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, captured.URL.String(), strings.NewReader(body)))
		if w.Code != http.StatusForbidden || called != 1 {
			t.Fatalf("aes=%v: replayed push: HTTP %d, callback called %d times; want 403, 1", aesKey != "", w.Code, called)
		}
	}
}

// TestShiftedServerClockStillPushes: a wechattest server whose Clock is a
// day ahead still signs pushes with the wall clock, so a Provider's handler
// (default clock) accepts them; the event's CreateTime follows Clock.
func TestShiftedServerClockStillPushes(t *testing.T) {
	ahead := 24 * time.Hour
	p, s := newTestProvider(t, &wechattest.Options{Clock: func() time.Time { return time.Now().Add(ahead) }})
	h, herr := p.NewHandler(nil)
	require.NoError(t, herr)
	var got []*CardEvent
	var mu sync.Mutex
	h.OnCardEvent(func(_ context.Context, ev *CardEvent) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
		return nil
	})
	eventServer(t, s, h)
	tpl, err := p.CreateTemplate(context.Background(), card.TemplateSpec{Provider: Name, Title: "Gold", BrandName: "Shop", LogoURL: "http://mmbiz.qpic.cn/logo.png"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(tpl.ID, "oU", ""); err != nil {
		t.Fatal(err)
	}
	s.WaitPushes()
	pushes := s.Pushes()
	if len(pushes) == 0 {
		t.Fatal("no pushes")
	}
	for _, r := range pushes {
		if r.Err != nil {
			t.Fatalf("push %s: %v", r.Event.Event, r.Err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(pushes) {
		t.Fatalf("%d callbacks for %d pushes", len(got), len(pushes))
	}
	if d := time.Until(got[0].CreateTime); d < ahead-time.Hour {
		t.Errorf("CreateTime is %v from now, want about %v (Clock)", d, ahead)
	}
}

// TestMemoryClaimsGrowsInOrder: the ring grows while it wraps around, and
// keeps every live claim and the expiry order.
func TestMemoryClaimsGrowsInOrder(t *testing.T) {
	now := time.Unix(1000, 0)
	m := NewMemoryClaims(100, func() time.Time { return now })
	ctx := context.Background()
	claim := func(k string, ttl time.Duration) bool {
		ok, _, err := m.Claim(ctx, k, "v", ttl)
		require.NoError(t, err)
		return ok
	}
	for i := range 32 {
		require.True(t, claim("short"+strconv.Itoa(i), time.Second))
	}
	for i := range 32 {
		require.True(t, claim("long"+strconv.Itoa(i), time.Hour))
	}
	now = now.Add(2 * time.Second) // the short ones expire: the head moves to the middle
	for i := range 40 {            // wraps around, then grows past 64 slots
		require.True(t, claim("new"+strconv.Itoa(i), time.Hour))
	}
	require.Equal(t, 72, m.Len())
	for i := range 32 {
		require.False(t, claim("long"+strconv.Itoa(i), time.Hour), "long%d lost in the growth", i)
		require.True(t, claim("short"+strconv.Itoa(i)+"x", time.Hour))
	}
	require.LessOrEqual(t, m.slots(), 100)
	require.LessOrEqual(t, m.Len(), 100)
	for i := range 40 {
		require.False(t, claim("new"+strconv.Itoa(i), time.Hour), "new%d lost", i)
	}
}

// TestHandlerSharedReplayDown: when the shared Replay store fails, a push is
// checked against the handler's own memory only, accepted, and
// OnStoreError is told; the same pair again is still refused by that memory.
func TestHandlerSharedReplayDown(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	var told []error
	h, err := NewHandler(HandlerOptions{Token: "tok", Clock: func() time.Time { return now },
		Replay: failingClaims{}, OnStoreError: func(err error) { told = append(told, err) }})
	require.NoError(t, err)
	called := 0
	h.OnCardEvent(func(context.Context, *CardEvent) error { called++; return nil })
	ts := strconv.FormatInt(now.Unix(), 10)
	post := func() int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/?"+signedQuery("tok", ts, "n1").Encode(), strings.NewReader(sampleConsume)))
		return w.Code
	}

	require.Equal(t, http.StatusOK, post(), "a push while the shared replay memory is down")
	require.Len(t, told, 1, "OnStoreError calls")
	require.ErrorIs(t, told[0], card.ErrUnavailable)
	require.ErrorContains(t, told[0], "connection refused")

	require.Equal(t, http.StatusForbidden, post(), "the same pair again: this handler's memory refuses it")
	require.Equal(t, 1, called)
}

// TestHandlerSharedReplay: two handlers sharing one Replay store (two
// instances behind one URL) accept a (timestamp, nonce) pair once between
// them; a pair whose hook failed on one (HTTP 500) is given up in the shared
// store too, so WeChat's redelivery to the other is handled.
func TestHandlerSharedReplay(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	shared := NewMemoryClaims(100, clock)
	var told atomic.Int64
	newHandler := func(fail *bool, called *int) *Handler {
		h, err := NewHandler(HandlerOptions{Token: "tok", Clock: clock, Replay: shared, OnStoreError: func(error) { told.Add(1) }})
		require.NoError(t, err)
		h.OnCardEvent(func(context.Context, *CardEvent) error {
			*called++
			if *fail {
				return errors.New("db down")
			}
			return nil
		})
		return h
	}
	var failA, failB bool
	var calledA, calledB int
	a, b := newHandler(&failA, &calledA), newHandler(&failB, &calledB)
	ts := strconv.FormatInt(now.Unix(), 10)
	post := func(h *Handler, nonce string) int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/?"+signedQuery("tok", ts, nonce).Encode(), strings.NewReader(sampleConsume)))
		return w.Code
	}

	require.Equal(t, http.StatusOK, post(a, "n1"))
	require.Equal(t, http.StatusForbidden, post(b, "n1"), "a pair A accepted, replayed to B")

	failA = true
	require.Equal(t, http.StatusInternalServerError, post(a, "n2"))
	require.Equal(t, http.StatusOK, post(b, "n2"), "the redelivery to B of a pair whose hook failed on A")
	require.Equal(t, http.StatusForbidden, post(a, "n2"), "the pair B accepted, replayed to A")

	require.Equal(t, 2, calledA)
	require.Equal(t, 1, calledB)
	require.Zero(t, told.Load(), "OnStoreError calls with a working store")
}
