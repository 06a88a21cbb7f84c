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

// tokenHint is appended to every authentication failure of a call that
// carries the user's auth_token.
const tokenHint = "the user's auth_token was rejected (无效的令牌): it must be the access_token that " +
	"alipay.system.oauth.token returned for this app after the user authorized scope auth_ecard " +
	"(build the page with AuthorizeURL, redeem the auth_code with ExchangeCode, renew it with RefreshToken); " +
	"tokens of another app or scope, expired tokens and app_auth_tokens do not work"

// Classify maps an Alipay gateway code and sub_code to a card error kind. It
// is the one place that decides kinds; sub_codes win over codes.
func Classify(code, subCode string) card.Kind {
	k, _ := classify(code, subCode)
	return k
}

// classify returns the kind and whether the failure is about the user's token.
func classify(code, subCode string) (card.Kind, bool) {
	type rule struct {
		code, sub string // "" matches anything
		kind      card.Kind
		token     bool
	}
	rules := [...]rule{
		// Card-specific sub_codes (40004), spelt as each method spells them.
		{"", "CARD_NOT_EXIT", card.KindNotFound, false},
		{"", "CARD_NOT_EXIST", card.KindNotFound, false},
		{"", "CARD_IS_DELETED_ALREADY", card.KindNotFound, false},
		{"", "TEMPLATE_NOT_EXIT", card.KindNotFound, false},
		{"", "TEMPLATE_NOT_EXIST", card.KindNotFound, false},
		{"", "CARD_TEMPLATE_NOT_EXIST", card.KindNotFound, false},
		{"", "OPEN_FORM_TEMPLATE_NOT_EXIST", card.KindNotFound, false},
		{"", "BENEFIT_NOT_EXIST", card.KindNotFound, false},
		{"", "CARD_HAS_OPENED", card.KindAlreadyExists, false},
		{"", "OPEN_CARD_CONCURRENTLY", card.KindUnavailable, false},
		{"", "SYSTEM_ERROR", card.KindUnavailable, false},
		{"", "USER_AUTH_FAIL", card.KindUnauthenticated, true},
		{"", "OPEN_CARD_NEED_OPENFORM", card.KindConflict, false},
		{"", "TEMPLATE_OVER_LIMIT", card.KindConflict, false},
		{"", "PAID_OUTER_CARD_LACK_TEMPLATE_CONFIG", card.KindConflict, false},
		{"", "PAIDOUTERCARD_LACK_TEMPLATE_CONFIG", card.KindConflict, false},
		{"", "REQUEST_ID_EXPIRE", card.KindConflict, false},
		{"", "REQUEST_ID_INVALID", card.KindInvalidArgument, false},
		{"", "CAPACITY_EXCEEDED", card.KindConflict, false},
		{"", "INVALID_PARAMETER", card.KindInvalidArgument, false},
		{"", "INVALID_PARAM", card.KindInvalidArgument, false},
		{"", "NO_CARD_TYPE", card.KindInvalidArgument, false},
		{"", "DUPLICATE_FORM_FIELD", card.KindInvalidArgument, false},
		{"", "FORM_FIELD_INVALID", card.KindInvalidArgument, false},
		{"", "DUPLICATE_BIRTHDAY_FIELD", card.KindInvalidArgument, false},
		{"", "DUPLICATE_CERT_NO", card.KindInvalidArgument, false},
		{"", "INVALID_CERT_TYPE_AND_NO", card.KindInvalidArgument, false},
		{"", "ILLEGAL_NULL_ARGUMENT", card.KindInvalidArgument, false},
		{"", "ILLEGAL_ARGUMENT_OUT_STRING", card.KindInvalidArgument, false},
		{"", "EXCEED_MAX_SIZE", card.KindInvalidArgument, false},
		{"", "UNKNOWN_FORMAT", card.KindInvalidArgument, false},
		{"", "INVALID_FILE_BYTES", card.KindInvalidArgument, false},
		{"", "OPEN_FORM_SET_FAIL", card.KindUnavailable, false},
		// Gateway sub_codes (common error table).
		{"", "isp.unknow-error", card.KindUnavailable, false},
		{"", "isp.unknown-error", card.KindUnavailable, false},
		{"", "aop.unknow-error", card.KindUnavailable, false},
		{"", "aop.ACQ.SYSTEM_ERROR", card.KindUnavailable, false},
		{"", "aop.SYSTEM_ERROR", card.KindUnavailable, false},
		{"", "isv.unknown-error", card.KindUnavailable, false},
		{"", "aop.invalid-auth-token", card.KindUnauthenticated, true},
		{"", "aop.auth-token-time-out", card.KindUnauthenticated, true},
		{"", "isv.invalid-auth-token", card.KindUnauthenticated, true},
		{"", "aop.invalid-app-auth-token", card.KindUnauthenticated, false},
		{"", "aop.app-auth-token-time-out", card.KindUnauthenticated, false},
		{"", "aop.invalid-app-auth-token-no-api", card.KindPermissionDenied, false},
		{"", "aop.no-product-reg-by-partner", card.KindPermissionDenied, false},
		{"", "isv.insufficient-isv-permissions", card.KindPermissionDenied, false},
		{"", "isv.insufficient-user-permissions", card.KindPermissionDenied, false},
		{"", "isv.invalid-auth-relations", card.KindPermissionDenied, false},
		{"", "isv.code-invalid", card.KindUnauthenticated, false},
		{"", "isv.refresh-token-invalid", card.KindUnauthenticated, false},
		{"", "isv.refresh-token-time-out", card.KindUnauthenticated, false},
		{"", "isv.refreshed-token-invalid", card.KindUnauthenticated, false},
		{"", "isv.grant-type-invalid", card.KindInvalidArgument, false},
		{"", "isv.unmatched-app-id", card.KindInvalidArgument, false},
		{"", "isv.invalid-signature", card.KindUnauthenticated, false},
		{"", "isv.missing-signature-config", card.KindUnauthenticated, false},
		{"", "isv.invalid-app-id", card.KindUnauthenticated, false},
		{"", "isv.invalid-timestamp", card.KindInvalidArgument, false},
		// Codes, when no sub_code rule matched.
		{"20000", "", card.KindUnavailable, false},
		{"20001", "", card.KindUnauthenticated, true},
		{"40001", "", card.KindInvalidArgument, false},
		{"40002", "", card.KindInvalidArgument, false},
		{"40003", "", card.KindConflict, false},
		{"40005", "", card.KindRateLimited, false},
		{"40006", "", card.KindPermissionDenied, false},
	}
	for _, r := range rules {
		if (r.code == "" || r.code == code) && (r.sub == "" || r.sub == subCode) {
			return r.kind, r.token
		}
	}
	return card.KindUnknown, false
}

// gatewayError builds the *card.Error for a gateway answer other than
// success. The *alipaysdk.Error stays reachable with errors.As; echoed
// secrets are removed from it.
func gatewayError(c call, code, msg, subCode, subMsg string) *card.Error {
	kind, tokenErr := classify(code, subCode)
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
	if kind == card.KindUnauthenticated && tokenErr && c.tokenCall() {
		e.Message = tokenHint
	}
	return e
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
