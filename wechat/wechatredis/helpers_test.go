package wechatredis

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	wxconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/stretchr/testify/require"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/redistest"
	"github.com/walletcard/card/wechat"
	"github.com/walletcard/card/wechat/wechattest"
)

// startRedis starts a redis-server for the test (failing the test if it cannot).
func startRedis(t testing.TB) *redistest.Server {
	t.Helper()
	return redistest.Start(t)
}

// newClient returns a go-redis client for addr, closed at cleanup.
func newClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// offsetClock is a clock running offset ahead of the wall clock.
type offsetClock struct{ off atomic.Int64 }

func (c *offsetClock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *offsetClock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// countingTransport records when this process sent a token request.
type countingTransport struct {
	base  http.RoundTripper
	mu    sync.Mutex
	times []int64 // unix ms
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	switch r.URL.Path {
	case "/cgi-bin/stable_token", "/cgi-bin/token":
		c.mu.Lock()
		c.times = append(c.times, time.Now().UnixMilli())
		c.mu.Unlock()
	}
	return c.base.RoundTrip(r)
}

// fetchTimes returns the times of this process's token requests.
func (c *countingTransport) fetchTimes() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int64(nil), c.times...)
}

// target is where a Provider talks to: a wechattest server, possibly
// started by another process.
type target struct{ API, QR, AppID, AppSecret string }

func targetOf(s *wechattest.Server) target {
	return target{API: s.URL(), QR: s.QRImageURL(), AppID: s.AppID(), AppSecret: s.AppSecret()}
}

// fleetProvider builds a Provider on s that shares credentials through fleet
// (nil: none). clock, hc and onErr may be nil.
func fleetProvider(t testing.TB, s target, fleet wechat.CredentialStore, clock func() time.Time, hc *http.Client, onErr func(error)) *wechat.Provider {
	t.Helper()
	opts := &wechat.Options{
		BaseURL: s.API, QRImageBaseURL: s.QR, Clock: clock, HTTPClient: hc, OnCacheError: onErr,
		Retry: card.RetryPolicy{Attempts: 3, Base: time.Millisecond, Max: 5 * time.Millisecond},
	}
	if fleet != nil {
		opts.Fleet = fleet
	}
	p, err := wechat.NewFromConfig(&wxconfig.Config{AppID: s.AppID, AppSecret: s.AppSecret, Token: "test-push-token"}, opts)
	require.NoError(t, err)
	return p
}
