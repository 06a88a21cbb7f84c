package wechat

// Custom codes: /card/code/deposit, /card/code/getdepositcount,
// /card/code/checkcode, /card/code/update and /card/code/mark
// (reference rows 18–20, 24, 26; §3.10).

import (
	"context"
	"errors"
	"fmt"

	card "github.com/walletcard/card"
)

// MaxCodesPerCall is the most codes WeChat takes in one /card/code/deposit or
// /card/code/checkcode call (40109 beyond). DepositCodes and CheckCodes split
// longer lists into calls of this size.
const MaxCodesPerCall = 100

// DepositCodesRequest imports custom codes into a deposit-mode card (row 18).
// Any number of codes may be given; they are sent in calls of at most 100.
type DepositCodesRequest struct {
	CardID string
	// Codes must be non-empty, distinct and at most 20 bytes each.
	Codes []string
}

// Validate checks CardID and every code (empty 40110, duplicate 40111, length).
func (r DepositCodesRequest) Validate() error {
	var v cv
	v.cardID("CardID", r.CardID, true)
	v.codeList("Codes", r.Codes)
	return v.err()
}

// DepositCodesResponse aggregates the answers of every call that was made.
type DepositCodesResponse struct {
	// Succeeded, Duplicate and Failed are the codes WeChat reported in
	// succ_code, duplicate_code and fail_code. When a call's answer carries none
	// of these lists (a bare {"errcode":0}), all of its codes count as succeeded.
	Succeeded []string
	Duplicate []string
	Failed    []string
	// BatchesSent is the number of calls that completed; BatchesTotal the
	// number the codes needed (ceil(len(Codes)/100)).
	BatchesSent, BatchesTotal int
	// NotDeposited holds, after an error, the codes of the failed call and of
	// every call not made: they may be deposited again (WeChat reports codes
	// it already has as duplicates).
	NotDeposited []string
}

type depositBody struct {
	CardID string   `json:"card_id"`
	Code   []string `json:"code"`
}

type depositAnswer struct {
	SuccCode      []string `json:"succ_code"`
	DuplicateCode []string `json:"duplicate_code"`
	FailCode      []string `json:"fail_code"`
}

// DepositCodes imports codes (POST /card/code/deposit), 100 per call. It
// checks ctx between calls. If a call fails, it stops and returns the
// aggregated response of the calls made so far together with an error of the
// failed call's kind whose message says which batches were deposited; the
// response's NotDeposited lists what remains. If ctx ends, it returns the
// partial response and ctx's error itself (context.Canceled or
// context.DeadlineExceeded).
func (p *Provider) DepositCodes(ctx context.Context, req DepositCodesRequest) (*DepositCodesResponse, error) {
	const op = "DepositCodes"
	if err := req.Validate(); err != nil {
		return nil, p.invalid(op, err)
	}
	total := (len(req.Codes) + MaxCodesPerCall - 1) / MaxCodesPerCall
	out := &DepositCodesResponse{BatchesTotal: total}
	for b := 0; b < total; b++ {
		lo := b * MaxCodesPerCall
		hi := min(lo+MaxCodesPerCall, len(req.Codes))
		batch := req.Codes[lo:hi]
		var err error
		if err = ctx.Err(); err == nil {
			var ans depositAnswer
			if err = p.postJSON(ctx, op, "/card/code/deposit", depositBody{CardID: req.CardID, Code: batch}, &ans); err == nil {
				if ans.SuccCode == nil && ans.DuplicateCode == nil && ans.FailCode == nil {
					out.Succeeded = append(out.Succeeded, batch...)
				} else {
					out.Succeeded = append(out.Succeeded, ans.SuccCode...)
					out.Duplicate = append(out.Duplicate, ans.DuplicateCode...)
					out.Failed = append(out.Failed, ans.FailCode...)
				}
				out.BatchesSent++
				continue
			}
		}
		out.NotDeposited = append([]string(nil), req.Codes[lo:]...)
		return out, depositBatchError(op, err, b, total, lo, len(req.Codes))
	}
	return out, nil
}

// depositBatchError reports the failure of batch b (0-based) of total, whose first
// code is at index lo of n codes.
func depositBatchError(op string, err error, b, total, lo, n int) error {
	if card.IsContextError(err) {
		// Context errors stay bare, as everywhere in walletcard; the response
		// (BatchesSent, NotDeposited) says how far the deposit got.
		return err
	}
	msg := fmt.Sprintf("batch %d of %d (Codes[%d:%d]) failed; %d of %d codes were sent in batches 1–%d; the rest were not sent", b+1, total, lo, min(lo+MaxCodesPerCall, n), lo, n, b)
	if b == 0 {
		msg = fmt.Sprintf("batch 1 of %d failed; none of the %d codes were sent", total, n)
	}
	e := &card.Error{Provider: ProviderName, Op: op, Kind: card.KindOf(err), Message: msg, Err: err}
	var ce *card.Error
	if errors.As(err, &ce) {
		e.Code = ce.Code
	}
	return e
}

