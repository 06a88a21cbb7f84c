package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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

// TokenSource chooses the WeChat endpoint access tokens come from.
type TokenSource int

const (
	// TokenSourceStable is POST /cgi-bin/stable_token in normal mode (the
	// default): every caller, in every process, gets the same token for its
	// lifetime, so fetches never invalidate another process's token. WeChat
	// renews it in its last five minutes and keeps both valid meanwhile.
	// force_refresh is sent only to replace a token WeChat rejected and
	// still hands out (see AccessTokenHandle).
	TokenSourceStable TokenSource = iota
	// TokenSourceClassic is GET /cgi-bin/token: each fetch issues a new
	// token and ends the previous one five minutes later, so uncoordinated
	// processes rotate each other's tokens away. Tokens of the two sources
	// are separate on WeChat's side.
	TokenSourceClassic
)

// String returns "stable_token" or "token".
func (s TokenSource) String() string {
	if s == TokenSourceClassic {
		return "token"
	}
	return "stable_token"
}

// Defaults of TokenOptions.
const (
	// DefaultForceRefreshPerDay is WeChat's daily quota of stable_token force refreshes.
	DefaultForceRefreshPerDay = 20
	// DefaultForceRefreshSpacing is the least time WeChat wants between two force refreshes.
	DefaultForceRefreshSpacing = 30 * time.Second
	// DefaultMaxCredentialAnswer bounds a token or ticket answer (real ones are under 1 KB).
	DefaultMaxCredentialAnswer = 1 << 20
)

// TokenOptions configure an AccessTokenHandle.
type TokenOptions struct {
	// BaseURL replaces https://api.weixin.qq.com for the token endpoint.
	BaseURL string
	// HTTPClient fetches tokens. Default: a client with a 30 s timeout owned
	// by the handle. Redirects are never followed (a merchant's client is
	// copied with its CheckRedirect replaced, never changed): a redirect
	// answer fails the fetch, so the app secret goes nowhere else.
	HTTPClient *http.Client
	// Source is the token endpoint: TokenSourceStable (default) or TokenSourceClassic.
	Source TokenSource
	// CacheKey is the key of the token in the silenceper cache (used only
	// without Fleet). Default: the key silenceper's StableAccessToken
	// ("gowechat_officialaccount__stable_access_token_" + appID) or, for
	// TokenSourceClassic, DefaultAccessToken ("gowechat_officialaccount__access_token_"
	// + appID) uses, so both share one cached token.
	CacheKey string
	// Fleet, if set, shares the token with every process of the fleet (see
	// CredentialStore; wechatredis.New on Redis) instead of the silenceper
	// cache: one fetch per expiry or rejection fleet-wide. When the store
	// fails, the handle works per process and rejoins when it answers again.
	Fleet CredentialStore
	// OnCacheError, if set, is told when the shared cache cannot store a
	// freshly fetched token, or when the Fleet store fails (once per outage).
	// Such a failure never fails the call: the token is kept in this
	// handle's memory and returned, so an outage does not make every call
	// fetch again and burn WeChat's quotas. The error never contains the
	// token. It is called synchronously by the caller that saw the failure;
	// it must not block.
	OnCacheError func(error)
	// Clock returns the current time for token lifetimes (tests). Default time.Now.
	Clock func() time.Time
	// ForceRefreshPerDay bounds stable_token force refreshes per Beijing day
	// (fleet-wide with Fleet). Default DefaultForceRefreshPerDay (20, WeChat's quota).
	ForceRefreshPerDay int
	// ForceRefreshSpacing is the least time between two force refreshes.
	// Default DefaultForceRefreshSpacing (30 s: WeChat ignores a sooner one).
	ForceRefreshSpacing time.Duration
	// MaxResponseBytes bounds the token answer read from WeChat; a larger
	// answer is card.ErrUnavailable and nothing of it is decoded. Default
	// DefaultMaxCredentialAnswer (1 MB).
	MaxResponseBytes int64
}

