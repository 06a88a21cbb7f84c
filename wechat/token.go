package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/credential"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// TokenRefresher is implemented by access-token handles that can replace a
// token WeChat rejected (errcode 40001, 40014 or 42001). The Provider calls it
// once per failed call, then repeats the call with the returned token.
// *AccessTokenHandle implements it.
type TokenRefresher interface {
	// RefreshAccessTokenContext forgets rejected (locally and in the shared
	// cache) and returns a different, valid token. Many concurrent callers
	// with the same rejected token cause one fetch.
	RefreshAccessTokenContext(ctx context.Context, rejected string) (string, error)
}

// TokenOptions configure an AccessTokenHandle.
type TokenOptions struct {
	// BaseURL replaces https://api.weixin.qq.com for GET /cgi-bin/token.
	BaseURL string
	// HTTPClient fetches tokens. Default: a client with a 30 s timeout owned by the handle.
	HTTPClient *http.Client
	// CacheKey is the key of the token in the cache. Default: the key
	// silenceper's credential.DefaultAccessToken uses for official accounts
	// ("gowechat_officialaccount__access_token_" + appID), so both share one
	// cached token.
	CacheKey string
	// OnCacheError, if set, is told when the shared cache cannot store a
	// freshly fetched token. Such a failure never fails the call: the token
	// is kept in this handle's memory and returned, so a cache outage does
	// not make every call fetch again and burn the daily /cgi-bin/token
	// quota. The error never contains the token. It is called synchronously
	// by the caller that fetched the token; it must not block.
	OnCacheError func(error)
}

// AccessTokenHandle is a silenceper credential.AccessTokenContextHandle that
// fetches the access token from a configurable host with its own
// *http.Client (silenceper's DefaultAccessToken always uses the real host and
// its package-global client), and stores it in a silenceper cache.Cache
// (memory, Redis, memcache …) so several processes share it.
//
// It keeps the token in memory as well, so the shared cache is read only when
// the token is missing or expired. Concurrent callers share one fetch: when
// 1,000 calls start just after the token expired, WeChat sees one
// /cgi-bin/token request. Install it with oa.SetAccessTokenHandle.
type AccessTokenHandle struct {
	appID, secret string
	cache         cache.Cache
	baseURL       string
	hc            *http.Client
	key           string
	onCacheErr    func(error)

	mu     sync.Mutex
	token  string
	expiry time.Time
	flight *flightCall
}

var _ credential.AccessTokenContextHandle = (*AccessTokenHandle)(nil)
var _ TokenRefresher = (*AccessTokenHandle)(nil)

// cachedTokenLocalTTL bounds how long a token read from the shared cache (whose
// remaining lifetime is unknown) is used from memory before the cache is read again.
const cachedTokenLocalTTL = time.Minute

// NewAccessTokenHandle returns a handle for the official account appID. c may
// be nil (the token then lives in this handle only). opts may be nil.
func NewAccessTokenHandle(appID, secret string, c cache.Cache, opts *TokenOptions) *AccessTokenHandle {
	var o TokenOptions
	if opts != nil {
		o = *opts
	}
	h := &AccessTokenHandle{
		appID:   appID,
		secret:  secret,
		cache:   c,
		baseURL: strings.TrimRight(o.BaseURL, "/"),
		hc:      o.HTTPClient,
		key:     o.CacheKey,

		onCacheErr: o.OnCacheError,
	}
	if h.baseURL == "" {
		h.baseURL = DefaultBaseURL
	}
	if h.hc == nil {
		h.hc = &http.Client{Timeout: 30 * time.Second}
	}
	if h.key == "" {
		h.key = silenceperTokenKey(appID)
	}
	return h
}

// silenceperTokenKey is the cache key of silenceper's DefaultAccessToken for
// an official account (credential/default_access_token.go, v2.1.6).
func silenceperTokenKey(appID string) string {
	return fmt.Sprintf("%s_access_token_%s", credential.CacheKeyOfficialAccountPrefix, appID)
}

// silenceperStableTokenKey is the cache key of silenceper's StableAccessToken.
func silenceperStableTokenKey(appID string) string {
	return fmt.Sprintf("%s_stable_access_token_%s", credential.CacheKeyOfficialAccountPrefix, appID)
}

// CacheKey returns the key under which the token is cached.
func (h *AccessTokenHandle) CacheKey() string { return h.key }

// GetAccessToken returns a valid access token (context.Background()).
func (h *AccessTokenHandle) GetAccessToken() (string, error) {
	return h.GetAccessTokenContext(context.Background())
}

// GetAccessTokenContext returns a valid access token: from memory, else from
// the cache, else from WeChat (one fetch shared by concurrent callers).
func (h *AccessTokenHandle) GetAccessTokenContext(ctx context.Context) (string, error) {
	return h.get(ctx, "")
}

// RefreshAccessTokenContext forgets rejected and returns another token. See TokenRefresher.
func (h *AccessTokenHandle) RefreshAccessTokenContext(ctx context.Context, rejected string) (string, error) {
	if rejected == "" {
		return h.get(ctx, "")
	}
	tok, err := h.get(ctx, rejected)
	if err == nil && tok == rejected {
		return "", &card.Error{Provider: ProviderName, Op: "RefreshAccessToken", Kind: card.KindUnauthenticated,
			Message: "WeChat issued the rejected access token again"}
	}
	return tok, err
}

