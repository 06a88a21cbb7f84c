package alipay

import (
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	alipaysdk "github.com/smartwalle/alipay/v3"
	card "github.com/walletcard/card"
)

// tokenHint is the message of every authentication failure of a call that
// carries the user's auth_token; scope is the scope the call needs.
func tokenHint(scope string) string {
	return "the user's auth_token was rejected (无效的令牌): it must be the access_token that " +
		"alipay.system.oauth.token returned for this app after the user authorized scope " + scope +
		" (build the page with AuthorizeURL, redeem the auth_code with ExchangeCode, renew it with RefreshToken); " +
		"tokens of another app or scope, expired tokens and app_auth_tokens do not work"
}

// Classify maps an Alipay gateway code and sub_code to a card error kind. It
// is the one place that decides kinds; sub_codes win over codes.
func Classify(code, subCode string) card.Kind {
	k, _ := classify(code, subCode)
	return k
}

// hint says which token a failure is about, for the message that tells the
// merchant where a valid one comes from.
type hint uint8

const (
	hintNone      hint = iota
	hintUserToken      // the user's auth_token (only on calls that send one)
	hintAppAuth        // the ISV's app_auth_token (Options.AppAuthToken)
)

// appAuthHint is the message of a rejected app_auth_token.
const appAuthHint = "the app_auth_token (Options.AppAuthToken) was rejected: it must be the token " +
	"alipay.open.auth.token.app (smartwalle OpenAuthTokenApp) returned when the merchant authorized this ISV app, still valid and not revoked"