// AccessTokenHandle is a silenceper credential.AccessTokenContextHandle that
// fetches the access token from a configurable host with its own
// *http.Client (silenceper's handles always use the real host and its
// package-global client): from /cgi-bin/stable_token by default
// (TokenOptions.Source).
//
// It keeps the token in memory, so a valid token costs one atomic load: no
// lock, no cache and no Redis on the hot path. Concurrent callers share one
// fetch: when 1,000 calls start just after the token expired, WeChat sees one
// request. With TokenOptions.Fleet the whole fleet shares one fetch per
// expiry (see CredentialStore); without it the token is stored in a
// silenceper cache.Cache (memory, Redis, memcache …) as silenceper's own
// handles do.
//
// When WeChat rejects a token (40001, 40014, 42001) RefreshAccessTokenContext
// adopts the fleet's newer token if there is one, else fetches one in normal
// mode; only if WeChat hands out the rejected token again — the fleet's state,
// read under its fetch lock, holding no other — is a force_refresh sent,
// booked against WeChat's quota (20 a day, 30 s apart). An exhausted quota or
// spacing is a card.ErrRateLimited error saying so.
//
// It prints, logs and marshals without its app secret or token. Install it
// with oa.SetAccessTokenHandle.
type AccessTokenHandle struct {
	appID, secret string
	source        TokenSource
	baseURL       string
	hc            *http.Client
	key           string
	limit         int64
	cell          *credCell
}

var _ credential.AccessTokenContextHandle = (*AccessTokenHandle)(nil)
var _ TokenRefresher = (*AccessTokenHandle)(nil)

// cachedTokenLocalTTL bounds how long a token read from the shared cache (whose
// remaining lifetime is unknown) is used from memory before the cache is read again.
const cachedTokenLocalTTL = time.Minute

// NewAccessTokenHandle returns a handle for the official account appID. c may
// be nil (the token then lives in this handle only); it is not used with
// TokenOptions.Fleet. opts may be nil.
func NewAccessTokenHandle(appID, secret string, c cache.Cache, opts *TokenOptions) *AccessTokenHandle {
	var o TokenOptions
	if opts != nil {
		o = *opts
	}
	h := &AccessTokenHandle{
		appID:   appID,
		secret:  secret,
		source:  o.Source,
		baseURL: strings.TrimRight(o.BaseURL, "/"),
		hc:      noRedirectClient(o.HTTPClient),
		key:     o.CacheKey,
		limit:   o.MaxResponseBytes,
	}
	if h.baseURL == "" {
		h.baseURL = DefaultBaseURL
	}
	if h.limit <= 0 {
		h.limit = DefaultMaxCredentialAnswer
	}
	if h.key == "" {
		if h.source == TokenSourceClassic {
			h.key = silenceperTokenKey(appID)
		} else {
			h.key = silenceperStableTokenKey(appID)
		}
	}
	now := o.Clock
	if now == nil {
		now = time.Now
	}
	h.cell = &credCell{
		op:       "GetAccessToken",
		what:     "access token",
		fleetKey: "access_token:" + h.source.String() + ":" + appID,
		fleet:    o.Fleet,
		cacheKey: h.key,
		now:      now,
		onErr:    o.OnCacheError,
		fetch:    h.fetch,
	}
	if c != nil {
		h.cell.cache = func() cache.Cache { return c }
	}
	if h.source != TokenSourceClassic {
		p := &forcePolicy{perDay: o.ForceRefreshPerDay, spacing: o.ForceRefreshSpacing}
		if p.perDay <= 0 {
			p.perDay = DefaultForceRefreshPerDay
		}
		if p.spacing <= 0 {
			p.spacing = DefaultForceRefreshSpacing
		}
		h.cell.force = p
	}
	return h
}

// silenceperTokenKey is the cache key of silenceper's DefaultAccessToken for
// an official account (credential/default_access_token.go, v2.1.10).
func silenceperTokenKey(appID string) string {
	return fmt.Sprintf("%s_access_token_%s", credential.CacheKeyOfficialAccountPrefix, appID)
}

// silenceperStableTokenKey is the cache key of silenceper's StableAccessToken (v2.1.10).
func silenceperStableTokenKey(appID string) string {
	return fmt.Sprintf("%s_stable_access_token_%s", credential.CacheKeyOfficialAccountPrefix, appID)
}

// CacheKey returns the key under which the token is cached (without a fleet).
func (h *AccessTokenHandle) CacheKey() string { return h.key }

