// Package wechat is the WeChat 卡券 (card and coupon) adapter of walletcard,
// built on github.com/silenceper/wechat/v2.
//
// A Provider implements card.MemberCard, card.Consumer and
// card.TemplateManager, and offers the WeChat card API as typed methods
// (ActivateMemberCard, UpdateMemberUser, GetCode, ConsumeCode, CreateCard,
// CreateQRCode …), each with a request type whose Validate checks the
// documented limits before anything is sent.
//
//	oa := officialaccount.NewOfficialAccount(&config.Config{AppID: id, AppSecret: secret, Token: pushToken, Cache: redisCache})
//	p, err := wechat.New(oa, nil)
//	c, err := p.Open(ctx, card.OpenRequest{TemplateID: cardID, Code: code, ExternalNo: "M-1001"})
//
// # Architecture
//
// Every typed method takes a request struct and runs the same path: Validate
// (a card.ErrInvalidArgument *card.Error naming the Go field; nothing is
// sent), then one JSON call through the Provider's own *http.Client with the
// access token, token refresh, busy retries and errcode mapping described
// below, then decoding into the typed response. The neutral card.MemberCard
// methods build the same typed requests and use the same path. The files
// follow the API: cards.go (card definitions, /card/*), distribution.go (QR
// codes, landing pages, whitelist), deposit.go and code.go (codes),
// membercard.go, generalcard.go, tickets.go, paygiftcard.go, submerchant.go,
// datacube.go; client.go, token.go, ticket.go and errors.go are the plumbing;
// events.go and handler.go the pushes; neutral.go the card interfaces.
//
// # Access tokens and the card api_ticket
//
// The access token comes from the official account's access-token handle
// (oa.GetAccessTokenContext), so the merchant chooses the cache (silenceper's
// memory, Redis or memcache cache) or installs a handle with
// oa.SetAccessTokenHandle. silenceper's DefaultAccessToken always calls the
// real host through silenceper's package-global HTTP client; AccessTokenHandle
// (NewAccessTokenHandle) is a drop-in handle with its own base URL and
// *http.Client, sharing silenceper's cache key, that fetches once for any
// number of concurrent callers, from /cgi-bin/stable_token by default
// (TokenSourceClassic for /cgi-bin/token). With Options.Fleet (a
// CredentialStore such as wechatredis.Store) the token and the api_ticket
// are shared by every process of a fleet: one fetch per expiry or rejection
// fleet-wide, per-process fallback while the store is unreachable.
//
// When WeChat rejects a token (errcode 40001, 40014 or 42001) the call
// refreshes it once and is repeated: a handle implementing TokenRefresher
// (AccessTokenHandle does) is asked for a new token; for any other handle the
// cache keys silenceper uses ("gowechat_officialaccount__access_token_<appid>"
// and its stable-token twin) are deleted when they hold the rejected token,
// and the handle is asked again.
//
// Card HTTP calls use Options.HTTPClient and Options.BaseURL; the adapter
// never changes silenceper's globals (util.DefaultHTTPClient, SetURIModifier).
// errcode -1 (system busy) is retried with backoff (Options.Retry) honouring
// the context, but only for calls that are safe to send twice: reads, and
// writes that set absolute values or a state (updateuser without add_*, or
// with add_* beside the absolute value it labels, card/update, paycell/set
// …). WeChat sometimes carries a call out and still answers -1, so creations
// and deltas (card/create, qrcode/create, modifystock, activate, updateuser
// with a lone add_bonus/add_balance …) are sent once and their -1 is
// returned as card.ErrUnavailable saying the call may have been applied.
// Consume and Delete (code/consume, code/unavailable) are resent and
// recognise their own earlier success through code/get (see ConsumeCode);
// DepositCodes resends a batch, since WeChat answers codes it holds as
// duplicates (see DepositCodesResponse.ResentDuplicates and MaybeDeposited).
//
// The wx_card api_ticket for JS-SDK wx.addCard (CardAPITicket, CardExt) is
// shared through Options.Fleet, or else kept in the official account's cache
// under CardTicketCacheKey, so processes sharing a Redis cache share one
// ticket. It is never the jsapi ticket. Token and ticket answers are read up
// to DefaultMaxCredentialAnswer bytes, status first, and their fetches never
// follow a redirect.
//
// A cache or fleet store that fails (Redis down) never fails the call: the
// value is kept in memory and used until it expires, so an outage does not
// burn WeChat's small daily fetch quotas; the failure is reported to
// Options.OnCacheError (TokenOptions.OnCacheError for a handle built
// directly).
//
// # Errors
//
// Every error is a *card.Error with Provider "wechat" and Op the method name;
// WeChat's *util.CommonError stays reachable with errors.As. The one
// exception: when the caller's ctx has ended, the bare ctx error
// (context.Canceled or context.DeadlineExceeded) is returned. An
// Options.HTTPClient timeout while ctx is live is a retryable
// card.ErrUnavailable *card.Error, not a context error. One table maps
// errcodes to kinds: 40056, 40073 and 40127 (unknown code or card, deleted or
// unavailable card) are card.ErrNotFound; 40099 (consumed), 40079 (outside
// validity) and 40078 (card status) card.ErrConflict; 45009 and 45011
// card.ErrRateLimited; 48001 and 45030 card.ErrPermissionDenied; 41011, 45021,
// 40109 … card.ErrInvalidArgument; 40001, 40014, 42001 card.ErrUnauthenticated.
// Coupon types that WeChat stopped accepting in April 2021 are still sent by
// CreateCard; a refusal says so and points to WeChat Pay merchant coupons.
//
// # Neutral mapping
//
//	Open        membercard/userinfo/get, then membercard/activate (Code required; ExternalNo → membership_number,
//	            Points → init_bonus (whole points only), Balance → init_balance (fen), Level → init_custom_field_value<LevelField>,
//	            ValidUntil → activate_end_time). Already active with the same number: returned as is; another number: ErrAlreadyExists.
//	Get         membercard/userinfo/get + code/get (check_consume=false). DELETE/UNAVAILABLE → ErrNotFound.
//	            Level is empty: userinfo/get does not return custom-field values.
//	Update      membercard/updateuser with absolute bonus/balance, custom_field_value<LevelField>, Note → record_bonus/record_balance (≤ 14 characters).
//	Delete      code/unavailable with the reason.
//	ClaimLink   qrcode/create QR_CARD (Channel → outer_str, Holder → openid, ExpiresIn → expire_seconds 60–1800).
//	            For a landing page use CreateLandingPage; for the activation component GetActivateURL; for wx.addCard CardExt.
//	Consume     code/consume.
//	CreateTemplate / GetTemplate   card/create MEMBER_CARD / card/get.
//
// # Events
//
// Handler (Provider.NewHandler) is the http.Handler to mount at the
// account's server URL. It answers the GET echostr check, verifies every
// push's signature (403 otherwise, and no callback runs), decrypts safe-mode
// pushes with silenceper's util.DecryptMsg (with an EncodingAESKey set, a
// plaintext push is refused with 403: its signature does not cover the body),
// refuses (403) a signed push whose timestamp is more than
// HandlerOptions.MaxAge (default 5 minutes) away from its clock or whose
// (timestamp, nonce) pair it already accepted, so a captured push cannot be
// replayed, parses the 13 card events into
// *CardEvent and calls the hooks registered with On, OnCardEvent and OnEvent
// (neutral card.Event; see CardEvent.Neutral for the mapping). Every other
// verified message (user messages, subscribe, menu clicks …) goes to
// HandlerOptions.Fallback as a plaintext request, or is acknowledged and
// dropped when there is none.
//
// # As
//
// As(&oa) with oa *officialaccount.OfficialAccount returns the account the
// Provider was built with; As(&hc) with hc *http.Client the HTTP client card
// calls use. As(nil) and any other target return false.
//
// # Testing
//
// Package wechattest is a local WeChat API server with real tokens and state;
// point Options.BaseURL, Options.QRImageBaseURL and TokenOptions.BaseURL at it.
package wechat
