package wechat

// Custom codes: /card/code/deposit, /card/code/getdepositcount,
// /card/code/checkcode, /card/code/update and /card/code/mark
// (reference rows 18–20, 24, 26; §3.10).

import (
	"context"
	"errors"
	"fmt"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/driver"
	"github.com/walletcard/card/internal/retry"
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
	// For a batch that had to be resent (see ResentDuplicates) duplicate_code
	// entries count as succeeded.
	Succeeded []string
	Duplicate []string
	Failed    []string
	// ResentDuplicates are the codes, also counted in Succeeded, that WeChat
	// reported as duplicate_code in its answer to a batch resent after errcode
	// -1 (system busy) or a transport failure. The first attempt most likely
	// deposited them (they may also have been in the card before); either way
	// the card holds them.
	ResentDuplicates []string
	// BatchesSent is the number of calls that completed; BatchesTotal the
	// number the codes needed (ceil(len(Codes)/100)).
	BatchesSent, BatchesTotal int
	// MaybeDeposited holds, after an error, the codes of the batch whose fate
	// is unknown: WeChat answered errcode -1 (system busy) to every attempt,
	// the connection failed or timed out, or the caller's context ended while
	// the batch was on the wire. WeChat may have deposited them. They are
	// safe to deposit again (WeChat reports codes it holds as duplicates), or
	// check them with CheckCodes.
	MaybeDeposited []string
	// NotDeposited holds, after an error, the codes that were certainly not
	// deposited: those of a batch WeChat refused (any errcode but -1) and of
	// every batch not sent. They may be deposited again.
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
// checks ctx between calls. Sending a batch again is safe (WeChat answers
// codes it already holds as duplicate_code), so a batch answered errcode -1
// (system busy) or lost to a transport failure is resent with
// Options.Retry's backoff; duplicates in the answer to a resent batch count
// as succeeded (see ResentDuplicates).
//
// If a batch still fails, it stops and returns the aggregated response of
// the calls made so far together with an error of the failed call's kind
// whose message says which batches were deposited. A batch that may have
// been applied (-1 to every attempt, transport failure) is reported as such
// ("batch k of n may have been applied") and its codes are in
// MaybeDeposited, not NotDeposited. If the caller's ctx ends, it returns the
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
		if err := ctx.Err(); err != nil {
			out.NotDeposited = append([]string(nil), req.Codes[lo:]...)
			return out, err
		}
		ans, tries, err := p.depositBatch(ctx, op, req.CardID, batch)
		if err == nil {
			switch {
			case ans.SuccCode == nil && ans.DuplicateCode == nil && ans.FailCode == nil:
				out.Succeeded = append(out.Succeeded, batch...)
			case tries > 1:
				out.Succeeded = append(out.Succeeded, ans.SuccCode...)
				out.Succeeded = append(out.Succeeded, ans.DuplicateCode...)
				out.ResentDuplicates = append(out.ResentDuplicates, ans.DuplicateCode...)
				out.Failed = append(out.Failed, ans.FailCode...)
			default:
				out.Succeeded = append(out.Succeeded, ans.SuccCode...)
				out.Duplicate = append(out.Duplicate, ans.DuplicateCode...)
				out.Failed = append(out.Failed, ans.FailCode...)
			}
			out.BatchesSent++
			continue
		}
		maybe := tries > 0 && depositMaybeApplied(err)
		if maybe {
			out.MaybeDeposited = append([]string(nil), batch...)
			out.NotDeposited = append([]string(nil), req.Codes[hi:]...)
		} else {
			out.NotDeposited = append([]string(nil), req.Codes[lo:]...)
		}
		if cerr := ctx.Err(); cerr != nil && driver.IsContextError(err) {
			return out, cerr // bare, per the context-error contract; out says how far it got
		}
		return out, depositBatchError(ctx, op, err, b, total, lo, len(req.Codes), maybe)
	}
	return out, nil
}

