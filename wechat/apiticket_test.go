package wechat

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/wechat/wechattest"
)

// TestCardTicketStampede: 1,000 concurrent CardAPITicket calls on a fresh
// Provider, and again once the ticket expired (clock moved on, cache entry
// gone), each make exactly one wx_card getticket call and all get the ticket.
func TestCardTicketStampede(t *testing.T) {
	s := wechattest.NewServer(nil)
	t.Cleanup(s.Close)
	var offset atomic.Int64
	p := newProviderFor(t, s, &Options{Clock: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	ctx := context.Background()
	for round := 1; round <= 2; round++ {
		toks, errs := stampede(1000, func() (string, error) { return p.CardAPITicket(ctx) })
		checkOneToken(t, toks, errs)
		if toks[0] != s.CardTicket() {
			t.Fatalf("round %d: ticket %q, server's wx_card ticket %q", round, toks[0], s.CardTicket())
		}
		if n := s.TicketFetches("wx_card"); n != round {
			t.Fatalf("round %d: %d wx_card fetches in all, want %d (one per round)", round, n, round)
		}
		// Expire it: past any local lifetime, and gone from the shared cache.
		offset.Add(int64(3 * time.Hour))
		if err := p.oa.GetContext().Cache.Delete(CardTicketCacheKey(s.AppID())); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.TicketFetches("jsapi"); n != 0 {
		t.Fatalf("%d jsapi ticket fetches, want 0", n)
	}
}

// TestCardTicketAfterTokenError: when getticket answers an access-token error,
// the token is dropped and fetched again and the ticket fetch is retried once;
// nothing is cached from the failed answer. Other errors are not cached either:
// the next call asks again.
func TestCardTicketAfterTokenError(t *testing.T) {
	const ticketPath = "/cgi-bin/ticket/getticket"
	for _, tc := range []struct {
		name    string
		breakIt func(*wechattest.Server)
		fetches int // token fetches in all
		forced  int // of them force refreshes
	}{
		{"expired 42001", (*wechattest.Server).ExpireCredentials, 2, 0},
		{"revoked 40001", (*wechattest.Server).ResetTokens, 2, 0},
		// The token is still current for stable_token, which hands it out
		// again: one force refresh replaces it.
		{"invalid 40014 on getticket", func(s *wechattest.Server) { s.FailNextCode(ticketPath, 40014, 1) }, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, s := newTestProvider(t, nil)
			ctx := context.Background()
			if err := getColors(ctx, p); err != nil { // a token is cached now
				t.Fatal(err)
			}
			tc.breakIt(s)
			toks, errs := stampede(100, func() (string, error) { return p.CardAPITicket(ctx) })
			checkOneToken(t, toks, errs)
			if toks[0] != s.CardTicket() {
				t.Fatalf("ticket %q, want the server's wx_card ticket %q", toks[0], s.CardTicket())
			}
			if n := s.TokenFetches(); n != tc.fetches {
				t.Fatalf("token fetches = %d, want %d", n, tc.fetches)
			}
			if _, forced := s.StableTokenFetches(); forced != tc.forced {
				t.Fatalf("force refreshes = %d, want %d", forced, tc.forced)
			}
			if n := s.CallCount(ticketPath); n != 2 {
				t.Fatalf("getticket calls = %d, want 2 (the rejected one and one retry)", n)
			}
		})
	}
	t.Run("other errors are not cached", func(t *testing.T) {
		p, s := newTestProvider(t, nil)
		ctx := context.Background()
		s.FailNextCode(ticketPath, 45009, 1)
		_, err := p.CardAPITicket(ctx)
		var ce *card.Error
		if !errors.Is(err, card.ErrRateLimited) || !errors.As(err, &ce) || ce.Op != "CardAPITicket" || ce.Provider != Name {
			t.Fatalf("45009: %#v, want a rate-limited *card.Error for wechat CardAPITicket", err)
		}
		got, err := p.CardAPITicket(ctx)
		if err != nil || got != s.CardTicket() {
			t.Fatalf("after the failure: %q %v", got, err)
		}
		if n := s.CallCount(ticketPath); n != 2 {
			t.Fatalf("getticket calls = %d, want 2", n)
		}
	})
}
