package wechat

import (
	"context"
	"net/url"
	"time"

	"github.com/silenceper/wechat/v2/cache"

	card "github.com/walletcard/card"
)

// CardTicketCacheKey returns the cache key under which the wx_card api_ticket
// of appID is kept in the official account's cache.
func CardTicketCacheKey(appID string) string { return "walletcard_wechat_wx_card_api_ticket_" + appID }

// CardAPITicket returns the card api_ticket (GET /cgi-bin/ticket/getticket
// with type=wx_card — never the JS-SDK jsapi ticket) used to sign cardExt.
// WeChat gives this ticket a very small call quota, so it is kept in memory
// and in the official account's cache (shared with other processes through
// Redis or memcache) until shortly before it expires; concurrent callers share
// one fetch. When the cache cannot store a fetched ticket the call still
// succeeds with the ticket kept in memory, and Options.OnCacheError is told.
func (p *Provider) CardAPITicket(ctx context.Context) (string, error) {
	const op = "CardAPITicket"
	for attempt := 0; ; attempt++ {
		p.ticketMu.Lock()
		if p.ticket != "" && p.now().Before(p.ticketExpiry) {
			t := p.ticket
			p.ticketMu.Unlock()
			return t, nil
		}
		c := p.ticketFlight
		leader := c == nil
		if leader {
			c = newFlight()
			p.ticketFlight = c
		}
		p.ticketMu.Unlock()
		if leader {
			t, exp, err := p.loadTicket(ctx, op)
			p.ticketMu.Lock()
			if err == nil {
				p.ticket, p.ticketExpiry = t, exp
			}
			p.ticketFlight = nil
			p.ticketMu.Unlock()
			c.finish(t, err)
			return t, err
		}
		t, err := c.wait(ctx)
		if leaderCanceled(ctx, err) && attempt < 3 {
			continue
		}
		if err != nil {
			return "", wrapCtx(ctx, op, err)
		}
		return t, nil
	}
}

func (p *Provider) loadTicket(ctx context.Context, op string) (string, time.Time, error) {
	c := p.oa.GetContext().Cache
	key := CardTicketCacheKey(p.appID())
	if c != nil {
		if v, ok := cache.GetContext(ctx, c, key).(string); ok && v != "" {
			return v, p.now().Add(cachedTokenLocalTTL), nil
		}
	}
	var res struct {
		Ticket    string `json:"ticket"`
		ExpiresIn int64  `json:"expires_in"`
	}
	if err := p.getJSON(ctx, op, "/cgi-bin/ticket/getticket", url.Values{"type": {"wx_card"}}, &res); err != nil {
		return "", time.Time{}, err
	}
	if res.Ticket == "" {
		return "", time.Time{}, &card.Error{Provider: ProviderName, Op: op, Kind: card.KindUnavailable, Message: "getticket answer has no ticket"}
	}
	ttl := tokenLifetime(res.ExpiresIn)
	if c != nil {
		if err := cache.SetContext(ctx, c, key, res.Ticket, ttl); err != nil && p.onCacheErr != nil {
			// Keep the ticket (memory only): its quota is tiny, never fetch again for a cache outage.
			p.onCacheErr(&card.Error{Provider: ProviderName, Op: op, Kind: card.KindUnavailable,
				Message: "storing the api_ticket in the cache failed; it is kept in memory only", Err: err})
		}
	}
	return res.Ticket, p.now().Add(ttl), nil
}
