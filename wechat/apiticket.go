package wechat

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/silenceper/wechat/v2/cache"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/retry"
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

// fetchCardTicket asks WeChat for the wx_card api_ticket. It refreshes the
// access token once on 40001/40014/42001 and retries errcode -1 with p's
// backoff, like every call, but sends the request itself so that the ticket
// fetch never follows a redirect and reads at most DefaultMaxCredentialAnswer
// bytes, whatever client the merchant supplied.
func (p *Provider) fetchCardTicket(ctx context.Context, _ bool) (string, time.Duration, error) {
	const op = "CardAPITicket"
	hc := noRedirectClient(p.hc)
	var (
		ticket    string
		ttl       time.Duration
		refreshed bool
	)
	err := retry.Do(ctx, p.retry, isBusy, func(ctx context.Context) error {
		tok, err := p.accessToken(ctx, op)
		if err != nil {
			return err
		}
		for {
			u := p.baseURL + "/cgi-bin/ticket/getticket?" + url.Values{"access_token": {tok}, "type": {"wx_card"}}.Encode()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				return &card.Error{Provider: ProviderName, Op: op, Kind: card.KindInvalidArgument, Message: "bad getticket URL", Err: scrubErr(err)}
			}
			raw, err := roundTripLimit(hc, req, DefaultMaxCredentialAnswer)
			if err != nil {
				return wrapCtx(ctx, op, err)
			}
			ce, err := decodeErrcode(op, raw)
			if err != nil {
				return &card.Error{Provider: ProviderName, Op: op, Kind: card.KindUnavailable, Message: "unreadable getticket answer", Err: err}
			}
			if ce != nil && isTokenErrcode(ce.ErrCode) && !refreshed {
				refreshed = true
				if tok, err = p.refreshToken(ctx, op, tok); err != nil {
					return err
				}
				continue
			}
			if ce != nil {
				return apiError(op, ce)
			}
			if ticket, ttl, err = credentialAnswer(raw, "ticket"); err != nil {
				return &card.Error{Provider: ProviderName, Op: op, Kind: card.KindUnavailable, Message: "getticket answer has no valid ticket", Err: err}
			}
			return nil
		}
	})
	if err != nil {
		return "", 0, wrapCtx(ctx, op, err)
	}
	return ticket, ttl, nil
}