// Source returns the token endpoint the handle uses.
func (h *AccessTokenHandle) Source() TokenSource { return h.source }

// GetAccessToken returns a valid access token (context.Background()).
func (h *AccessTokenHandle) GetAccessToken() (string, error) {
	return h.GetAccessTokenContext(context.Background())
}

// GetAccessTokenContext returns a valid access token: from memory, else
// from the fleet or the cache, else from WeChat (one fetch shared by
// concurrent callers, and by the fleet).
func (h *AccessTokenHandle) GetAccessTokenContext(ctx context.Context) (string, error) {
	return h.cell.get(ctx, "")
}

// RefreshAccessTokenContext forgets rejected and returns another token. See TokenRefresher.
func (h *AccessTokenHandle) RefreshAccessTokenContext(ctx context.Context, rejected string) (string, error) {
	return h.cell.get(ctx, rejected)
}

// fetch gets a token from the configured endpoint.
func (h *AccessTokenHandle) fetch(ctx context.Context, force bool) (string, time.Duration, error) {
	if h.source == TokenSourceClassic {
		return fetchAccessToken(ctx, h.hc, h.baseURL, h.appID, h.secret, h.limit)
	}
	return fetchStableToken(ctx, h.hc, h.baseURL, h.appID, h.secret, force, h.limit)
}

// String describes the handle without its secret or token.
func (h AccessTokenHandle) String() string {
	fleet := "none"
	if h.cell != nil && h.cell.fleet != nil {
		fleet = "set"
	}
	return fmt.Sprintf("wechat.AccessTokenHandle{AppID:%s Secret:%s Source:%s BaseURL:%s Fleet:%s Token:%s}",
		h.appID, redactedIf(h.secret), h.source, h.baseURL, fleet, redactedIf(h.token()))
}

// token is the token in memory ("" if none), for String.
func (h AccessTokenHandle) token() string {
	if h.cell == nil {
		return ""
	}
	if v := h.cell.cur.Load(); v != nil {
		return v.val
	}
	return ""
}

// GoString is String: %#v never shows the secret.
func (h AccessTokenHandle) GoString() string { return h.String() }

// Format prints String for every verb (%v, %+v, %#v, %s …).
func (h AccessTokenHandle) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, h.String()) }

// LogValue logs the handle without its secret or token.
func (h AccessTokenHandle) LogValue() slog.Value {
	return slog.GroupValue(slog.String("app_id", h.appID), slog.String("secret", redactedIf(h.secret)),
		slog.String("source", h.source.String()), slog.String("base_url", h.baseURL), slog.String("token", redactedIf(h.token())))
}

