package wechatredis

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat"
	"github.com/walletcard/card/wechat/wechattest"
)

// stampede runs fn n times at once and returns the errors.
func stampede(n int, fn func() error) []error {
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn()
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func countErrs(errs []error) int {
	n := 0
	for _, err := range errs {
		if err != nil {
			n++
		}
	}
	return n
}

// TestFleetInProcessOneFetch: four Providers, each with its own Redis
// client (four processes' worth of state in one), make one token fetch and
// one ticket fetch for 4 × 250 concurrent calls, and none after a rejection
// other than the one that replaces the token.
func TestFleetInProcessOneFetch(t *testing.T) {
	r := startRedis(t)
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	var ps []*wechat.Provider
	for range 4 {
		ps = append(ps, fleetProvider(t, targetOf(s), New(newClient(t, r.Addr()), nil), nil, nil, nil))
	}
	call := func(p *wechat.Provider) error {
		if _, err := p.CardAPITicket(context.Background()); err != nil {
			return err
		}
		_, err := p.GetColors(context.Background(), wechat.GetColorsRequest{})
		return err
	}
	var errs []error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := stampede(250, func() error { return call(p) })
			mu.Lock()
			errs = append(errs, e...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	require.Zero(t, countErrs(errs))
	all, _ := s.StableTokenFetches()
	assert.Equal(t, 1, all, "token fetches for 4 × 250 calls")
	assert.Equal(t, 1, s.TicketFetches("wx_card"), "ticket fetches for 4 × 250 calls")
	assert.Zero(t, s.TokenRejections())

	s.ResetTokens()
	for _, p := range ps {
		require.Zero(t, countErrs(stampede(50, func() error { return call(p) })))
	}
	all, forced := s.StableTokenFetches()
	assert.Equal(t, 2, all, "token fetches after one out-of-band reset")
	assert.Zero(t, forced)
}

// TestFleetRejectedTokenForceRefreshedOnce: WeChat rejects the fleet's
// token while stable_token still hands it out; across four Providers one
// force refresh replaces it, and the others adopt the new token.
func TestFleetRejectedTokenForceRefreshedOnce(t *testing.T) {
	r := startRedis(t)
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	var ps []*wechat.Provider
	for range 4 {
		ps = append(ps, fleetProvider(t, targetOf(s), New(newClient(t, r.Addr()), nil), nil, nil, nil))
	}
	ctx := context.Background()
	for _, p := range ps {
		_, err := p.GetColors(ctx, wechat.GetColorsRequest{})
		require.NoError(t, err)
	}
	old := s.RejectStableToken() // WeChat refuses it, stable_token keeps serving it
	require.NotEmpty(t, old)
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = p.GetColors(ctx, wechat.GetColorsRequest{}) }()
	}
	wg.Wait()
	require.Zero(t, countErrs(errs), "%v", errs)
	_, forced := s.StableTokenFetches()
	assert.Equal(t, 1, forced, "force refreshes across the fleet")
	assert.NotEqual(t, old, s.StableToken())
}

// TestPushReplayedToSecondInstanceRefused: a push captured at instance A
// and replayed to instance B is refused by B (their replay memory is shared
// through Redis), and WeChat's redelivery of a handled event to B reaches
// the de-duplicated hook once.
func TestPushReplayedToSecondInstanceRefused(t *testing.T) {
	r := startRedis(t)
	for i, aesKey := range []string{"", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"} {
		s := wechattest.NewServer(&wechattest.Options{EncodingAESKey: aesKey})
		t.Cleanup(s.Close)
		var handled atomic.Int64
		hook := func(context.Context, card.Event) error { handled.Add(1); return nil }
		newInstance := func() (*wechat.Handler, *httptest.Server, *[]*http.Request, *[]string) {
			store := New(newClient(t, r.Addr()), nil)
			p := fleetProvider(t, targetOf(s), store, nil, nil, nil)
			h, herr := p.NewHandler(&wechat.HandlerOptions{EncodingAESKey: aesKey})
			require.NoError(t, herr)
			h.OnEvent(wechat.DedupEvents(store, nil, hook))
			var reqs []*http.Request
			var bodies []string
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, rq *http.Request) {
				b, _ := io.ReadAll(rq.Body)
				reqs, bodies = append(reqs, rq), append(bodies, string(b))
				rq.Body = io.NopCloser(strings.NewReader(string(b)))
				h.ServeHTTP(w, rq)
			}))
			t.Cleanup(hs.Close)
			return h, hs, &reqs, &bodies
		}
		_, a, reqs, bodies := newInstance()
		hb, b, _, _ := newInstance()

		ev := wechattest.Event{Event: "user_consume_card", FromUserName: fmt.Sprint("oUser", i), CardId: "pCard", UserCardCode: "123456789012", CreateTime: time.Now().Unix()}
		s.SetEventURL(a.URL)
		require.NoError(t, s.Push(context.Background(), ev))
		require.EqualValues(t, 1, handled.Load())

		// The captured push, replayed to B.
		captured := (*reqs)[0]
		w := httptest.NewRecorder()
		hb.ServeHTTP(w, httptest.NewRequest(http.MethodPost, captured.URL.String(), strings.NewReader((*bodies)[0])))
		assert.Equal(t, http.StatusForbidden, w.Code, "aes=%v: replay to the second instance: %s", aesKey != "", w.Body.String())
		assert.Contains(t, w.Body.String(), "replayed push")

		// WeChat redelivers the same event (new timestamp and nonce) to B.
		s.SetEventURL(b.URL)
		require.NoError(t, s.Push(context.Background(), ev))
		assert.EqualValues(t, 1, handled.Load(), "aes=%v: the redelivered event reached the hook again", aesKey != "")
	}
}

// TestRedisDownInProcess: with Redis stopped, calls keep working (one fetch
// per Provider for a reset) and OnCacheError is told; after Redis returns
// the Providers rejoin (one fetch for the next reset).
func TestRedisDownInProcess(t *testing.T) {
	r := startRedis(t)
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	var told atomic.Int64
	var ps []*wechat.Provider
	for range 3 {
		ps = append(ps, fleetProvider(t, targetOf(s), New(newClient(t, r.Addr()), &Options{Timeout: 200 * time.Millisecond}), nil, nil, func(error) { told.Add(1) }))
	}
	ctx := context.Background()
	calls := func() {
		t.Helper()
		for _, p := range ps {
			require.Zero(t, countErrs(stampede(20, func() error {
				_, err := p.GetColors(ctx, wechat.GetColorsRequest{})
				return err
			})))
		}
	}
	calls()
	base, _ := s.StableTokenFetches()
	require.Equal(t, 1, base)

	r.Stop()
	s.ResetTokens()
	calls()
	down, _ := s.StableTokenFetches()
	assert.LessOrEqual(t, down-base, 3, "more than one fetch per Provider while Redis was down")
	assert.Positive(t, told.Load(), "OnCacheError was not told about the outage")

	r.Restart()
	time.Sleep(1100 * time.Millisecond) // past the per-process fallback period
	s.ResetTokens()
	calls()
	up, _ := s.StableTokenFetches()
	assert.Equal(t, 1, up-down, "fetches after rejoining")
}