// classify returns the kind and which token, if any, the failure is about.
func classify(code, subCode string) (card.Kind, hint) {
	type rule struct {
		code, sub string // "" matches anything
		kind      card.Kind
		hint      hint
	}
	rules := [...]rule{
		// Card-specific sub_codes (40004), spelt as each method spells them.
		{"", "CARD_NOT_EXIT", card.KindNotFound, hintNone},
		{"", "CARD_NOT_EXIST", card.KindNotFound, hintNone},
		{"", "CARD_IS_DELETED_ALREADY", card.KindNotFound, hintNone},
		{"", "TEMPLATE_NOT_EXIT", card.KindNotFound, hintNone},
		{"", "TEMPLATE_NOT_EXIST", card.KindNotFound, hintNone},
		{"", "CARD_TEMPLATE_NOT_EXIST", card.KindNotFound, hintNone},
		{"", "OPEN_FORM_TEMPLATE_NOT_EXIST", card.KindNotFound, hintNone},
		{"", "BENEFIT_NOT_EXIST", card.KindNotFound, hintNone},
		{"", "CARD_HAS_OPENED", card.KindAlreadyExists, hintNone},
		{"", "OPEN_CARD_CONCURRENTLY", card.KindUnavailable, hintNone},
		{"", "SYSTEM_ERROR", card.KindUnavailable, hintNone},
		{"", "USER_AUTH_FAIL", card.KindUnauthenticated, hintUserToken},
		{"", "OPEN_CARD_NEED_OPENFORM", card.KindConflict, hintNone},
		{"", "TEMPLATE_OVER_LIMIT", card.KindConflict, hintNone},
		{"", "PAID_OUTER_CARD_LACK_TEMPLATE_CONFIG", card.KindConflict, hintNone},
		{"", "PAIDOUTERCARD_LACK_TEMPLATE_CONFIG", card.KindConflict, hintNone},
		{"", "REQUEST_ID_EXPIRE", card.KindConflict, hintNone},
		{"", "REQUEST_ID_INVALID", card.KindInvalidArgument, hintNone},
		{"", "CAPACITY_EXCEEDED", card.KindConflict, hintNone},
		{"", "INVALID_PARAMETER", card.KindInvalidArgument, hintNone},
		{"", "INVALID_PARAM", card.KindInvalidArgument, hintNone},
		{"", "NO_CARD_TYPE", card.KindInvalidArgument, hintNone},
		{"", "DUPLICATE_FORM_FIELD", card.KindInvalidArgument, hintNone},
		{"", "FORM_FIELD_INVALID", card.KindInvalidArgument, hintNone},
		{"", "DUPLICATE_BIRTHDAY_FIELD", card.KindInvalidArgument, hintNone},
		{"", "DUPLICATE_CERT_NO", card.KindInvalidArgument, hintNone},
		{"", "INVALID_CERT_TYPE_AND_NO", card.KindInvalidArgument, hintNone},
		{"", "ILLEGAL_NULL_ARGUMENT", card.KindInvalidArgument, hintNone},
		{"", "ILLEGAL_ARGUMENT_OUT_STRING", card.KindInvalidArgument, hintNone},
		{"", "EXCEED_MAX_SIZE", card.KindInvalidArgument, hintNone},
		{"", "UNKNOWN_FORMAT", card.KindInvalidArgument, hintNone},
		{"", "INVALID_FILE_BYTES", card.KindInvalidArgument, hintNone},
		{"", "OPEN_FORM_SET_FAIL", card.KindUnavailable, hintNone},
		// Gateway sub_codes (common error table).
		{"", "isp.unknow-error", card.KindUnavailable, hintNone},
		{"", "isp.unknown-error", card.KindUnavailable, hintNone},
		{"", "aop.unknow-error", card.KindUnavailable, hintNone},
		{"", "aop.ACQ.SYSTEM_ERROR", card.KindUnavailable, hintNone},
		{"", "aop.SYSTEM_ERROR", card.KindUnavailable, hintNone},
		{"", "isv.unknown-error", card.KindUnavailable, hintNone},
		{"", "aop.invalid-auth-token", card.KindUnauthenticated, hintUserToken},
		{"", "aop.auth-token-time-out", card.KindUnauthenticated, hintUserToken},
		{"", "isv.invalid-auth-token", card.KindUnauthenticated, hintUserToken},
		{"", "aop.invalid-app-auth-token", card.KindUnauthenticated, hintAppAuth},
		{"", "aop.app-auth-token-time-out", card.KindUnauthenticated, hintAppAuth},
		{"", "aop.invalid-app-auth-token-no-api", card.KindPermissionDenied, hintNone},
		{"", "aop.no-product-reg-by-partner", card.KindPermissionDenied, hintNone},
		{"", "isv.insufficient-isv-permissions", card.KindPermissionDenied, hintNone},
		{"", "isv.insufficient-user-permissions", card.KindPermissionDenied, hintNone},
		{"", "isv.invalid-auth-relations", card.KindPermissionDenied, hintNone},
		{"", "isv.code-invalid", card.KindUnauthenticated, hintNone},
		{"", "isv.refresh-token-invalid", card.KindUnauthenticated, hintNone},
		{"", "isv.refresh-token-time-out", card.KindUnauthenticated, hintNone},
		{"", "isv.refreshed-token-invalid", card.KindUnauthenticated, hintNone},
		{"", "isv.grant-type-invalid", card.KindInvalidArgument, hintNone},
		{"", "isv.unmatched-app-id", card.KindInvalidArgument, hintNone},
		{"", "isv.invalid-signature", card.KindUnauthenticated, hintNone},
		{"", "isv.missing-signature-config", card.KindUnauthenticated, hintNone},
		{"", "isv.invalid-app-id", card.KindUnauthenticated, hintNone},
		{"", "isv.invalid-timestamp", card.KindInvalidArgument, hintNone},
		// Codes, when no sub_code rule matched.
		{"20000", "", card.KindUnavailable, hintNone},
		{"20001", "", card.KindUnauthenticated, hintUserToken},
		{"40001", "", card.KindInvalidArgument, hintNone},
		{"40002", "", card.KindInvalidArgument, hintNone},
		{"40003", "", card.KindConflict, hintNone},
		{"40005", "", card.KindRateLimited, hintNone},
		{"40006", "", card.KindPermissionDenied, hintNone},
	}
	for _, r := range rules {
		if (r.code == "" || r.code == code) && (r.sub == "" || r.sub == subCode) {
			return r.kind, r.hint
		}
	}
	return card.KindUnknown, hintNone
}

