package wechatredis_test

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/officialaccount/config"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat"
	"github.com/walletcard/card/wechat/wechatredis"
	"github.com/walletcard/card/wechat/wechattest"
)

// Every instance of the service builds its Provider the same way; they
// share the access token, the wx_card api_ticket, the push replay memory
// and the event de-duplication through the merchant's Redis (standalone,
// Sentinel or Cluster: any redis.UniversalClient).
func ExampleNew() {
	rdb := redis.NewUniversalClient(&redis.UniversalOptions{Addrs: []string{"redis.internal:6379"}})
	fleet := wechatredis.New(rdb, &wechatredis.Options{LockTTL: 10 * time.Second})

	p, err := wechat.NewFromCredentials("wx123", "app-secret",
		&wechat.Options{PushToken: "push-token", Fleet: fleet, OnCacheError: func(err error) { fmt.Println("fleet:", err) }})
	if err != nil {
		panic(err)
	}
	h, err := p.NewHandler(nil) // replay memory shared through fleet
	if err != nil {
		panic(err)
	}
	h.OnEvent(wechat.DedupEvents(fleet, nil, func(ctx context.Context, ev card.Event) error {
		return nil // handle each event once across the fleet
	}))
	_ = h // mount at the official account's server URL
}

// When Redis cannot be reached the Provider works on its own: the call
// succeeds, the token is fetched once and kept in memory, and OnCacheError
// is told (without the token).
func Example_redisDown() {
	s := wechattest.NewServer(nil)
	defer s.Close()
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1}) // nothing listens there
	defer rdb.Close()
	fleet := wechatredis.New(rdb, &wechatredis.Options{Timeout: 100 * time.Millisecond})
	told := 0
	p, err := wechat.NewFromConfig(&config.Config{AppID: s.AppID(), AppSecret: s.AppSecret()},
		&wechat.Options{BaseURL: s.URL(), QRImageBaseURL: s.QRImageURL(), Fleet: fleet, OnCacheError: func(error) { told++ }})
	if err != nil {
		panic(err)
	}
	for range 3 {
		_, err := p.GetColors(context.Background(), wechat.GetColorsRequest{})
		fmt.Println("call:", err)
	}
	all, _ := s.StableTokenFetches()
	fmt.Println("token fetches:", all, "outage reported:", told > 0)
	// Output:
	// call: <nil>
	// call: <nil>
	// call: <nil>
	// token fetches: 1 outage reported: true
}