// MarshalJSON marshals the handle without its secret or token.
func (h AccessTokenHandle) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		AppID   string `json:"app_id"`
		Secret  string `json:"secret"`
		Source  string `json:"source"`
		BaseURL string `json:"base_url"`
		Token   string `json:"token"`
	}{h.appID, redactedIf(h.secret), h.source.String(), h.baseURL, redactedIf(h.token())})
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
func fetchAccessToken(ctx context.Context, hc *http.Client, baseURL, appID, secret string, limit int64) (string, time.Duration, error) {
	const op = "GetAccessToken"
	q := url.Values{"grant_type": {"client_credential"}, "appid": {appID}, "secret": {secret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/cgi-bin/token?"+q.Encode(), nil)
	if err != nil {
		return "", 0, &card.Error{Provider: Name, Op: op, Kind: card.KindInvalidArgument, Message: "bad token URL", Err: scrubErr(err)}
	}
	return tokenAnswer(ctx, op, hc, req, limit, false)
}

// fetchStableToken calls POST /cgi-bin/stable_token. The secret travels in
// the body only. Errors never contain the secret.
func fetchStableToken(ctx context.Context, hc *http.Client, baseURL, appID, secret string, force bool, limit int64) (string, time.Duration, error) {
	const op = "GetAccessToken"
	body, err := json.Marshal(struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}{"client_credential", appID, secret, force})
	if err != nil {
		return "", 0, &card.Error{Provider: Name, Op: op, Kind: card.KindInvalidArgument, Message: "cannot encode the stable_token request"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/cgi-bin/stable_token", bytes.NewReader(body))
	if err != nil {
		return "", 0, &card.Error{Provider: Name, Op: op, Kind: card.KindInvalidArgument, Message: "bad token URL", Err: scrubErr(err)}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	return tokenAnswer(ctx, op, hc, req, limit, force)
}

// tokenAnswer sends a token request and decodes the answer.
func tokenAnswer(ctx context.Context, op string, hc *http.Client, req *http.Request, limit int64, force bool) (string, time.Duration, error) {
	body, err := roundTripLimit(hc, req, limit)
	if err != nil {
		return "", 0, wrapCtx(ctx, op, err)
	}
	ce, err := decodeErrcode(op, body)
	if err != nil {
		return "", 0, &card.Error{Provider: Name, Op: op, Kind: card.KindUnavailable, Message: "unreadable token answer", Err: err}
	}
	if ce != nil {
		e := apiError(op, ce)
		if force && ce.ErrCode == 45009 {
			e.Message = "the stable_token force_refresh quota is exhausted (WeChat allows 20 a day); the rejected token cannot be replaced until midnight Beijing time"
		}
		return "", 0, e
	}
	tok, ttl, err := credentialAnswer(body, "access_token")
	if err != nil {
		return "", 0, &card.Error{Provider: Name, Op: op, Kind: card.KindUnavailable, Message: "token answer has no valid access_token", Err: err}
	}
	return tok, ttl, nil
}

// maxCredentialLen bounds a token or ticket value (WeChat asks callers to
// keep room for 512 characters).
const maxCredentialLen = 2048

// maxExpiresIn bounds the expires_in we believe (WeChat's are at most 7200 s).
const maxExpiresIn = 24 * 3600

// credentialAnswer decodes the value (field "access_token" or "ticket") and
// the lifetime of a successful token or ticket answer. The value must be
// 1..2048 visible ASCII characters; expires_in may be a number or a numeric
// string, absent or ≤ 0 meaning 7200, and is capped at a day.
func credentialAnswer(body []byte, field string) (string, time.Duration, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return "", 0, errors.New("answer is not a JSON object")
	}
	var v string
	if err := json.Unmarshal(m[field], &v); err != nil || v == "" {
		return "", 0, fmt.Errorf("no %s string", field)
	}
	if len(v) > maxCredentialLen {
		return "", 0, fmt.Errorf("%s is %d bytes, more than %d", field, len(v), maxCredentialLen)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return "", 0, fmt.Errorf("%s holds a byte that is not visible ASCII", field)
		}
	}
	var exp int64
	if raw := strings.Trim(strings.TrimSpace(string(m["expires_in"])), `"`); raw != "" && raw != "null" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return "", 0, errors.New("expires_in is not an integer")
		}
		exp = n
	}
	if exp > maxExpiresIn {
		exp = maxExpiresIn
	}
	return v, tokenLifetime(exp), nil
}

// errTooLarge is the error of an answer over the read limit.
type errTooLarge struct{ limit int64 }

func (e errTooLarge) Error() string {
	return fmt.Sprintf("answer larger than %d bytes; nothing of it was decoded", e.limit)
}

// errStatus is the error of a non-2xx answer (its body is not read).
type errStatus struct{ code int }

func (e errStatus) Error() string {
	if e.code >= 300 && e.code < 400 {
		return fmt.Sprintf("HTTP status %d: redirects are not followed", e.code)
	}
	return fmt.Sprintf("HTTP status %d", e.code)
}

// roundTripLimit sends req and returns the body of a 2xx answer. The status
// is checked before any of the body is read; a body over limit bytes is an
// error and is not returned.
func roundTripLimit(hc *http.Client, req *http.Request, limit int64) ([]byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, scrubErr(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, errStatus{resp.StatusCode}
	}
	if resp.ContentLength > limit {
		return nil, errTooLarge{limit}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, scrubErr(err)
	}
	if int64(len(body)) > limit {
		return nil, errTooLarge{limit}
	}
	return body, nil
}

// noRedirectClient returns a client that never follows a redirect: a copy
// of hc (nil: a new client with a 30 s timeout) whose CheckRedirect returns
// the redirect answer itself, which then fails as a non-2xx status. hc is
// not changed.
func noRedirectClient(hc *http.Client) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	} else {
		c.Timeout = 30 * time.Second
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
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