// gatewayError builds the *card.Error for a gateway answer other than
// success. The *alipaysdk.Error stays reachable with errors.As; echoed
// secrets are removed from it.
func gatewayError(c call, code, msg, subCode, subMsg string) *card.Error {
	kind, h := classify(code, subCode)
	subMsg = redact(subMsg, c.secrets)
	msg = redact(msg, c.secrets)
	e := &card.Error{
		Kind: kind,
		Code: subCode,
		// The message is the vendor error's text ("<code> - <sub_msg>"), so it
		// is not repeated here.
		Err: &alipaysdk.Error{Code: alipaysdk.Code(code), Msg: msg, SubCode: subCode, SubMsg: subMsg},
	}
	if e.Code == "" {
		e.Code = code
	}
	switch {
	case h == hintUserToken && c.tokenCall():
		e.Message = tokenHint(orDefault(c.scope, ScopeECard))
	case h == hintAppAuth:
		e.Message = appAuthHint
	}
	return e
}

// CodePartialResponse is the Code of the error returned, together with a
// partial result, when a call succeeded but its answer could not be fully
// decoded (CardOpen: the card exists and CardInfo.BizCardNo is set).
const CodePartialResponse = "PARTIAL_RESPONSE"

// salvager is a response that can keep part of an undecodable success.
type salvager interface {
	salvage(raw []byte) (what string, ok bool)
}

// envelope is the common part of every response node.
type envelope struct {
	Code    string `json:"code"`
	Msg     string `json:"msg"`
	SubCode string `json:"sub_code"`
	SubMsg  string `json:"sub_msg"`
}

// decodeResponse turns a verified response node into out, or into a
// *card.Error when the code is not a success. out may be nil.
func decodeResponse(c call, raw []byte, out any) error {
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return &card.Error{Kind: card.KindUnknown, Message: "cannot decode the response node", Err: err}
	}
	success := (env.Code == "" && c.noCode) || alipaysdk.Code(env.Code).IsSuccess()
	if err := checkAnswer(c, raw, success); err != nil {
		return err
	}
	switch {
	case env.Code == "" && c.noCode:
	case alipaysdk.Code(env.Code).IsSuccess():
	case env.Code == "":
		return &card.Error{Kind: card.KindUnknown, Message: "the response has no code"}
	default:
		return gatewayError(c, env.Code, env.Msg, env.SubCode, env.SubMsg)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		if v, ok := out.(salvager); ok {
			if what, ok := v.salvage(raw); ok {
				// The call succeeded; only part of the answer is unreadable.
				return &card.Error{Kind: card.KindUnknown, Code: CodePartialResponse,
					Message: "the call succeeded (" + redact(what, c.secrets) + ") but its answer could not be fully decoded; the readable part is returned with this error",
					Err:     redactErr(err, c.secrets)}
			}
		}
		return &card.Error{Kind: card.KindUnknown, Message: "cannot decode the response", Err: redactErr(err, c.secrets)}
	}
	if v, ok := out.(interface{ check() error }); ok {
		if err := v.check(); err != nil {
			return &card.Error{Kind: card.KindUnknown, Message: "the response is incomplete", Err: err}
		}
	}
	return nil
}

func isSignatureError(err error) bool {
	var ce base64.CorruptInputError
	return errors.Is(err, rsa.ErrVerification) || errors.As(err, &ce)
}

// redact replaces every secret in s, and the value of every secret
// parameter written as name=value, by "[redacted]".
func redact(s string, secrets []string) string {
	for _, x := range secrets {
		if len(x) < 4 {
			continue
		}
		for _, v := range [...]string{x, url.QueryEscape(x), url.PathEscape(x)} {
			if strings.Contains(s, v) {
				s = strings.ReplaceAll(s, v, "[redacted]")
			}
		}
	}
	// Parameters whose values are secrets wherever they appear as
	// name=value (the gateway echoes its sign string in isv.invalid-signature).
	for _, name := range [...]string{"auth_token=", "app_auth_token=", "access_token=", "refresh_token=", "code=", "auth_code=", "sign="} {
		s = redactParam(s, name)
	}
	return s
}

