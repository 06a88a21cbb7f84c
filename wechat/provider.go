package wechat

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	wxsdk "github.com/silenceper/wechat/v2/officialaccount"
	wxconfig "github.com/silenceper/wechat/v2/officialaccount/config"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
	"github.com/walletcard/card/internal/retry"
	"github.com/walletcard/card/internal/walletrules"
)

// Default hosts of the WeChat APIs.
const (
	// DefaultBaseURL is the host of the WeChat server API (/cgi-bin/…, /card/…, /datacube/…).
	DefaultBaseURL = "https://api.weixin.qq.com"
	// DefaultQRImageBaseURL is the host that renders card QR codes (/cgi-bin/showqrcode).
	DefaultQRImageBaseURL = "https://mp.weixin.qq.com"
)

// Name is the value of card.Ref.Provider for WeChat cards.
const Name = card.WeChat

// Options configure a Provider. The zero value (or nil) talks to the real WeChat hosts.
type Options struct {
	// BaseURL replaces https://api.weixin.qq.com (for example wechattest.Server.URL()).
	BaseURL string
	// QRImageBaseURL replaces https://mp.weixin.qq.com, the host of showqrcode images.
	QRImageBaseURL string
	// HTTPClient sends every card API call. Default: a client with a 30 s timeout
	// owned by this Provider. silenceper's util.DefaultHTTPClient is never used or changed.
	HTTPClient *http.Client
	// Retry is the backoff used when WeChat answers errcode -1 (system busy)
	// to a call that is safe to send again (see the package doc: calls that
	// may have been applied are not resent).
	// A zero RetryPolicy means card.DefaultRetryPolicy(); set Attempts to 1 to disable retries.
	Retry card.RetryPolicy
	// Clock returns the current time (tests). Default time.Now.
	Clock func() time.Time
	// LevelField is the member-card custom field (1..3) that holds the level,
	// used by the neutral card.MemberCard methods. Default 1.
	LevelField int
	// Logger receives one record per neutral call (Open, Get, Update …):
	// Debug on success, Warn on failure, Error when the outcome is unknown.
	// nil (the default) logs nothing. Records never hold a secret.
	Logger *slog.Logger
	// Hook, if set, is called after every neutral call with its
	// card.CallInfo (provider, op, duration, attempts, kind, outcome known),
	// for metrics and tracing.
	Hook card.Hook
	// OnCacheError, if set, is told when the official account's cache cannot
	// store a freshly fetched card api_ticket (and, for a Provider built by
	// NewFromConfig, an access token), or when Fleet fails. Such a failure
	// never fails the call: the value is kept in memory and used, so a cache
	// outage does not burn WeChat's small ticket and token quotas. It must
	// not block.
	OnCacheError func(error)
	// PushToken and PushAESKey are the server configuration WeChat signs
	// (Token, 令牌) and, in safe mode, encrypts (EncodingAESKey, 43
	// characters) event pushes with; NewHandler uses them. Only
	// NewFromCredentials reads them (a Provider built on an official account
	// takes them from its config). Never printed or logged.
	PushToken  string
	PushAESKey string
	// MaxAnswerBytes bounds every card API answer read from WeChat (default
	// DefaultMaxAnswerBytes). An answer over it is an unavailable error and
	// nothing of it is decoded; a non-2xx answer is refused before its body
	// is read.
	MaxAnswerBytes int64
	// Fleet, if set, shares the wx_card api_ticket (and, for a Provider built
	// by NewFromConfig, the access token) with every process of the fleet,
	// and, if it is also a ClaimStore, the push Handler's replay memory (see
	// CredentialStore; wechatredis.New on Redis).
	Fleet CredentialStore
}

// Provider is the WeChat 卡券 adapter. It implements card.MemberCard,
// card.Consumer and card.TemplateManager, and offers the WeChat card API as
// typed methods. It is safe for concurrent use.
type Provider struct {
	pipe       *driver.Pipeline
	oa         *wxsdk.OfficialAccount
	baseURL    string
	qrBaseURL  string
	hc         *http.Client
	retry      retry.Policy
	now        func() time.Time
	levelField int
	onCacheErr func(error)

	maxAnswer int64

	cardTicket *credCell // the wx_card api_ticket (ticket.go)
}

// DefaultMaxAnswerBytes is the default Options.MaxAnswerBytes: 4 MiB, far
// above the largest answer of the card API (a datacube page or a
// batchget of 50 cards is tens of kilobytes).
const DefaultMaxAnswerBytes = 4 << 20

// String formats the options for logs with PushToken and PushAESKey
// redacted; %v, %+v and %s use it.
func (o Options) String() string {
	type plain Options
	o.PushToken, o.PushAESKey = redactedIf(o.PushToken), redactedIf(o.PushAESKey)
	return fmt.Sprintf("%+v", plain(o))
}

