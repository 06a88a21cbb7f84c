package wechat

import (
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	wxsdk "github.com/silenceper/wechat/v2/officialaccount"
	wxconfig "github.com/silenceper/wechat/v2/officialaccount/config"

	"github.com/walletcard/card/internal/retry"
	"github.com/walletcard/card/wechat/wechattest"
)

// lockedCache serialises a silenceper cache: cache.Memory's Get and IsExist
// read its map without the lock that Set holds, which the race detector
// reports as soon as two goroutines use one Memory.
type lockedCache struct {
	mu sync.Mutex
	c  cache.Cache
}

func (l *lockedCache) Get(k string) any {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c.Get(k)
}

func (l *lockedCache) Set(k string, v any, d time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c.Set(k, v, d)
}

func (l *lockedCache) IsExist(k string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c.IsExist(k)
}

func (l *lockedCache) Delete(k string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c.Delete(k)
}

// newTestProvider starts a wechattest server and returns a Provider talking
// to it: an OfficialAccount with a memory cache and this package's
// AccessTokenHandle pointed at the fake. Both are closed at test cleanup.
func newTestProvider(t testing.TB, opts *wechattest.Options) (*Provider, *wechattest.Server) {
	t.Helper()
	s := wechattest.NewServer(opts)
	t.Cleanup(s.Close)
	p := newProviderFor(t, s, nil)
	return p, s
}

// newProviderFor builds another Provider (own cache and token handle) on s.
func newProviderFor(t testing.TB, s *wechattest.Server, o *Options) *Provider {
	t.Helper()
	c := &lockedCache{c: cache.NewMemory()}
	oa := wxsdk.NewOfficialAccount(&wxconfig.Config{AppID: s.AppID(), AppSecret: s.AppSecret(), Token: "test-push-token", Cache: c})
	oa.SetAccessTokenHandle(NewAccessTokenHandle(s.AppID(), s.AppSecret(), c, &TokenOptions{BaseURL: s.URL()}))
	var opts Options
	if o != nil {
		opts = *o
	}
	opts.BaseURL, opts.QRImageBaseURL = s.URL(), s.QRImageURL()
	if opts.Retry == (retry.Policy{}) {
		opts.Retry = retry.Policy{Attempts: 3, Base: time.Millisecond, Max: 5 * time.Millisecond}
	}
	p, err := New(oa, &opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
