package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/silenceper/wechat/v2/cache"

	card "github.com/walletcard/card"
)

// Test vectors of reference §3.19 (wechatpy test_jsapi_get_jsapi_add_card_params).
const (
	vecTicket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
	vecTS     = "1414587457"
	vecNonce  = "Wm3WZYTPz0wzccnW"
	vecCardID = "random_card_id"
)

func TestSignCardExtVectors(t *testing.T) {
	for _, v := range []struct{ code, openid, sig string }{
		{"", "", "22dce6bad4db532d4a2ef82ca2ca7bbe1e10ef28"},
		{"random_code", "", "2e9c6d12952246e071717d7baeab20c30420b5cd"},
		{"", "random_openid", "ded860a5dd4467312764bd86e544ad0579cbfad0"},
		{"random_code", "random_openid", "950dc1842852457ea573d4d6af34879c1ec093c8"},
	} {
		if got := SignCardExt(vecTicket, vecTS, vecCardID, v.code, v.openid, vecNonce); got != v.sig {
			t.Errorf("code %q openid %q: signature %s, want %s", v.code, v.openid, got, v.sig)
		}
	}
}

func TestBuildCardExtExact(t *testing.T) {
	item, err := BuildCardExt(vecTicket, CardExtRequest{CardID: vecCardID, Code: "random_code", OpenID: "random_openid",
		Timestamp: 1414587457, NonceStr: vecNonce, OuterStr: "shop-7"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"code":"random_code","openid":"random_openid","timestamp":"1414587457","nonce_str":"Wm3WZYTPz0wzccnW","outer_str":"shop-7","signature":"950dc1842852457ea573d4d6af34879c1ec093c8"}`
	if item.CardID != vecCardID || item.CardExt != want {
		t.Fatalf("got %+v\nwant cardExt %s", item, want)
	}
	b, _ := json.Marshal([]AddCardItem{*item})
	if string(b[:10]) != `[{"cardId"` {
		t.Fatalf("cardList JSON %s", b)
	}
	if _, err := BuildCardExt(vecTicket, CardExtRequest{}); !errors.Is(err, card.ErrInvalidArgument) {
		t.Fatalf("empty CardID: %v", err)
	}
}

func TestCardExtUsesCachedWxCardTicket(t *testing.T) {
	p, s := newTestProvider(t, nil)
	ctx := context.Background()
	item, err := p.CardExt(ctx, CardExtRequest{CardID: "pCARD", OpenID: "o1", NonceStr: "n1"})
	if err != nil {
		t.Fatal(err)
	}
	var ext CardExt
	if err := json.Unmarshal([]byte(item.CardExt), &ext); err != nil {
		t.Fatal(err)
	}
	if want := SignCardExt(s.CardTicket(), ext.Timestamp, "pCARD", "", "o1", "n1"); ext.Signature != want {
		t.Fatalf("signature %s, want %s (wx_card ticket)", ext.Signature, want)
	}
	for i := 0; i < 3; i++ {
		if _, err := p.CardExt(ctx, CardExtRequest{CardID: "pCARD"}); err != nil {
			t.Fatal(err)
		}
	}
	if s.TicketFetches("wx_card") != 1 || s.TicketFetches("jsapi") != 0 {
		t.Fatalf("ticket fetches wx_card=%d jsapi=%d, want 1 and 0", s.TicketFetches("wx_card"), s.TicketFetches("jsapi"))
	}
	// The ticket is in the official account's cache: a second provider sharing it does not fetch.
	var c cache.Cache = p.oa.GetContext().Cache
	if v := c.Get(CardTicketCacheKey(s.AppID())); v != s.CardTicket() {
		t.Fatalf("cache holds %v", v)
	}
	before := s.CallCount("")
	if _, err := p.CardExt(ctx, CardExtRequest{CardID: "", OpenID: "x"}); !errors.Is(err, card.ErrInvalidArgument) {
		t.Fatalf("invalid: %v", err)
	}
	if s.CallCount("") != before {
		t.Fatal("invalid request reached the server")
	}
}

func TestCardTicketSharedThroughCache(t *testing.T) {
	p, s := newTestProvider(t, nil)
	q := newProviderFor(t, s, nil)
	q.oa.GetContext().Cache = p.oa.GetContext().Cache
	ctx := context.Background()
	a, err := p.CardAPITicket(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := q.CardAPITicket(ctx)
	if err != nil || a != b || s.TicketFetches("wx_card") != 1 {
		t.Fatalf("second provider: %q %v fetches %d", b, err, s.TicketFetches("wx_card"))
	}
}
