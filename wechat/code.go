package wechat

import (
	"context"
	"errors"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/retry"
)

// maxEncryptCodeLen bounds encrypt_code, string(128).
const maxEncryptCodeLen = 128

// CodeCard is the card part of code/get and code/consume answers.
type CodeCard struct {
	CardID string `json:"card_id"`
	// BeginTime and EndTime are the effective validity window of this user's
	// code (unix seconds); only code/get fills them.
	BeginTime int64 `json:"begin_time,omitempty"`
	EndTime   int64 `json:"end_time,omitempty"`
}

// GetCodeRequest is POST /card/code/get (row 21).
type GetCodeRequest struct {
	Code string `json:"code"`
	// CardID is required for custom-code cards; optional otherwise.
	CardID string `json:"card_id,omitempty"`
	// CheckConsume false makes WeChat answer with the real status of a consumed,
	// deleted or unavailable code instead of errcode 40099/40127. nil sends
	// nothing (WeChat's default, true).
	CheckConsume *bool `json:"check_consume,omitempty"`
}

// Validate checks the documented limits.
func (r GetCodeRequest) Validate() error {
	var v cv
	v.code("Code", r.Code, true)
	v.cardID("CardID", r.CardID, false)
	return v.err()
}

// GetCodeResponse is the answer of code/get.
type GetCodeResponse struct {
	OpenID string   `json:"openid"`
	Card   CodeCard `json:"card"`
	// CanConsume tells whether the code may be consumed now (WeChat sends a
	// bool, older answers the string "true"; both are accepted).
	CanConsume FlexBool `json:"can_consume"`
	// UserCardStatus is NORMAL, CONSUMED, EXPIRE, GIFTING, GIFT_TIMEOUT, DELETE or UNAVAILABLE.
	UserCardStatus string `json:"user_card_status"`
	OuterStr       string `json:"outer_str,omitempty"`
}

// sameCard reports why an answer naming card id got cannot answer a
// request for want ("" when it can; an empty side is not compared).
func sameCard(want, got string) string {
	if want != "" && got != "" && want != got {
		return "it is about card " + got + ", the request was for card " + want
	}
	return ""
}

func (r GetCodeRequest) bindAnswer(out any) string {
	if a, ok := out.(*GetCodeResponse); ok {
		return sameCard(r.CardID, a.Card.CardID)
	}
	return ""
}

func (r ConsumeCodeRequest) bindAnswer(out any) string {
	if a, ok := out.(*ConsumeCodeResponse); ok {
		return sameCard(r.CardID, a.Card.CardID)
	}
	return ""
}

// GetCode queries a code: its owner, validity and status.
func (p *Provider) GetCode(ctx context.Context, req GetCodeRequest) (*GetCodeResponse, error) {
	return invoke[GetCodeResponse](ctx, p, "GetCode", "/card/code/get", req)
}

// ConsumeCodeRequest is POST /card/code/consume (row 22).
type ConsumeCodeRequest struct {
	Code string `json:"code"`
	// CardID is required for custom-code cards.
	CardID string `json:"card_id,omitempty"`
}

// Validate checks the documented limits.
func (r ConsumeCodeRequest) Validate() error {
	var v cv
	v.code("Code", r.Code, true)
	v.cardID("CardID", r.CardID, false)
	return v.err()
}

// ConsumeCodeResponse is the answer of code/consume.
type ConsumeCodeResponse struct {
	Card   CodeCard `json:"card"`
	OpenID string   `json:"openid"`
}

// ConsumeCode redeems a code once. A code consumed before is card.ErrConflict (errcode 40099).
//
// ConsumeCode reports success only when WeChat answered success to this
// call, and conflict only when no attempt of this call can have consumed
// the code. WeChat sometimes carries a consume out and still answers
// errcode -1 (system busy), and an answer can be lost; then ConsumeCode
// reads the code (code/get, check_consume false): a code still NORMAL was
// not consumed, and the consume is sent again (Options.Retry); a consumed
// code may have been consumed by this call or by another one — WeChat keeps
// no record of which — so ConsumeCode returns an error matching
// card.ErrOutcomeUnknown, of kind card.KindUnknown (not retryable).
func (p *Provider) ConsumeCode(ctx context.Context, req ConsumeCodeRequest) (*ConsumeCodeResponse, error) {
	const op = "ConsumeCode"
	if err := req.Validate(); err != nil {
		return nil, p.invalid(op, err)
	}
	return p.consume(ctx, op, req, false)
}

// consume is ConsumeCode reported as op (req is valid); once makes one
// attempt (the neutral pipeline retries).
func (p *Provider) consume(ctx context.Context, op string, req ConsumeCodeRequest, once bool) (*ConsumeCodeResponse, error) {
	pol := p.retry
	if once {
		pol.Attempts = 1
	}
	var out ConsumeCodeResponse
	err := retry.Do(ctx, pol, notApplied, func(ctx context.Context) error {
		err := p.postJSON(ctx, op, "/card/code/consume", req, &out) // not repeat-safe: one attempt
		var ce *card.Error
		if err == nil || !errors.Is(err, card.ErrOutcomeUnknown) || !errors.As(err, &ce) {
			return err
		}
		if st, gerr := p.codeStatus(ctx, op, req.Code, req.CardID); gerr != nil || st != "NORMAL" {
			c := *ce
			c.Message = "the consume may have been applied: the code is no longer unconsumed, and WeChat keeps no record of which call consumed it; check your records (the user_consume_card event) before redeeming the benefit"
			return &c
		}
		// The code is still unconsumed: this attempt was not applied. Err is
		// the vendor error, without the unknown-outcome mark.
		return &card.Error{Provider: Name, Op: op, Kind: card.KindUnavailable, Code: ce.Code,
			Message: "no clear answer, but code/get shows the code unconsumed: the consume was not applied and may be sent again", Err: ce.Err}
	})
	if err != nil {
		return nil, wrapCtx(ctx, op, err)
	}
	return &out, nil
}

