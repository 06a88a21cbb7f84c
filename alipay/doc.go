// Package alipay is the Alipay adapter of walletcard: merchant member cards
// (商户会员卡, the alipay.marketing.card.* family) on top of
// github.com/smartwalle/alipay/v3, which signs every request with RSA2 and
// verifies every response signature.
//
// A *Provider implements card.MemberCard (Open → alipay.marketing.card.open,
// Get → card.query, Update → card.update, Delete → card.delete, ClaimLink →
// activateurl.apply) and card.TemplateManager (template.create and
// template.query). Every method of the family also has a typed Go method with
// typed request and response values (CardOpen, CardQuery, TemplateCreate,
// FormTemplateSet, ActivateURLApply, ActivateFormQuery, ConsumeSync,
// MessageNotify, Benefit*, ImageUpload, OAuthToken, UserInfoShare …). Each
// request type has Validate, run before anything is sent.
//
// alipay.marketing.card.authinfo.query and alipay.marketing.card.open.apply
// are not wrapped: Alipay documents neither their request fields nor their
// token needs (open.apply is marked internal). Call them through As.
//
// # How a call travels
//
// Every typed method fills its defaults (generated out_serial_no, request_id
// and notify_no, BIZ_CARD, occur_time = now) and hands the request to one
// generic path: Validate (a failure is card.ErrInvalidArgument naming the Go
// field, and nothing is sent); biz_content encoded once from the request's
// JSON form, with top-level parameters (auth_token, app_auth_token,
// grant_type …) and any file part added; smartwalle's Client.Request signs,
// sends and verifies; the verified response node is decoded into the typed
// response, or into a *card.Error (see Errors). The neutral card.MemberCard
// methods are thin mappings onto the typed methods.
//
// Build a Provider from keys (NewFromKeys, NewFromCerts) or from an existing
// smartwalle client (New):
//
//	client, _ := alipaysdk.New(appID, privateKey, false, // see New: never true
//		alipaysdk.WithSandboxGateway(alipay.ProductionGateway),
//		alipaysdk.WithTimeLocation(card.Beijing()))
//	_ = client.LoadAliPayPublicKey(alipayPublicKey)
//	p, err := alipay.New(client, nil)
//
// Build smartwalle clients with production=false and the real gateway URL:
// with production=true smartwalle downloads and trusts, unchecked against any
// root, whatever certificate an answer names in an unknown alipay_cert_sn, so
// a forged answer signed by any key would be accepted. NewFromKeys and
// NewFromCerts always do this, and New refuses a production=true client
// unless Options.AllowProductionClient accepts the risk (see New). An answer naming a certificate the client does not hold is rejected
// as UNKNOWN_SIGNING_CERT; after Alipay rotates its certificate, load the new
// one (NewFromCerts again).
//
// # The user's auth token (scope auth_ecard)
//
// Opening a card needs the user's access token from Alipay OAuth with scope
// auth_ecard, passed as the common parameter auth_token. AuthorizeURL builds
// the authorization page URL and always asks for auth_ecard; ExchangeCode
// turns the auth_code Alipay sends back into a Token, and RefreshToken renews
// it. A token the gateway rejects is reported as card.ErrUnauthenticated with
// a message saying where a valid token comes from.
//
// Open's Holder is the Alipay user id (2088…) or, for apps with openid
// enabled, the user's open_id (Token.OpenID); it is sent as
// card_user_info.user_uni_id or card_user_info.open_id accordingly.
//
// The activation-form flow (开卡组件) is TemplateCreate → FormTemplateSet →
// ActivateURLApply → the user submits the form → ParseActivationCallback on
// the redirect → ExchangeCode → ActivateFormQuery → CardOpen (or Open).
//
// # Errors
//
// smartwalle reports a signed business failure (code 40004 …) as a successful
// call; this package turns every code other than 10000 into a *card.Error of
// the matching kind (CARD_NOT_EXIT → card.ErrNotFound, CARD_HAS_OPENED →
// card.ErrAlreadyExists, 20001 → card.ErrUnauthenticated, 40005 →
// card.ErrRateLimited, 20000 → card.ErrUnavailable …). The gateway's answer
// stays reachable as *alipaysdk.Error with errors.As. Only unavailable errors
// are retried, with the Options.Retry policy, and only on calls that are
// keyed or whose repeat has no visible effect: card.update with
// merchant_card_msg_info, consume.sync, benefit.create, benefit.delete,
// image upload and oauth.token are sent once. card.open and card.delete carry an
// out_serial_no, template.create and template.modify a request_id and
// message.notify a notify_no, reused on every retry and put on every
// *card.Error they return (KeyError), so the caller can send the call again
// with it.
//
// Context: when the caller's ctx ends (canceled, or its deadline passed)
// the bare ctx.Err() is returned — context.Canceled or
// context.DeadlineExceeded, comparable with == — and it carries no key: set
// your own key (OpenRequest.IdempotencyKey, DeleteRequest.IdempotencyKey,
// OutSerialNo …) when you may need to repeat a canceled call. A timeout of
// the HTTP client (Options.HTTPClient) while ctx is live is a transport
// failure: an unavailable *card.Error, retried with the same key and
// carrying the KeyError like any other.
//
// Alipay does not document what a repeated out_serial_no does. A retry that
// finds the work already done after an attempt whose outcome was unknown
// (CARD_IS_DELETED_ALREADY on delete) counts as success; CARD_HAS_OPENED on
// a retry of an open, or on an open whose key the caller supplied, is
// reconciled with card.query by external card number and counts as success
// when the user's card has that number.
//
// # Trust boundaries
//
// A response whose signature is missing, wrong, made with another key, or whose
// body was changed after signing is never accepted. An answer that came
// without a signature — {"error_response":…} or a method node with no sign
// — never decides a business outcome: it is classified by its code only, as
// unauthenticated, unavailable or invalid argument (never NotFound,
// AlreadyExists or Conflict, whatever its sub_code), its Code is
// CodeUnsignedResponse, and for a call that changes something its outcome
// is unknown. An unsigned success is refused. The real gateway signs its
// own errors (bad request signature, stale timestamp) under the method's
// node; both shapes are handled.
//
// A valid signature is not a valid answer: Alipay signs the node's bytes,
// not its name nor the request. An answer is accepted only when its node
// carries no member of another method's answer and echoes the identifiers
// of the request (card numbers, external card number, template id); else
// it is refused with Code CodeForgedAnswer, outcome unknown for a mutation.
// CodeForgedAnswer lists each method's binding and the protocol's limits
// (answers that echo nothing of their request). Update confirms its
// card.update by reading the card back (CodeUpdateNotConfirmed).
//
// Answers are read through a limit (Options.MaxAnswerBytes, default 4 MiB)
// after their HTTP status was judged (a non-2xx answer is refused unread),
// and no redirect is followed, by any client: the form body, with the
// auth_token and app_auth_token, never goes to another host. The
// merchant's *http.Client is never changed; a guarded copy is used.
//
// Secrets (private keys, auth tokens, access and refresh tokens, auth codes,
// the app auth token) never appear in an error message — they are removed
// from anything the gateway echoes back — nor in any printed or logged
// value: Provider, Options, Token, the requests that carry tokens and
// ActivationCallback redact them in fmt's verbs, log/slog and JSON.
//
// # Time
//
// Alipay speaks Beijing time. The timestamp common parameter, occur_time,
// open_date and valid_date are all written in Asia/Shanghai time whatever the
// host's zone; New sets the client's time location to card.Beijing() unless
// it already stamps UTC+8.
//
// # As
//
// As exposes the native smartwalle client for calls this package does not
// wrap:
//
//	var c *alipaysdk.Client
//	if p.As(&c) {
//		// use c.Request(ctx, payload, &result) …
//	}
//
// As also fills a **Provider. As(nil) and any other target return false.
package alipay