// GetDepositCountRequest asks how many codes a card holds (row 19).
type GetDepositCountRequest struct {
	CardID string `json:"card_id"`
}

// Validate checks CardID.
func (r GetDepositCountRequest) Validate() error {
	var v cv
	v.cardID("CardID", r.CardID, true)
	return v.err()
}

// GetDepositCountResponse is the number of imported codes.
type GetDepositCountResponse struct {
	Count int64 `json:"count"`
}

// GetDepositCount returns how many codes were imported (POST /card/code/getdepositcount).
func (p *Provider) GetDepositCount(ctx context.Context, req GetDepositCountRequest) (*GetDepositCountResponse, error) {
	return invoke[GetDepositCountResponse](ctx, p, "GetDepositCount", "/card/code/getdepositcount", req)
}

// CheckCodesRequest checks which codes were imported (row 20). Like
// DepositCodes it takes any number of codes and sends them 100 per call.
type CheckCodesRequest struct {
	CardID string
	Codes  []string
}

// Validate checks CardID and every code.
func (r CheckCodesRequest) Validate() error {
	var v cv
	v.cardID("CardID", r.CardID, true)
	v.codeList("Codes", r.Codes)
	return v.err()
}

// CheckCodesResponse splits the codes into imported and unknown ones.
type CheckCodesResponse struct {
	ExistCode    []string `json:"exist_code"`
	NotExistCode []string `json:"not_exist_code"`
}

// CheckCodes checks codes against the imported ones (POST /card/code/checkcode),
// 100 per call, aggregating the answers. It is read-only, so on a failure it
// returns only the error.
func (p *Provider) CheckCodes(ctx context.Context, req CheckCodesRequest) (*CheckCodesResponse, error) {
	const op = "CheckCodes"
	if err := req.Validate(); err != nil {
		return nil, p.invalid(op, err)
	}
	out := &CheckCodesResponse{}
	for lo := 0; lo < len(req.Codes); lo += MaxCodesPerCall {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := min(lo+MaxCodesPerCall, len(req.Codes))
		var ans CheckCodesResponse
		if err := p.postJSON(ctx, op, "/card/code/checkcode", depositBody{CardID: req.CardID, Code: req.Codes[lo:hi]}, &ans); err != nil {
			return nil, err
		}
		out.ExistCode = append(out.ExistCode, ans.ExistCode...)
		out.NotExistCode = append(out.NotExistCode, ans.NotExistCode...)
	}
	return out, nil
}

// UpdateCodeRequest changes a user's code (row 24).
type UpdateCodeRequest struct {
	Code    string `json:"code"`
	NewCode string `json:"new_code"`
	// CardID is required for custom-code cards.
	CardID string `json:"card_id,omitempty"`
}

// Validate checks both codes and that they differ.
func (r UpdateCodeRequest) Validate() error {
	var v cv
	v.code("Code", r.Code, true)
	v.code("NewCode", r.NewCode, true)
	v.cardID("CardID", r.CardID, false)
	if r.Code != "" && r.Code == r.NewCode {
		v.fail("NewCode", "equals Code")
	}
	return v.err()
}

// UpdateCodeResponse is empty.
type UpdateCodeResponse struct{}

// UpdateCode changes a code (POST /card/code/update).
func (p *Provider) UpdateCode(ctx context.Context, req UpdateCodeRequest) (*UpdateCodeResponse, error) {
	return invoke[UpdateCodeResponse](ctx, p, "UpdateCode", "/card/code/update", req)
}

// MarkCodeRequest marks (occupies) or releases a friends' card code for a
// user (row 26; 40146 when another user holds the mark).
type MarkCodeRequest struct {
	Code   string `json:"code"`
	CardID string `json:"card_id"`
	OpenID string `json:"openid"`
	IsMark bool   `json:"is_mark"`
}

// Validate checks that code, card id and openid are given.
func (r MarkCodeRequest) Validate() error {
	var v cv
	v.code("Code", r.Code, true)
	v.cardID("CardID", r.CardID, true)
	v.openID("OpenID", r.OpenID, true)
	return v.err()
}

// MarkCodeResponse is empty.
type MarkCodeResponse struct{}

// MarkCode marks or unmarks a code (POST /card/code/mark).
func (p *Provider) MarkCode(ctx context.Context, req MarkCodeRequest) (*MarkCodeResponse, error) {
	return invoke[MarkCodeResponse](ctx, p, "MarkCode", "/card/code/mark", req)
}