// get returns a token different from rejected ("" = any valid token).
func (h *AccessTokenHandle) get(ctx context.Context, rejected string) (string, error) {
	for attempt := 0; ; attempt++ {
		h.mu.Lock()
		if h.token != "" && h.token != rejected && time.Now().Before(h.expiry) {
			t := h.token
			h.mu.Unlock()
			return t, nil
		}
		c := h.flight
		leader := c == nil
		if leader {
			c = newFlight()
			h.flight = c
		}
		h.mu.Unlock()

		if leader {
			tok, exp, err := h.load(ctx, rejected)
			h.mu.Lock()
			if err == nil {
				h.token, h.expiry = tok, exp
			}
			h.flight = nil
			h.mu.Unlock()
			c.finish(tok, err)
			return tok, err
		}
		tok, err := c.wait(ctx)
		switch {
		case err == nil && (tok != rejected || rejected == ""):
			return tok, nil
		case leaderCanceled(ctx, err) && attempt < 3:
			continue // the leader's context ended, not ours: lead the next flight
		case err == nil && attempt < 3:
			continue // the flight served the rejected token: start one that forgets it
		}
		if err == nil {
			err = &card.Error{Provider: ProviderName, Op: "GetAccessToken", Kind: card.KindUnauthenticated,
				Message: "no access token other than the rejected one"}
		}
		return "", err
	}
}

// load reads the shared cache, else fetches from WeChat and fills the cache.
// Only one load per handle runs at a time (the flight leader).
func (h *AccessTokenHandle) load(ctx context.Context, rejected string) (string, time.Time, error) {
	if h.cache != nil {
		if v, ok := cache.GetContext(ctx, h.cache, h.key).(string); ok && v != "" {
			if v != rejected {
				return v, time.Now().Add(cachedTokenLocalTTL), nil
			}
			_ = cache.DeleteContext(ctx, h.cache, h.key)
		}
	}
	tok, ttl, err := fetchAccessToken(ctx, h.hc, h.baseURL, h.appID, h.secret)
	if err != nil {
		return "", time.Time{}, err
	}
	if h.cache != nil {
		if err := cache.SetContext(ctx, h.cache, h.key, tok, ttl); err != nil && h.onCacheErr != nil {
			// Keep the token (memory only) rather than fetch again on every call.
			h.onCacheErr(&card.Error{Provider: ProviderName, Op: "GetAccessToken", Kind: card.KindUnavailable,
				Message: "storing the access token in the cache failed; it is kept in memory only", Err: err})
		}
	}
	return tok, time.Now().Add(ttl), nil
}

// tokenLifetime turns WeChat's expires_in into how long we use the token: a
// margin of a tenth of it, at most 5 minutes, is kept so that the token is
// replaced before WeChat expires it.
func tokenLifetime(expiresIn int64) time.Duration {
	if expiresIn <= 0 {
		expiresIn = 7200
	}
	d := time.Duration(expiresIn) * time.Second
	margin := d / 10
	if margin > 5*time.Minute {
		margin = 5 * time.Minute
	}
	return d - margin
}

// fetchAccessToken calls GET /cgi-bin/token. Errors never contain the secret.
func fetchAccessToken(ctx context.Context, hc *http.Client, baseURL, appID, secret string) (string, time.Duration, error) {
	const op = "GetAccessToken"
	q := url.Values{"grant_type": {"client_credential"}, "appid": {appID}, "secret": {secret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/cgi-bin/token?"+q.Encode(), nil)
	if err != nil {
		return "", 0, &card.Error{Provider: ProviderName, Op: op, Kind: card.KindInvalidArgument, Message: "bad token URL", Err: scrubErr(err)}
	}
	body, err := roundTrip(hc, req)
	if err != nil {
		return "", 0, wrapCtx(ctx, op, err)
	}
	ce, err := decodeErrcode(op, body)
	if err != nil {
		return "", 0, &card.Error{Provider: ProviderName, Op: op, Kind: card.KindUnavailable, Message: "unreadable token answer", Err: err}
	}
	if ce != nil {
		return "", 0, apiError(op, ce)
	}
	var res struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &res); err != nil || res.AccessToken == "" {
		return "", 0, &card.Error{Provider: ProviderName, Op: op, Kind: card.KindUnavailable, Message: "token answer has no access_token"}
	}
	return res.AccessToken, tokenLifetime(res.ExpiresIn), nil
}

// maxBody bounds how much of a WeChat answer is read.
const maxBody = 16 << 20

// roundTrip sends req and returns the body of a 2xx answer. Transport errors
// are scrubbed of the URL's secrets.
func roundTrip(hc *http.Client, req *http.Request) ([]byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, scrubErr(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, scrubErr(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("HTTP status %d", resp.StatusCode)
	}
	return body, nil
}

// scrubErr removes secrets (access_token, secret, appsecret, ticket) from the
// URL inside a *url.Error.
func scrubErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: redactURL(ue.URL), Err: ue.Err}
	}
	return err
}

// redactURL replaces the values of secret query parameters with "REDACTED".
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	q := u.Query()
	for _, k := range []string{"access_token", "secret", "appsecret", "ticket"} {
		if q.Has(k) {
			q.Set(k, "REDACTED")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// leaderCanceled reports whether a flight failed only because its leader's
// context ended (a bare context error) while ctx is live. A client timeout
// arrives as a *card.Error and is shared with every waiter like any other
// transport failure, so that it does not cause more fetches.
func leaderCanceled(ctx context.Context, err error) bool {
	var ce *card.Error
	return err != nil && driver.IsContextError(err) && !errors.As(err, &ce) && ctx.Err() == nil
}

// flightCall is one in-progress load shared by concurrent callers.
type flightCall struct {
	done chan struct{}
	val  string
	err  error
}

func newFlight() *flightCall { return &flightCall{done: make(chan struct{})} }

func (c *flightCall) finish(val string, err error) {
	c.val, c.err = val, err
	close(c.done)
}

// wait blocks until the flight finishes or ctx ends.
func (c *flightCall) wait(ctx context.Context) (string, error) {
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
