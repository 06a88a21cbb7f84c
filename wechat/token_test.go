package wechat

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/walletcard/card/wechat/wechattest"
)

// stampede starts n goroutines that call fn at the same instant and returns their results.
func stampede(n int, fn func() (string, error)) ([]string, []error) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	toks, errs := make([]string, n), make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			toks[i], errs[i] = fn()
		}(i)
	}
	close(start)
	wg.Wait()
	return toks, errs
}

func checkOneToken(t *testing.T, toks []string, errs []error) {
	t.Helper()
	for i := range toks {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if toks[i] != toks[0] || toks[i] == "" {
			t.Fatalf("call %d got token %q, call 0 got %q", i, toks[i], toks[0])
		}
	}
}

// TestTokenStampedeAfterExpiry: 1,000 concurrent calls just after the token
// expired make exactly one /cgi-bin/token fetch.
func TestTokenStampedeAfterExpiry(t *testing.T) {
	s := wechattest.NewServer(&wechattest.Options{TokenTTL: 2 * time.Second})
	defer s.Close()
	c := NewMemoryCache()
	h := NewAccessTokenHandle(s.AppID(), s.AppSecret(), c, &TokenOptions{BaseURL: s.URL()})
	ctx := context.Background()
	first, err := h.GetAccessTokenContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.TokenFetches() != 1 {
		t.Fatalf("fetches = %d", s.TokenFetches())
	}
	time.Sleep(2100 * time.Millisecond) // past the handle's 1.8 s lifetime and the server's 2 s TTL
	toks, errs := stampede(1000, func() (string, error) { return h.GetAccessTokenContext(ctx) })
	checkOneToken(t, toks, errs)
	if toks[0] == first {
		t.Fatal("expired token returned")
	}
	if n := s.TokenFetches() - 1; n != 1 {
		t.Fatalf("1000 concurrent calls after expiry made %d token fetches, want 1", n)
	}
	t.Logf("1000 concurrent calls after expiry: %d token fetch", s.TokenFetches()-1)
}

// TestTokenStampedeAfterRejection: 1,000 concurrent refreshes of the same
// rejected token make one fetch, and every caller gets the new token.
func TestTokenStampedeAfterRejection(t *testing.T) {
	s := wechattest.NewServer(nil)
	defer s.Close()
	c := NewMemoryCache()
	h := NewAccessTokenHandle(s.AppID(), s.AppSecret(), c, &TokenOptions{BaseURL: s.URL()})
	ctx := context.Background()
	bad, err := h.GetAccessTokenContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.RevokeCredentials()  // the live token answers 40001 …
	s.RestoreCredentials() // … and a fresh fetch works
	toks, errs := stampede(1000, func() (string, error) { return h.RefreshAccessTokenContext(ctx, bad) })
	checkOneToken(t, toks, errs)
	if toks[0] == bad {
		t.Fatal("rejected token returned")
	}
	if n := s.TokenFetches(); n != 2 {
		t.Fatalf("token fetches = %d, want 2", n)
	}
	if v := c.Get(h.CacheKey()); v != toks[0] {
		t.Fatalf("cache holds %v, want the new token", v)
	}
}

// TestConcurrentCallsAfterExpiredTokenOneFetch: through the Provider, calls
// that all get 42001 refresh the token once.
func TestConcurrentCallsAfterExpiredTokenOneFetch(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	if err := getColors(ctx, p); err != nil {
		t.Fatal(err)
	}
	s.ExpireCredentials()
	_, errs := stampede(200, func() (string, error) { return "x", getColors(ctx, p) })
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := s.TokenFetches(); n != 2 {
		t.Fatalf("token fetches = %d, want 2", n)
	}
}

func TestTokenSharedThroughCache(t *testing.T) {
	s := wechattest.NewServer(nil)
	defer s.Close()
	c := NewMemoryCache()
	ctx := context.Background()
	a := NewAccessTokenHandle(s.AppID(), s.AppSecret(), c, &TokenOptions{BaseURL: s.URL()})
	b := NewAccessTokenHandle(s.AppID(), s.AppSecret(), c, &TokenOptions{BaseURL: s.URL()})
	ta, err := a.GetAccessTokenContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := b.GetAccessTokenContext(ctx)
	if err != nil || ta != tb || s.TokenFetches() != 1 {
		t.Fatalf("second handle: %q %v, fetches %d", tb, err, s.TokenFetches())
	}
	if a.CacheKey() != "gowechat_officialaccount__stable_access_token_"+s.AppID() {
		t.Fatalf("cache key %q is not silenceper's StableAccessToken key", a.CacheKey())
	}
	classic := NewAccessTokenHandle(s.AppID(), s.AppSecret(), c, &TokenOptions{BaseURL: s.URL(), Source: TokenSourceClassic})
	if classic.CacheKey() != "gowechat_officialaccount__access_token_"+s.AppID() {
		t.Fatalf("classic cache key %q is not silenceper's DefaultAccessToken key", classic.CacheKey())
	}
}

func TestTokenWaiterHonoursContext(t *testing.T) {
	s := wechattest.NewServer(nil)
	defer s.Close()
	s.SetLatency("/cgi-bin/stable_token", 300*time.Millisecond)
	h := NewAccessTokenHandle(s.AppID(), s.AppSecret(), nil, &TokenOptions{BaseURL: s.URL()})
	done := make(chan error, 1)
	go func() { _, err := h.GetAccessTokenContext(context.Background()); done <- err }()
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.GetAccessTokenContext(ctx); err != context.DeadlineExceeded {
		t.Fatalf("waiter err = %v, want deadline exceeded", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
