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
// TamperNext corrupts the next response (missing, bad or foreign signature,
// altered body, unsigned error, or TamperForeignCert: an attacker's key named
// by a foreign alipay_cert_sn whose certificate the download serves),
// DropAnswerNext runs the next calls and then loses their answers (the client
// sees a transport error although the call was applied), FailNext answers the next calls with a
// failure of your choice (rate limit 40005, 20000 isp.unknow-error, any
// business sub_code) without touching state, and SetLatency delays answers,
// dropping requests whose client gave up (Options.RunAfterClientGone runs
// them anyway, as the real gateway does: a client timeout then leaves the
// call applied). Calls counts requests per method;
// Card, CardCount, Consumptions, Messages and Image show the stored state.
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
// aop.auth-token-time-out; request-signature failures answer an unsigned
// error_response; the timestamp window is TimestampWindow; certificate
// serials that do not match answer 40002 isv.invalid-parameter (the real
// sub_code is not documented). alipay.marketing.card.authinfo.query and
// open.apply, whose behaviour the sources do not document, answer
// isv.invalid-method.
package alipaytest