// redactParam replaces the value after each occurrence of name (which ends
// in '=') up to the next '&', whitespace, quote or end by "[redacted]".
func redactParam(s, name string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, name)
		if i < 0 {
			if b.Len() == 0 {
				return s
			}
			b.WriteString(s)
			return b.String()
		}
		j := i + len(name)
		k := j
		for k < len(s) && !strings.ContainsRune("&; \t\r\n\"',}", rune(s[k])) {
			k++
		}
		b.WriteString(s[:j])
		if k > j && s[j:k] != "[redacted]" {
			b.WriteString("[redacted]")
		} else {
			b.WriteString(s[j:k])
		}
		s = s[k:]
	}
}

// redactErr returns err, or a plain error with its redacted text when the text
// contains a secret.
func redactErr(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if r := redact(msg, secrets); r != msg {
		return errors.New(r)
	}
	return err
}

// CodeUnsignedResponse is the Code of the error of every answer that came
// without a signature. One that claims success (code 10000, or none) is
// forged or broken: never accepted, KindUnknown. An unsigned error is
// classified by its code only (see unsignedError); its code and sub_code
// stay readable in the *alipaysdk.Error inside (errors.As), but are never
// the error's Code, so that no rule keyed on a sub_code (a repeated
// delete's CARD_IS_DELETED_ALREADY, an open's CARD_HAS_OPENED) ever acts
// on an unsigned answer. For a call that changes something the outcome is
// unknown.
const CodeUnsignedResponse = "UNSIGNED_RESPONSE"

// unsignedCause is the cause of the error of an unsigned error answer: the
// gateway's answer as smartwalle decoded it, marked as unsigned.
type unsignedCause struct{ sdk *alipaysdk.Error }

func (u *unsignedCause) Error() string { return "unsigned answer: " + u.sdk.Error() }

// Unwrap returns the *alipaysdk.Error, so errors.As still finds it.
func (u *unsignedCause) Unwrap() error { return u.sdk }

// isUnsigned reports whether ce is the error of an unsigned answer.
func isUnsigned(ce *card.Error) bool { return ce.Code == CodeUnsignedResponse }

// unsignedError classifies an answer that came without a signature — an
// {"error_response":…} or a method node with no sign. Anyone on the path
// can write one, so it never decides a business outcome: its kind comes from
// its code alone (20000, 40003, 40004, 40005 and unknown codes:
// unavailable; 20001, 40006: unauthenticated; 40001, 40002: invalid
// argument), refined by its sub_code only within those three kinds
// (isv.invalid-signature is unauthenticated, not invalid argument), never
// NotFound, AlreadyExists, Conflict or any other kind a sub_code such as
// CARD_NOT_EXIT would give a signed answer. An unsigned success is refused
// as CodeUnsignedResponse. For a call that changes something the outcome is
// unknown (outcomeUnknown): the unsigned answer may stand in place of the
// gateway's.
func unsignedError(c call, ae *alipaysdk.Error) *card.Error {
	code := string(ae.Code)
	var kind card.Kind
	switch code {
	case "", "10000":
		return &card.Error{Kind: card.KindUnknown, Code: CodeUnsignedResponse,
			Message: "the gateway's answer to " + c.method + " carried no signature and was rejected; the outcome is unknown"}
	case "20001", "40006":
		kind = card.KindUnauthenticated
	case "40001", "40002":
		kind = card.KindInvalidArgument
	default:
		kind = card.KindUnavailable
	}
	// gatewayError classifies the answer as if it were signed, and redacts
	// it; its kind refines the code's only within the three allowed kinds.
	// Its Message is a token hint or empty (every hint rule is
	// unauthenticated, an allowed kind).
	ge := gatewayError(c, code, ae.Msg, ae.SubCode, ae.SubMsg)
	switch ge.Kind {
	case card.KindUnauthenticated, card.KindUnavailable, card.KindInvalidArgument:
		kind = ge.Kind
	}
	e := &card.Error{Kind: kind, Code: CodeUnsignedResponse,
		Message: "unsigned answer, classified by its code only (an unsigned answer never decides a business outcome)",
		Err:     &unsignedCause{sdk: ge.Err.(*alipaysdk.Error)}}
	if ge.Message != "" {
		e.Message += "; " + ge.Message
	}
	return e
}
