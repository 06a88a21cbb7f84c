// Package wechattest is a stateful, loopback imitation of the WeChat Official
// Account 卡券 (card and coupon) HTTP API at api.weixin.qq.com, for
// integration tests that must not touch the network.
//
// A Server issues and checks access tokens (/cgi-bin/token and
// /cgi-bin/stable_token; expired → 42001, unknown or revoked → 40001,
// missing → 41001; stable_token shares one token in normal mode, renews it
// five minutes early, and rotates it on force_refresh within a daily quota and
// a 30 s spacing, see StableTokenFetches), issues wx_card and jsapi api_tickets, and keeps real state
// for every card operation of the wire reference (rows 1–49): cards and their
// review status, stock, deposited and issued codes, redemption, member data,
// activation forms, QR codes and landing pages, the test whitelist,
// sub-merchants, pay-gift rules and datacube statistics. Requests are
// validated like WeChat does and answered with WeChat's errcodes (always HTTP
// 200, errmsg with a " hint: […]" suffix, so clients must match on errcode).
//
// Point a client at URL() instead of https://api.weixin.qq.com and at
// QRImageURL() instead of https://mp.weixin.qq.com. The methods Claim,
// ScanQR, SubmitMemberForm, DeleteByUser, ViewCard, PayWithPayCell, Approve
// and Reject simulate users and WeChat's review; with SetEventURL they push
// the matching XML events (signed, and encrypted in safe mode) to the
// merchant's handler, and Push sends any event. ResetTokens resets every
// access token out of band (as a second server or the console fetching a
// new one would). CallCount, TokenFetches, StableTokenFetches, TokenRejections,
// TicketFetches, CardTicket, Member, Stock, CardStatus, Whitelist, Image and
// Pushes inspect what happened. A path the server does not know answers
// HTTP 404 with errcode 40066.
//
// POST /cgi-bin/media/uploadimg takes the logo and background images of a
// card (multipart field "buffer", JPG or PNG judged by content, at most
// MaxImageBytes) and answers {"url":"http://mmbiz.qpic.cn/…"}; with
// Options.RequireUploadedImages, /card/create and /card/update accept only
// the image URLs it issued.
//
// # Fault injection
//
// The fault vocabulary is the one of package mock and of alipaytest; op is
// the API path ("/card/membercard/activate"), "" for every path where that
// makes sense:
//
//	FailNext(op, kind, n)          the next n requests fail before being applied,
//	                               with WeChat's errcode for kind (table below)
//	FailNextCode(op, errcode, n)   the same with an exact errcode
//	LoseAnswerNext(op, n)          the next n requests are applied, then the
//	                               connection is closed with no answer
//	ApplyThenFailNext(op, errcode, n)
//	                               the next n successful requests are applied and
//	                               answered errcode (WeChat's -1 after doing the work)
//	SetLatency(op, d)              requests wait d (cut short when the client goes
//	                               away: the request is then dropped unapplied)
//	ExpireCredentials()            every access token issued so far answers 42001;
//	                               a fresh fetch works
//	RevokeCredentials()            the app secret is refused (token endpoints answer
//	RestoreCredentials()           40125) and every live token answers 40001, until
//	                               restored (revoked tokens stay invalid)
//
// The errcode FailNext answers for each kind (a kind a path has no answer
// for is refused when named, skipped by a "" rule):
//
//	KindUnavailable       -1 (system busy)
//	KindRateLimited       45009 (daily quota)
//	KindUnauthenticated   40001 (invalid credential)
//	KindPermissionDenied  48001 (api unauthorized)
//	KindInvalidArgument   40097 (invalid args)
//	KindNotFound          40056 (invalid serial code) on code-level paths
//	                      (/card/code/…, /card/membercard/…, /card/generalcard/…,
//	                      ticket updateuser, boardingpass/checkin), 40073 (invalid
//	                      card id) on the other /card/ paths
//	KindConflict          40099 (code consumed) on /card/code/consume, 40079
//	                      (invalid time) on the other code-level paths, 40078
//	                      (invalid card status) on the other /card/ paths
//
// Hostile-server tools, for a client's trust-boundary tests: Answers returns
// the genuine answers the server gave, byte for byte, and ReplayNext serves
// one of them — from another request or another path — in place of the
// next answer; HostileNext serves RawBody (any bytes), OversizedBody (n
// bytes, streamed), EndlessBody (until the client goes away), ErrorStatus
// (a non-2xx status with a large body) or Redirect (301/302/303/307/308 to
// another URL, taking the access token or the app secret along if the
// client follows). Those requests are counted but never applied.
//
// Decisions where the wire reference has no answer:
//
//   - New coupons (GROUPON, CASH, DISCOUNT, GIFT, GENERAL_COUPON) at
//     /card/create answer 48001 (api unauthorized), as WeChat stopped
//     accepting new 卡券 coupons in April 2021; Options.AllowLegacyCoupons
//     lifts that. MEMBER_CARD, GENERAL_CARD and the special tickets work.
//   - Re-activating an activated code succeeds without change when
//     membership_number is the same, and answers 40127 when it differs.
//   - membership_number is at most 20 bytes (string(20)); init_bonus,
//     init_balance below 0 answer 45022 / 45023.
//   - updateuser works on codes that are not activated yet; bonus and
//     balance must stay within 0..10^12 (45022 / 45023).
//   - Consuming or updating a code before its validity window answers 40079;
//     after it (EXPIRE), or when deleted or unavailable, 40127; consumed 40099.
//   - QR expire_seconds outside 60–1800 answers 40053; QR_MULTIPLE_CARD takes
//     at most 5 cards (45039; WeChat documents the error but no number, so 5
//     is this emulator's choice); without expire_seconds a QR lives 365 days.
//   - The test whitelist takes at most 10 entries (openid + username): more
//     answers 45021.
//   - Unknown activate_ticket, pay-gift rule_id, bad cond_source or other bad
//     enumerations answer 40097 (invalid args).
//   - Datacube: dates are YYYY-MM-DD (61500 otherwise); end_date must be
//     before today and not before begin_date, and a query spans at most 62
//     days (61501). Every card here is created by API, so cond_source 1 counts
//     them and cond_source 0 (MP platform) gives rows of zeros.
//   - Sub-merchant and datacube success bodies carry no errcode, as in the
//     reference fixtures. batchget's next_begin_id is the merchant_id to
//     pass as begin_id for the next page, 0 when there is none.
//   - /card/paycell/set and /card/selfconsumecell/set need an approved card
//     with location_id_list (40107).
//   - /cgi-bin/media/uploadimg answers 41005 for a missing, empty or
//     unreadable buffer, 40009 above MaxImageBytes (1 MiB) and 40005 for
//     content that is neither JPG nor PNG; images are never served back.
//   - A new /cgi-bin/token token ends the earlier ones five minutes later;
//     stable_token tokens are a separate kind (WeChat keeps the two apart).
//   - A force_refresh within 30 s of the previous one answers the current
//     token unchanged but still counts against the daily quota of 20.
//
// Pushes made by the simulation methods are sent before they return; pushes
// caused by API calls (user_consume_card, update_member_card) are sent
// asynchronously after the response, as WeChat does; WaitPushes waits for them.
package wechattest