// codeStatus reads the user_card_status of a code with code/get and
// check_consume false, which answers for a consumed, deleted or unavailable
// code too (NORMAL, CONSUMED, DELETE, UNAVAILABLE …). It is how a call
// whose answer was lost or was errcode -1 is found applied or not.
func (p *Provider) codeStatus(ctx context.Context, op, code, cardID string) (string, error) {
	var got GetCodeResponse
	if err := p.postJSON(ctx, op, "/card/code/get", GetCodeRequest{Code: code, CardID: cardID, CheckConsume: card.Ptr(false)}, &got); err != nil {
		return "", err
	}
	return got.UserCardStatus, nil
}

// notApplied reports a failure after which a call was certainly not
// applied and may be sent again.
func notApplied(err error) bool {
	return card.KindOf(err) == card.KindUnavailable && !errors.Is(err, card.ErrOutcomeUnknown)
}

// DecryptCodeRequest is POST /card/code/decrypt (row 23).
type DecryptCodeRequest struct {
	// EncryptCode comes from the encrypt_code URL parameter of a card jump or
	// from wx.addCard/wx.chooseCard results. URL-decode it first.
	EncryptCode string `json:"encrypt_code"`
}

// Validate checks the documented limits.
func (r DecryptCodeRequest) Validate() error {
	var v cv
	v.str("EncryptCode", r.EncryptCode, true, maxEncryptCodeLen)
	return v.err()
}

// DecryptCodeResponse is the answer of code/decrypt.
type DecryptCodeResponse struct {
	Code string `json:"code"`
}

// DecryptCode turns an encrypt_code into the real code. A bad input is
// card.ErrInvalidArgument (errcode 40075).
func (p *Provider) DecryptCode(ctx context.Context, req DecryptCodeRequest) (*DecryptCodeResponse, error) {
	return invoke[DecryptCodeResponse](ctx, p, "DecryptCode", "/card/code/decrypt", req)
}

// MaxUnavailableReasonBytes bounds UnavailableCodeRequest.Reason (and so
// card.DeleteRequest.Reason on WeChat). WeChat documents the reason field
// without a length; 128 bytes of UTF-8 is this library's choice, and
// wechattest answers 45021 above the same limit.
const MaxUnavailableReasonBytes = 128

// UnavailableCodeRequest is POST /card/code/unavailable (row 25): the code is
// made unavailable (设置失效) and disappears from use.
type UnavailableCodeRequest struct {
	Code string `json:"code"`
	// CardID is required for custom-code cards.
	CardID string `json:"card_id,omitempty"`
	// Reason is a free-text reason (WxJava sends it). Optional, at most
	// MaxUnavailableReasonBytes.
	Reason string `json:"reason,omitempty"`
}

// Validate checks the documented limits.
func (r UnavailableCodeRequest) Validate() error {
	var v cv
	v.code("Code", r.Code, true)
	v.cardID("CardID", r.CardID, false)
	v.str("Reason", r.Reason, false, MaxUnavailableReasonBytes)
	return v.err()
}

// UnavailableCode makes a code unavailable. This cannot be undone.
//
// After errcode -1 (system busy) the call is sent again; when the repeat
// answers 40127 (the code is already deleted or unavailable) and code/get
// reports the code UNAVAILABLE, the first attempt was applied and
// UnavailableCode returns nil.
func (p *Provider) UnavailableCode(ctx context.Context, req UnavailableCodeRequest) error {
	const op = "UnavailableCode"
	if err := req.Validate(); err != nil {
		return p.invalid(op, err)
	}
	return p.unavailable(ctx, op, req)
}

// unavailable is UnavailableCode reported as op (req is valid).
// code/unavailable is not idempotent on the wire (a repeat answers 40127),
// but its effect can be read back: it is resent after errcode -1, and when
// a resend answers 40127 and code/get reports the code UNAVAILABLE, an
// earlier attempt was applied and the call counts as done.
func (p *Provider) unavailable(ctx context.Context, op string, req UnavailableCodeRequest) error {
	busy := false
	err := retry.Do(ctx, p.retry, isBusy, func(ctx context.Context) error {
		err := p.postJSON(ctx, op, "/card/code/unavailable", req, nil) // not in setPaths: one attempt
		if err == nil || isBusy(err) {
			busy = busy || err != nil
			return err
		}
		if c, ok := errcodeOf(err); !ok || c != 40127 || !busy {
			return err
		}
		if st, gerr := p.codeStatus(ctx, op, req.Code, req.CardID); gerr != nil || st != "UNAVAILABLE" {
			return err
		}
		return nil
	})
	return wrapCtx(ctx, op, err)
}

// FlexBool is a bool that also decodes from the strings "true"/"false" and from 0/1,
// as older WeChat answers send them.
type FlexBool bool

// UnmarshalJSON accepts true, false, "true", "false", 1, 0 and null.
func (b *FlexBool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "true", `"true"`, "1", `"1"`:
		*b = true
	case "false", `"false"`, "0", `"0"`, "null", `""`:
		*b = false
	default:
		return &boolDecodeError{string(data)}
	}
	return nil
}

type boolDecodeError struct{ v string }

func (e *boolDecodeError) Error() string { return "wechat: cannot decode " + e.v + " as a boolean" }
