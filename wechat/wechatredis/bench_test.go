package wechatredis

import (
	"context"
	"testing"

	"github.com/walletcard/card/wechat"
	"github.com/walletcard/card/wechat/wechattest"
)

// The pairs below measure what Redis coordination costs a single process
// once its token is in memory: nothing, since the hot path never leaves
// memory. Compare the memory and redis lines of each pair:
//
//	go test -run '^$' -bench 'HotPath|ProviderCall' -count 6 ./wechat/wechatredis/

// benchFleet returns a fleet store on a fresh redis-server, or nil for "memory".
func benchFleet(b *testing.B, kind string) wechat.CredentialStore {
	if kind == "memory" {
		return nil
	}
	r := startRedis(b)
	return New(newClient(b, r.Addr()), nil)
}

// BenchmarkTokenHotPath gets the access token with a valid one in memory,
// from parallel goroutines.
func BenchmarkTokenHotPath(b *testing.B) {
	for _, kind := range []string{"memory", "redis"} {
		b.Run(kind, func(b *testing.B) {
			s := wechattest.NewServer(nil)
			b.Cleanup(s.Close)
			h := wechat.NewAccessTokenHandle(s.AppID(), s.AppSecret(), nil, &wechat.TokenOptions{BaseURL: s.URL(), Fleet: benchFleet(b, kind)})
			ctx := context.Background()
			if _, err := h.GetAccessTokenContext(ctx); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := h.GetAccessTokenContext(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkProviderCall makes API calls (card/getcolors against wechattest)
// through a Provider, from parallel goroutines: single-process call
// throughput with and without Redis coordination.
func BenchmarkProviderCall(b *testing.B) {
	for _, kind := range []string{"memory", "redis"} {
		b.Run(kind, func(b *testing.B) {
			s := wechattest.NewServer(nil)
			b.Cleanup(s.Close)
			p := fleetProvider(b, targetOf(s), benchFleet(b, kind), nil, nil, nil)
			ctx := context.Background()
			if _, err := p.GetColors(ctx, wechat.GetColorsRequest{}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := p.GetColors(ctx, wechat.GetColorsRequest{}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
