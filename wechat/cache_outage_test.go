package wechat

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/officialaccount"
	wxconfig "github.com/silenceper/wechat/v2/officialaccount/config"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat/wechattest"
)

// downCache is a shared cache whose backend is unreachable.
type downCache struct{}

func (downCache) Get(string) any { return nil }
func (downCache) Set(string, any, time.Duration) error {
	return errors.New("redis: connection refused")
}
func (downCache) IsExist(string) bool { return false }
func (downCache) Delete(string) error { return errors.New("redis: connection refused") }

// cacheErrors records what an OnCacheError hook was told.
type cacheErrors struct {
	mu   sync.Mutex
	errs []error
}

func (c *cacheErrors) hook(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, err)
}

func (c *cacheErrors) n() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.errs)
}

// TestTokenCacheDownFetchesOnce: with the shared cache failing every write, 5
// calls all succeed with one /cgi-bin/token fetch; the hook is told, without the token.
func TestTokenCacheDownFetchesOnce(t *testing.T) {
	s := wechattest.NewServer(nil)
	defer s.Close()
	var ce cacheErrors
	h := NewAccessTokenHandle(s.AppID(), s.AppSecret(), downCache{}, &TokenOptions{BaseURL: s.URL(), OnCacheError: ce.hook})
	var first string
	for i := 0; i < 5; i++ {
		tok, err := h.GetAccessTokenContext(context.Background())
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if i == 0 {
			first = tok
		} else if tok != first {
			t.Fatalf("call %d: token changed", i)
		}
	}
	if n := s.TokenFetches(); n != 1 {
		t.Fatalf("%d token fetches, want 1", n)
	}
	if ce.n() != 1 {
		t.Fatalf("hook called %d times, want 1", ce.n())
	}
	if !card.IsRetryable(ce.errs[0]) || strings.Contains(ce.errs[0].Error(), first) || !strings.Contains(ce.errs[0].Error(), "connection refused") {
		t.Fatalf("hook error: %v", ce.errs[0])
	}
	// Without a hook the outage is silent but still harmless.
	h2 := NewAccessTokenHandle(s.AppID(), s.AppSecret(), downCache{}, &TokenOptions{BaseURL: s.URL()})
	for i := 0; i < 5; i++ {
		if _, err := h2.GetAccessTokenContext(context.Background()); err != nil {
			t.Fatalf("no hook, call %d: %v", i, err)
		}
	}
	if n := s.TokenFetches(); n != 2 {
		t.Fatalf("%d token fetches in all, want 2", n)
	}
}

// TestTicketCacheDownFetchesOnce: the account's cache fails every write; 5
// CardAPITicket calls succeed with one wx_card getticket fetch, and the
// Provider's OnCacheError hook is told.
func TestTicketCacheDownFetchesOnce(t *testing.T) {
	s := wechattest.NewServer(nil)
	defer s.Close()
	var ce cacheErrors
	oa := officialaccount.NewOfficialAccount(&wxconfig.Config{AppID: s.AppID(), AppSecret: s.AppSecret(), Cache: downCache{}})
	oa.SetAccessTokenHandle(NewAccessTokenHandle(s.AppID(), s.AppSecret(), nil, &TokenOptions{BaseURL: s.URL()}))
	p, err := New(oa, &Options{BaseURL: s.URL(), QRImageBaseURL: s.QRImageURL(), OnCacheError: ce.hook})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		tk, err := p.CardAPITicket(context.Background())
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if tk != s.CardTicket() {
			t.Fatalf("call %d: ticket %q, want %q", i, tk, s.CardTicket())
		}
	}
	if n := s.TicketFetches("wx_card"); n != 1 {
		t.Fatalf("%d wx_card fetches, want 1", n)
	}
	if ce.n() != 1 || strings.Contains(ce.errs[0].Error(), s.CardTicket()) {
		t.Fatalf("hook errors: %v", ce.errs)
	}
}

// TestNewFromConfigCacheDown: NewFromConfig passes OnCacheError to its token
// handle, and a Provider on a failing cache makes one token fetch for many calls.
func TestNewFromConfigCacheDown(t *testing.T) {
	s := wechattest.NewServer(nil)
	defer s.Close()
	var ce cacheErrors
	p, err := NewFromConfig(&wxconfig.Config{AppID: s.AppID(), AppSecret: s.AppSecret(), Cache: downCache{}},
		&Options{BaseURL: s.URL(), QRImageBaseURL: s.QRImageURL(), OnCacheError: ce.hook})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if _, err := p.CardAPITicket(context.Background()); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if s.TokenFetches() != 1 || s.TicketFetches("wx_card") != 1 {
		t.Fatalf("token fetches %d, ticket fetches %d; want 1 and 1", s.TokenFetches(), s.TicketFetches("wx_card"))
	}
	if ce.n() != 2 {
		t.Fatalf("hook called %d times, want 2 (token and ticket)", ce.n())
	}
}
