package wechat

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/silenceper/wechat/v2/cache"

	card "github.com/walletcard/card"
)

// CardTicketCacheKey returns the cache key under which the wx_card api_ticket
// of appID is kept in the official account's cache (without Options.Fleet).
func CardTicketCacheKey(appID string) string { return "walletcard_wechat_wx_card_api_ticket_" + appID }

// CardAPITicket returns the card api_ticket (GET /cgi-bin/ticket/getticket
// with type=wx_card — never the JS-SDK jsapi ticket) used to sign cardExt.
// WeChat gives this ticket a very small call quota, so it is kept in memory
// until shortly before it expires, and concurrent callers share one fetch.
// With Options.Fleet the ticket is shared by the fleet (one fetch per expiry
// fleet-wide, see CredentialStore); without it, it is kept in the official
// account's cache (shared with other processes through Redis or memcache).
// When the cache or the fleet store fails the call still succeeds with the
// ticket kept in memory, and Options.OnCacheError is told.
func (p *Provider) CardAPITicket(ctx context.Context) (string, error) {
	t, err := p.cardTicket.get(ctx, "")
	if err != nil {
		return "", wrapCtx(ctx, "CardAPITicket", err)
	}
	return t, nil
}

// newCardTicketCell builds the holder of the wx_card api_ticket; p's
// defaults (clock, hooks) must be set.
func newCardTicketCell(p *Provider, fleet CredentialStore) *credCell {
	return &credCell{
		op:       "CardAPITicket",
		what:     "api_ticket",
		fleetKey: "wx_card_ticket:" + p.appID(),
		fleet:    fleet,
		cache:    func() cache.Cache { return p.oa.GetContext().Cache },
		cacheKey: CardTicketCacheKey(p.appID()),
		now:      p.now,
		onErr:    p.onCacheErr,
		fetch:    p.fetchCardTicket,
	}
}

// fetchCardTicket asks WeChat for the wx_card api_ticket, like every call
// (exchange: the access token refreshed once on 40001/40014/42001, errcode
// -1 resent with p's backoff, no redirect followed), reading at most
// DefaultMaxCredentialAnswer bytes.
func (p *Provider) fetchCardTicket(ctx context.Context, _ bool) (string, time.Duration, error) {
	const op = "CardAPITicket"
	raw, err := p.exchange(ctx, wireCall{op: op, method: http.MethodGet, path: "/cgi-bin/ticket/getticket",
		query: url.Values{"type": {"wx_card"}}, safe: true, limit: DefaultMaxCredentialAnswer})
	if err != nil {
		return "", 0, err
	}
	ticket, ttl, err := credentialAnswer(raw, "ticket")
	if err != nil {
		return "", 0, &card.Error{Provider: Name, Op: op, Kind: card.KindUnavailable, Message: "getticket answer has no valid ticket", Err: err}
	}
	return ticket, ttl, nil
}