// depositBatch sends one batch, resending it (same codes) while WeChat
// answers -1 or the transport fails, and returns how many attempts were sent.
func (p *Provider) depositBatch(ctx context.Context, op, cardID string, batch []string) (depositAnswer, int, error) {
	var ans depositAnswer
	tries := 0
	err := retry.Do(ctx, p.retry, depositMaybeApplied, func(ctx context.Context) error {
		tries++
		ans = depositAnswer{}
		return p.postJSON(ctx, op, "/card/code/deposit", depositBody{CardID: cardID, Code: batch}, &ans)
	})
	return ans, tries, err
}

// depositMaybeApplied reports whether a failed deposit call may have been
// carried out: errcode -1, or a transport failure or unreadable answer (a
// KindUnavailable error without an errcode), or a context error while the
// call was on the wire. WeChat refused a call with any other errcode.
func depositMaybeApplied(err error) bool {
	return isBusy(err) || driver.IsContextError(err) || errors.Is(err, card.ErrOutcomeUnknown)
}

// depositBatchError reports the failure of batch b (0-based) of total, whose
// first code is at index lo of n codes; maybe says the batch may have been applied.
func depositBatchError(ctx context.Context, op string, err error, b, total, lo, n int, maybe bool) error {
	hi := min(lo+MaxCodesPerCall, n)
	var msg string
	switch {
	case maybe:
		msg = fmt.Sprintf("batch %d of %d (Codes[%d:%d]) may have been applied (no clear answer; its codes are in MaybeDeposited and safe to deposit again); %d of %d codes were deposited in batches 1–%d; the rest (NotDeposited) were not sent", b+1, total, lo, hi, lo, n, b)
		if b == 0 {
			msg = fmt.Sprintf("batch 1 of %d may have been applied (no clear answer; its codes are in MaybeDeposited and safe to deposit again); the other codes (NotDeposited) were not sent", total)
		}
	case b == 0:
		msg = fmt.Sprintf("batch 1 of %d failed; none of the %d codes were sent", total, n)
	default:
		msg = fmt.Sprintf("batch %d of %d (Codes[%d:%d]) failed; %d of %d codes were sent in batches 1–%d; the rest were not sent", b+1, total, lo, hi, lo, n, b)
	}
	err = wrapCtx(ctx, op, err)
	e := &card.Error{Provider: Name, Op: op, Kind: card.KindOf(err), Message: msg, Err: err}
	if maybe {
		// Depositing the batch again is safe (duplicates of a resent batch
		// count as deposited), so the unknown outcome is retryable.
		e.Kind, e.OutcomeUnknown = card.KindUnavailable, true
	}
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
// 100 per call, aggregating the answers. If a call fails it returns the
// answers of the earlier calls together with an error (of the failed call's
// kind) naming the failed batch, so the codes from Codes[lo:] on were not
// checked; if the caller's ctx ends it returns them with ctx's error itself.
func (p *Provider) CheckCodes(ctx context.Context, req CheckCodesRequest) (*CheckCodesResponse, error) {
	const op = "CheckCodes"
	if err := req.Validate(); err != nil {
		return nil, p.invalid(op, err)
	}
	out := &CheckCodesResponse{}
	total := (len(req.Codes) + MaxCodesPerCall - 1) / MaxCodesPerCall
	for lo := 0; lo < len(req.Codes); lo += MaxCodesPerCall {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		hi := min(lo+MaxCodesPerCall, len(req.Codes))
		var ans CheckCodesResponse
		if err := p.postJSON(ctx, op, "/card/code/checkcode", depositBody{CardID: req.CardID, Code: req.Codes[lo:hi]}, &ans); err != nil {
			if cerr := ctx.Err(); cerr != nil && driver.IsContextError(err) {
				return out, cerr
			}
			err = wrapCtx(ctx, op, err)
			e := &card.Error{Provider: Name, Op: op, Kind: card.KindOf(err), Err: err,
				Message: fmt.Sprintf("batch %d of %d (Codes[%d:%d]) failed; the response holds the answers for Codes[0:%d]", lo/MaxCodesPerCall+1, total, lo, hi, lo)}
			var ce *card.Error
			if errors.As(err, &ce) {
				e.Code = ce.Code
			}
			return out, e
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
