package wechat_test

import (
	"context"
	"errors"
	"fmt"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat"
)

// Each event reaches the merchant's handler once, however often WeChat
// delivers it. In a fleet pass a wechatredis.Store instead of the
// in-process MemoryClaims, so that redeliveries to other instances are
// recognised too.
func ExampleDedupEvents() {
	claims := wechat.NewMemoryClaims(0, nil)
	handle := wechat.DedupEvents(claims, nil, func(_ context.Context, ev card.Event) error {
		fmt.Println("handling", ev.ID)
		return nil
	})
	ev := card.Event{ID: "oUser|1700000000|user_consume_card|pCard|123", Provider: card.WeChat, Type: card.EventCodeConsumed}
	for range 3 { // WeChat delivers it three times
		if err := handle(context.Background(), ev); err != nil {
			fmt.Println(err)
		}
	}
	fmt.Println(errors.Is(wechat.ErrEventInProgress, card.ErrUnavailable))
	// Output:
	// handling oUser|1700000000|user_consume_card|pCard|123
	// true
}

// A handle's token source: stable_token unless the classic endpoint is asked for.
func ExampleTokenSource() {
	h := wechat.NewAccessTokenHandle("wx123", "secret", nil, nil)
	classic := wechat.NewAccessTokenHandle("wx123", "secret", nil, &wechat.TokenOptions{Source: wechat.TokenSourceClassic})
	fmt.Println(h.Source(), classic.Source())
	fmt.Println(h) // never shows the secret
	// Output:
	// stable_token token
	// wechat.AccessTokenHandle{AppID:wx123 Secret:REDACTED Source:stable_token BaseURL:https://api.weixin.qq.com Fleet:none Token:}
}
