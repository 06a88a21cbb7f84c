package wechat

import (
	"sync"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	wxsdk "github.com/silenceper/wechat/v2/officialaccount"
	wxconfig "github.com/silenceper/wechat/v2/officialaccount/config"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// NewMemoryCache returns an in-process silenceper cache.Cache that is safe for
// concurrent use. silenceper's own cache.NewMemory (still in v2.1.10) reads
// its map in Get and IsExist without the lock its Set takes, so two goroutines
// sharing it race; use this for a single process. To share tokens and tickets
// between processes use Options.Fleet (wechatredis), or a shared silenceper
// cache (cache.NewRedis, cache.NewMemcache) without fleet coordination.
func NewMemoryCache() cache.Cache { return LockedCache(cache.NewMemory()) }

// LockedCache serialises every call to c behind one mutex.
func LockedCache(c cache.Cache) cache.Cache { return &lockedCache{c: c} }

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

// NewFromConfig builds the official account from a silenceper config (AppID,
// AppSecret, and Token / EncodingAESKey for event pushes) and returns a
// Provider on it. The account gets this package's AccessTokenHandle
// (stable_token, shared through opts.Fleet when set), which fetches tokens
// from opts.BaseURL with opts.HTTPClient, so a Provider for wechattest needs
// no global changes:
//
//	p, err := wechat.NewFromConfig(&config.Config{AppID: s.AppID(), AppSecret: s.AppSecret()},
//		&wechat.Options{BaseURL: s.URL(), QRImageBaseURL: s.QRImageURL()})
//
// A nil cfg.Cache becomes NewMemoryCache(). cfg is copied, not kept.
func NewFromConfig(cfg *wxconfig.Config, opts *Options) (*Provider, error) {
	if cfg == nil || cfg.AppID == "" || cfg.AppSecret == "" {
		return nil, driver.Wrap(Name, "NewFromConfig", card.KindInvalidArgument, driver.InvalidArgument("cfg", "AppID and AppSecret are required"))
	}
	c := *cfg
	if c.Cache == nil {
		c.Cache = NewMemoryCache()
	}
	var tok TokenOptions
	if opts != nil {
		tok.BaseURL, tok.HTTPClient, tok.OnCacheError = opts.BaseURL, opts.HTTPClient, opts.OnCacheError
		tok.Fleet, tok.Clock = opts.Fleet, opts.Clock
	}
	oa := wxsdk.NewOfficialAccount(&c)
	oa.SetAccessTokenHandle(NewAccessTokenHandle(c.AppID, c.AppSecret, c.Cache, &tok))
	return New(oa, opts)
}
