// Package alipaytest runs a local Alipay OpenAPI gateway for integration
// tests: a loopback HTTP server (net/http/httptest) that behaves like
// https://openapi.alipay.com/gateway.do for the merchant member-card family
// (alipay.marketing.card.*), OAuth (alipay.system.oauth.token and the user
// authorization page), alipay.user.info.share and
// alipay.offline.material.image.upload.
//
// It is not a toy: every request's RSA2 (SHA256withRSA) signature is verified
// with the application's public key, the common parameters are checked
// (app_id, method, format, charset, sign_type, timestamp within
// TimestampWindow, version, biz_content), every answer is signed with the
// gateway's key in the real body shape
// {"<method_with_underscores>_response":{…},"sign":"…"}, and the methods keep
// real state: templates, form templates, activation links and submitted forms,
// cards, benefits, uploaded images, users, auth codes and tokens with scopes
// and expiry. Failures carry Alipay's codes and sub_codes (20001
// aop.invalid-auth-token, 40001 isv.missing-*, 40002 isv.invalid-signature,
// 40004 with the per-method sub_codes such as CARD_NOT_EXIT and
// CARD_HAS_OPENED, spelled as Alipay spells them).
//
// # Pointing smartwalle at it
//
// Server.NewClient returns a ready smartwalle client. To build one yourself:
//
//	srv := alipaytest.NewServer(nil)
//	defer srv.Close()
//	client, err := alipay.New(srv.AppID(), srv.AppPrivateKey(), false,
//		alipay.WithSandboxGateway(srv.URL()),
//		alipay.WithTimeLocation(card.Beijing())) // smartwalle stamps time.Local otherwise
//	if err != nil { … }
//	err = client.LoadAliPayPublicKey(srv.AlipayPublicKey())
//
// Use production=false with the gateway URL, as above, for real gateways too:
// with production=true smartwalle downloads and trusts, unchecked, any
// certificate an answer names in an unknown alipay_cert_sn (TamperForeignCert
// reproduces that attack).
//
// Then call methods through client.Request with alipay.NewPayload; pass the
// user's token with payload.AddParam("auth_token", token).
//
// Options.CertMode switches the gateway to public-key-certificate mode: it
// issues a test root CA, an app certificate and a gateway certificate
// (AlipayRootCert, AppCertPublicKey, AlipayCertPublicKey), requires the
// matching app_cert_sn and alipay_root_cert_sn on every request and puts
// alipay_cert_sn in every signed response; NewCertClient wires smartwalle for
// it, and alipay.open.app.alipaycert.download serves the gateway certificate.
// Options.AESKey turns on interface content encryption (encrypt_type=AES, the
// key smartwalle's SetEncryptKey takes): biz_content arrives encrypted and
// answers go back encrypted and signed over the ciphertext.
//
// Every user the gateway knows also has an open_id (OpenID), as for an app
// with openid enabled: oauth.token and user.info.share return it next to
// user_id, and card.open and card.query accept card_user_info.open_id in
// place of user_uni_id.
//
// A member needs an auth_token with scope auth_ecard before card.open. Get one
// with IssueToken, or go through the real flows: Authorize (or a GET on
// AuthorizeURL) gives an auth_code that alipay.system.oauth.token redeems; the
// activation-form flow is formtemplate.set → activateurl.apply →
// SubmitActivationForm (the user filling the form) → oauth.token with the
// returned auth_code → activateform.query → card.open. An ISV acting for a
// merchant sends an app_auth_token; once IssueAppAuthToken has been called,
// only tokens it issued are accepted.
//
// # Faults and inspection
//
// The fault vocabulary is the one of package mock and of wechattest; op is
// the Alipay method name ("alipay.marketing.card.open"), "" for every
// method where that makes sense:
//
//	FailNext(op, kind, n)      the next n calls fail before being applied, with
//	                           Alipay's answer for kind (table below)
//	FailNextCode(op, code, sub_code, sub_msg, n)
//	                           the same with an exact answer
//	LoseAnswerNext(op, n)      the next n calls are applied, then the connection
//	                           is closed with no answer
//	SetLatency(op, d)          answers wait d; a client that gives up leaves the
//	                           call unapplied (Options.RunAfterClientGone: applied)
//	ExpireCredentials()        every user auth_token issued so far expires
//	                           (20001 aop.auth-token-time-out; refresh tokens work)
//	RevokeCredentials()        every request fails 40002 isv.invalid-signature,
//	RestoreCredentials()       as if the app key were replaced, until restored
//
// The answer FailNext gives for each kind, signed like every method answer
// (a kind a method has no answer for is refused when named, skipped by a
// "" rule):
//
//	KindUnavailable       20000 isp.unknow-error
//	KindRateLimited       40005 aop.call-limited
//	KindUnauthenticated   20001 aop.invalid-auth-token
//	                      (oauth.token: unsigned error_response 40002 isv.code-invalid)
//	KindPermissionDenied  40006 isv.insufficient-isv-permissions
//	KindInvalidArgument   40004 INVALID_PARAMETER (card methods), else 40002 isv.invalid-parameter
//	KindNotFound          40004 CARD_NOT_EXIT (query, update, delete, consume.sync,
//	                      message.notify), TEMPLATE_NOT_EXIT (open, template.modify,
//	                      template.query), CARD_TEMPLATE_NOT_EXIST (formtemplate.set,
//	                      activateurl.apply), TEMPLATE_NOT_EXIST (benefit.create),
//	                      BENEFIT_NOT_EXIST (benefit.modify, .query, .delete)
//	KindAlreadyExists     40004 CARD_HAS_OPENED (open)
//	KindConflict          40004 OPEN_CARD_NEED_OPENFORM (open), TEMPLATE_OVER_LIMIT
//	                      (template.create)
//
// Alipay-specific tools: TamperNext corrupts the next response (missing,
// bad or foreign signature, altered body, unsigned error, or
// TamperForeignCert: an attacker's key named by a foreign alipay_cert_sn
// whose certificate the download serves); Options.ForgetSerials and
// Options.RunAfterClientGone change how repeats and abandoned requests are
// handled.
//
// Hostile-gateway tools, for a client's trust-boundary tests: Answers
// returns the genuine answers the gateway gave (signed bodies, byte for
// byte) and ReplayNext serves one of them — from another call or another
// method — in place of the next answer; HostileNext serves RawBody (any
// bytes), OversizedBody (n bytes, streamed), EndlessBody (until the client
// goes away), ErrorStatus (a non-2xx status with a large body) or Redirect
// (301/302/303/307/308 to another URL). Those requests are counted but
// never applied. Options.GatewayErrors chooses the shape of the gateway's
// own errors: as the real gateway answers them (signed, under
// <method>_response; see GatewayErrorShape for the sources) or the unsigned
// shapes found in other public fixtures.
//
// CallCount counts requests per method; Card, CardCount, Consumptions,
// Messages and Image show the stored state.
//
// # Keys
//
// By default a Server uses fixed RSA-2048 key pairs built into this package.
// They are public and for tests only; never use them to sign anything real.
// Options.FreshKeys generates new pairs per server.
//
// # Choices where Alipay documents nothing
//
// The gateway follows the team's wire reference; where Alipay's behaviour is
// not documented it makes these choices: a repeated out_serial_no on
// card.open (same user and template) or card.delete (same card) replays the
// first answer when the business fields (biz_content) are the same, and
// answers INVALID_PARAMETER when they differ (Options.ForgetSerials
// processes every repeat as new instead); a user
// whose card was deleted with CANCEL cannot open another of that template
// (CARD_HAS_OPENED); a biz_content member the method does not declare, an
// image id that is not 1–64 letters, digits, '_' or '-', and a bg_color not
// written rgb(r,g,b) answer INVALID_PARAMETER; a repeated request_id on
// template.create returns the same template for the same biz_content and
// answers INVALID_PARAMETER for a different one; the activation form's
// callback carries app_id, template_id, request_id, auth_code, scope (and
// out_string/state), or only the confirmed auth_code and request_id with
// Options.MinimalCallback; notify_no and consume.sync trade_no are idempotent; biz_card_no is
// biz_no_prefix followed by a zero-padded sequence per prefix of
// biz_no_suffix_len digits; invalid biz_content fields answer 40004
// INVALID_PARAMETER; token failures (missing, unknown or without the needed
// scope) answer 20001 aop.invalid-auth-token and expired ones
// aop.auth-token-time-out; gateway-level failures (request signature,
// common parameters) take the shape described at GatewayErrorsAsAlipay;
// the timestamp window is TimestampWindow; certificate
// serials that do not match answer 40002 isv.invalid-parameter (the real
// sub_code is not documented). alipay.marketing.card.authinfo.query and
// open.apply, whose behaviour the sources do not document, answer
// isv.invalid-method.
package alipaytest
