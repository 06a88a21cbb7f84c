package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/silenceper/wechat/v2/util"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
)

// errKind is one row of the errcode table: the neutral kind and a short
// explanation used as card.Error.Message.
type errKind struct {
	kind card.Kind
	msg  string
}

// errcodes maps every WeChat errcode the adapter knows (reference §5, plus
// the global codes 41001, 40097, 40164, 43001, 43002 and 47001 from WeChat's
// global errcode table) to a neutral kind. It is the ONE place where
// errcodes are classified; codes not listed are card.KindUnknown.
var errcodes = map[int64]errKind{
	-1:    {card.KindUnavailable, "system busy"},
	40001: {card.KindUnauthenticated, "access token invalid or not the latest"},
	40014: {card.KindUnauthenticated, "access token malformed"},
	42001: {card.KindUnauthenticated, "access token expired"},
	41001: {card.KindUnauthenticated, "access token missing"},
	40013: {card.KindUnauthenticated, "invalid appid"},
	40125: {card.KindUnauthenticated, "invalid app secret"},
	45009: {card.KindRateLimited, "daily API quota reached"},
	45011: {card.KindRateLimited, "API called too often"},
	48001: {card.KindPermissionDenied, "the account lacks this API permission"},
	40164: {card.KindPermissionDenied, "the caller's IP address is not in the account's IP whitelist"},
	45030: {card.KindPermissionDenied, "this card_id lacks permission for the function"},
	43009: {card.KindPermissionDenied, "custom code needs authorisation"},
	43010: {card.KindPermissionDenied, "balance needs authorisation"},
	43011: {card.KindPermissionDenied, "bonus needs authorisation"},
	43012: {card.KindPermissionDenied, "custom url needs authorisation"},
	40003: {card.KindInvalidArgument, "invalid openid"},
	40097: {card.KindInvalidArgument, "invalid arguments"},
	43001: {card.KindInvalidArgument, "the API requires a GET request"},
	43002: {card.KindInvalidArgument, "the API requires a POST request"},
	47001: {card.KindInvalidArgument, "malformed request body (data format error)"},
	40053: {card.KindInvalidArgument, "invalid QR action_info"},
	40070: {card.KindInvalidArgument, "invalid sku info"},
	40071: {card.KindInvalidArgument, "invalid card type"},
	40072: {card.KindInvalidArgument, "invalid location id or encoding"},
	40075: {card.KindInvalidArgument, "invalid encrypt_code"},
	40076: {card.KindInvalidArgument, "invalid colour"},
	40080: {card.KindInvalidArgument, "invalid card ext"},
	40100: {card.KindInvalidArgument, "illegal date_info update"},
	40109: {card.KindInvalidArgument, "too many codes (at most 100)"},
	40110: {card.KindInvalidArgument, "empty code"},
	40111: {card.KindInvalidArgument, "duplicate code"},
	40112: {card.KindInvalidArgument, "cannot set bind openid"},
	40116: {card.KindInvalidArgument, "invalid code"},
	40122: {card.KindInvalidArgument, "invalid card quantity"},
	40124: {card.KindInvalidArgument, "too many custom fields"},
	40129: {card.KindInvalidArgument, "invalid scene"},
	40135: {card.KindInvalidArgument, "cannot switch off supply_bonus"},
	40139: {card.KindInvalidArgument, "invalid sub-merchant id"},
	40145: {card.KindInvalidArgument, "pay cell and center cell cannot both be set"},
	40151: {card.KindInvalidArgument, "text or picture rejected by anti-spam"},
	41011: {card.KindInvalidArgument, "missing required fields"},
	41012: {card.KindInvalidArgument, "missing card id"},
	41013: {card.KindInvalidArgument, "missing code"},
	41014: {card.KindInvalidArgument, "missing ticket_class"},
	41015: {card.KindInvalidArgument, "missing show_time"},
	41016: {card.KindInvalidArgument, "missing screening_room"},
	41017: {card.KindInvalidArgument, "missing seat_number"},
	45021: {card.KindInvalidArgument, "a field is longer than allowed"},
	45022: {card.KindInvalidArgument, "bonus out of limit"},
	45023: {card.KindInvalidArgument, "balance out of limit"},
	45039: {card.KindInvalidArgument, "card list too long"},
	40056: {card.KindNotFound, "code not issued or unknown"},
	40073: {card.KindNotFound, "unknown card_id"},
	40127: {card.KindNotFound, "the user's card was deleted, given away, expired or made unavailable"},
	40099: {card.KindConflict, "code already consumed"},
	40079: {card.KindConflict, "outside the validity window (not yet valid or expired)"},
	40078: {card.KindConflict, "invalid card status (e.g. not approved)"},
	40107: {card.KindConflict, "card must be approved and have a location"},
	40136: {card.KindConflict, "stock exceeds the deposited codes"},
	40140: {card.KindConflict, "invalid sub-merchant status"},
	40146: {card.KindConflict, "card is marked by another user"},
	40147: {card.KindConflict, "consume time restriction"},
	43017: {card.KindConflict, "location id required"},
	43018: {card.KindConflict, "code has not been marked"},
	45031: {card.KindConflict, "out of stock"},
	45033: {card.KindConflict, "user reached get_limit"},
}