// GoString is String for %#v.
func (o Options) GoString() string { return "wechat.Options" + o.String() }

// LogValue formats the options for log/slog with the secrets redacted.
func (o Options) LogValue() slog.Value { return slog.StringValue(o.String()) }

// MarshalJSON encodes the options with the secrets redacted.
func (o Options) MarshalJSON() ([]byte, error) { return json.Marshal(o.String()) }

// NewFromCredentials returns a Provider for the official account appID,
// fetching access tokens with its app secret (stable_token by default, see
// TokenOptions) from opts.BaseURL with opts.HTTPClient, and caching them
// in memory (NewMemoryCache) or, with opts.Fleet, fleet-wide. It needs no
// import of silenceper's packages; use New to bring an official account
// of your own (with its own cache and access-token handle). opts may be
// nil:
//
//	p, err := wechat.NewFromCredentials(appID, appSecret, &wechat.Options{PushToken: token})
func NewFromCredentials(appID, appSecret string, opts *Options) (*Provider, error) {
	const op = "NewFromCredentials"
	if appID == "" {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("appID", "is required"))
	}
	if appSecret == "" {
		return nil, driver.Wrap(Name, op, card.KindInvalidArgument, driver.InvalidArgument("appSecret", "is required"))
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	return NewFromConfig(&wxconfig.Config{AppID: appID, AppSecret: appSecret, Token: o.PushToken, EncodingAESKey: o.PushAESKey}, opts)
}

// New returns a Provider that takes its access token from oa (whatever
// access-token handle and cache oa is configured with) and caches the card
// api_ticket in oa's cache.
func New(oa *wxsdk.OfficialAccount, opts *Options) (*Provider, error) {
	if oa == nil || oa.GetContext() == nil || oa.GetContext().Config == nil {
		return nil, driver.Wrap(Name, "New", card.KindInvalidArgument, driver.InvalidArgument("oa", "an *officialaccount.OfficialAccount with a config is required"))
	}
	if oa.GetContext().AccessTokenHandle == nil {
		return nil, driver.Wrap(Name, "New", card.KindInvalidArgument, driver.InvalidArgument("oa", "the official account has no access-token handle"))
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	p := &Provider{
		oa:         oa,
		baseURL:    strings.TrimRight(o.BaseURL, "/"),
		qrBaseURL:  strings.TrimRight(o.QRImageBaseURL, "/"),
		hc:         o.HTTPClient,
		retry:      o.Retry,
		now:        o.Clock,
		levelField: o.LevelField,
		onCacheErr: o.OnCacheError,
	}
	if p.baseURL == "" {
		p.baseURL = DefaultBaseURL
	}
	if p.qrBaseURL == "" {
		p.qrBaseURL = DefaultQRImageBaseURL
	}
	// Card calls never follow a redirect: a copy of the merchant's client
	// (theirs is not changed) whose redirects fail as non-2xx answers, so
	// neither the access token nor a body reaches another host.
	p.hc = noRedirectClient(p.hc)
	p.maxAnswer = o.MaxAnswerBytes
	if p.maxAnswer <= 0 {
		p.maxAnswer = DefaultMaxAnswerBytes
	}
	if p.retry == (retry.Policy{}) {
		p.retry = retry.Default()
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.levelField == 0 {
		p.levelField = 1
	}
	if p.levelField < 1 || p.levelField > 3 {
		return nil, driver.Wrap(Name, "New", card.KindInvalidArgument, driver.InvalidArgument("LevelField", "must be 1, 2 or 3, got %d", o.LevelField))
	}
	p.cardTicket = newCardTicketCell(p, o.Fleet)
	p.pipe = driver.NewPipeline(Name, cardDriver{p}, &driver.Options{
		Rules: walletrules.WeChat(), Retry: p.retry, Logger: o.Logger, Hook: o.Hook, Clock: p.now,
	})
	return p, nil
}

// Name returns "wechat".
func (p *Provider) Name() string { return Name }

// As exposes the native silenceper client: As(&oa) with
// oa *officialaccount.OfficialAccount sets oa to the account this Provider was
// built with, and As(&hc) with hc *http.Client sets the HTTP client card calls
// use. Any other target, including nil, returns false.
func (p *Provider) As(target any) bool {
	switch t := target.(type) {
	case **wxsdk.OfficialAccount:
		if t == nil {
			return false
		}
		*t = p.oa
		return true
	case **http.Client:
		if t == nil {
			return false
		}
		*t = p.hc
		return true
	}
	return false
}

// appID returns the official account's AppID.
func (p *Provider) appID() string { return p.oa.GetContext().AppID }