// isTokenErrcode reports errcodes after which the access token is refreshed and the call retried once.
func isTokenErrcode(code int64) bool { return code == 40001 || code == 40014 || code == 42001 }

// apiError turns a non-zero errcode answer into a *card.Error. The vendor
// *util.CommonError stays reachable with errors.As.
func apiError(op string, ce *util.CommonError) *card.Error {
	k, ok := errcodes[ce.ErrCode]
	if !ok {
		k = errKind{card.KindUnknown, "unclassified WeChat errcode"}
	}
	return &card.Error{
		Provider: Name,
		Op:       op,
		Kind:     k.kind,
		Code:     strconv.FormatInt(ce.ErrCode, 10),
		Message:  k.msg,
		Err:      ce,
	}
}

// errEnvelope is the common part of every WeChat JSON answer. errcode is
// decoded leniently: a number, a numeric string, or absent (success).
type errEnvelope struct {
	ErrCode json.RawMessage `json:"errcode"`
	ErrMsg  string          `json:"errmsg"`
}

// decodeErrcode reads errcode/errmsg from body. A body that is not a JSON
// object is an error; a missing errcode is 0 (success).
func decodeErrcode(api string, body []byte) (*util.CommonError, error) {
	// Fast path: WeChat's success answers begin with {"errcode":0, (or are
	// exactly {"errcode":0}); the caller's full decode still rejects a body
	// that is malformed after the prefix.
	if bytes.HasPrefix(body, []byte(`{"errcode":0,`)) || bytes.Equal(body, []byte(`{"errcode":0}`)) {
		return nil, nil
	}
	var env errEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("decode WeChat response: %w", err)
	}
	code := int64(0)
	raw := strings.TrimSpace(string(env.ErrCode))
	if raw != "" && raw != "null" {
		s := strings.Trim(raw, `"`)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(s, 64)
			if ferr != nil || f != float64(int64(f)) {
				return nil, fmt.Errorf("decode WeChat response: errcode %.20q is not an integer", raw)
			}
			n = int64(f)
		}
		code = n
	}
	if code == 0 {
		return nil, nil
	}
	return util.NewCommonError(api, code, env.ErrMsg), nil
}

// errcodeOf returns the WeChat errcode carried by err (a *card.Error from a
// wire answer or a *util.CommonError), and whether there is one.
func errcodeOf(err error) (int64, bool) {
	var ce *util.CommonError
	if errors.As(err, &ce) {
		return ce.ErrCode, true
	}
	return 0, false
}

// couponTypes are the 卡券 coupon types WeChat stopped accepting for new
// cards in April 2021.
var couponTypes = map[string]bool{
	"GROUPON": true, "CASH": true, "DISCOUNT": true, "GIFT": true, "GENERAL_COUPON": true,
}

// CouponMigrationMessage explains WeChat's refusal of new coupon cards.
const CouponMigrationMessage = "WeChat stopped accepting new 卡券 coupons (GROUPON, CASH, DISCOUNT, GIFT, GENERAL_COUPON) in April 2021; " +
	"create WeChat Pay merchant coupons (微信支付商家券) instead"

// couponRefusalCodes are the errcodes with which WeChat refuses a card type
// it no longer accepts (reference §5): 48001 (the account lacks the API
// permission), 40071 (invalid card type) and 45030 (the function is not
// supported for this card).
var couponRefusalCodes = map[int64]bool{48001: true, 40071: true, 45030: true}

// couponRefused is called by CreateCard with the card type it sent and the
// error it got. When WeChat refused a coupon type with one of
// couponRefusalCodes, it returns the same error kind with a message saying
// that WeChat stopped accepting new 卡券 coupons in April 2021 and naming
// the replacement; any other error (a rate limit, -1, a bad colour, a
// transport failure …) is returned unchanged.
func couponRefused(cardType string, err error) error {
	if err == nil || !couponTypes[strings.ToUpper(cardType)] {
		return err
	}
	if code, ok := errcodeOf(err); !ok || !couponRefusalCodes[code] {
		return err
	}
	var ce *card.Error
	if !errors.As(err, &ce) {
		return err
	}
	c := *ce
	if c.Message != "" {
		c.Message = CouponMigrationMessage + " (WeChat said: " + c.Message + ")"
	} else {
		c.Message = CouponMigrationMessage
	}
	return &c
}

// wrapCtx finishes an error of a call made with ctx by card.WrapContext:
// bare when the caller's ctx has ended; otherwise a *card.Error for op, of
// kind KindUnavailable unless it already is a *card.Error (a client timeout
// becomes a retryable unavailable error).
func wrapCtx(ctx context.Context, op string, err error) error {
	return driver.WrapContext(ctx, Name, op, card.KindUnavailable, err)
}
