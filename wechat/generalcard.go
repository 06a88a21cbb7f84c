package wechat

// General card (通用卡): /card/generalcard/activate, /unactivate and
// /updateuser (reference rows 34–36). No SDK models the activate and
// updateuser bodies (EasyWeChat passes them through); this package uses the
// member-card field set and limits (§3.16), which the general card shares.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	card "github.com/walletcard/card"
)

// GeneralCardActivateRequest activates a user's general card (row 34).
type GeneralCardActivateRequest struct {
	Code   string `json:"code"`
	CardID string `json:"card_id,omitempty"` // required for custom-code cards
	// MembershipNumber is the card number shown to the user (string(20));
	// empty lets WeChat show the code.
	MembershipNumber string `json:"membership_number,omitempty"`
	BackgroundPicURL string `json:"background_pic_url,omitempty"`
	// ActivateBeginTime and ActivateEndTime override the card's validity (unix on the wire).
	ActivateBeginTime time.Time `json:"-"`
	ActivateEndTime   time.Time `json:"-"`
	InitBonus         *int64    `json:"init_bonus,omitempty"`
	InitBonusRecord   string    `json:"init_bonus_record,omitempty"`
	// InitBalance is the opening balance (fen).
	InitBalance *card.Money `json:"-"`
	// InitCustomFieldValue1..3 are ≤ 12 bytes (4 Chinese characters).
	InitCustomFieldValue1 string `json:"init_custom_field_value1,omitempty"`
	InitCustomFieldValue2 string `json:"init_custom_field_value2,omitempty"`
	InitCustomFieldValue3 string `json:"init_custom_field_value3,omitempty"`
}

// MarshalJSON sends the times as unix seconds and the balance as fen.
func (r GeneralCardActivateRequest) MarshalJSON() ([]byte, error) {
	type plain GeneralCardActivateRequest
	w := struct {
		plain
		ActivateBeginTime int64  `json:"activate_begin_time,omitempty"`
		ActivateEndTime   int64  `json:"activate_end_time,omitempty"`
		InitBalance       *int64 `json:"init_balance,omitempty"`
	}{plain: plain(r), ActivateBeginTime: catUnix(r.ActivateBeginTime), ActivateEndTime: catUnix(r.ActivateEndTime)}
	if r.InitBalance != nil {
		n := int64(*r.InitBalance)
		w.InitBalance = &n
	}
	return catMarshal(w)
}

// Validate checks the required fields and the §3.16 limits.
func (r GeneralCardActivateRequest) Validate() error {
	var v cv
	v.code("Code", r.Code, true)
	v.cardID("CardID", r.CardID, false)
	v.str("MembershipNumber", r.MembershipNumber, false, maxMembershipNumberLen)
	if !r.ActivateBeginTime.IsZero() && !r.ActivateEndTime.IsZero() && !r.ActivateEndTime.After(r.ActivateBeginTime) {
		v.fail("ActivateEndTime", "must be after ActivateBeginTime")
	}
	if r.InitBonus != nil {
		v.nonNeg("InitBonus", *r.InitBonus)
	}
	v.record("InitBonusRecord", r.InitBonusRecord)
	if r.InitBalance != nil {
		v.nonNeg("InitBalance", int64(*r.InitBalance))
	}
	for i, s := range []string{r.InitCustomFieldValue1, r.InitCustomFieldValue2, r.InitCustomFieldValue3} {
		v.customValue(fmt.Sprintf("InitCustomFieldValue%d", i+1), s)
	}
	return v.err()
}

// GeneralCardActivateResponse is empty.
type GeneralCardActivateResponse struct{}

// GeneralCardActivate activates a general card (POST /card/generalcard/activate).
func (p *Provider) GeneralCardActivate(ctx context.Context, req GeneralCardActivateRequest) (*GeneralCardActivateResponse, error) {
	return invoke[GeneralCardActivateResponse](ctx, p, "GeneralCardActivate", "/card/generalcard/activate", req)
}

// GeneralCardUnactivateRequest returns a general card to the not-activated state (row 35).
type GeneralCardUnactivateRequest struct {
	CardID string `json:"card_id"`
	Code   string `json:"code"`
}

// Validate checks CardID and Code.
func (r GeneralCardUnactivateRequest) Validate() error {
	var v cv
	v.cardID("CardID", r.CardID, true)
	v.code("Code", r.Code, true)
	return v.err()
}

// GeneralCardUnactivateResponse is empty.
type GeneralCardUnactivateResponse struct{}

// GeneralCardUnactivate deactivates a general card (POST /card/generalcard/unactivate).
func (p *Provider) GeneralCardUnactivate(ctx context.Context, req GeneralCardUnactivateRequest) (*GeneralCardUnactivateResponse, error) {
	return invoke[GeneralCardUnactivateResponse](ctx, p, "GeneralCardUnactivate", "/card/generalcard/unactivate", req)
}

// GeneralCardNotify chooses which changes send the user a message; it is the
// member card's NotifyOptional (a nil flag is not sent).
type GeneralCardNotify = NotifyOptional

// GeneralCardUpdateUserRequest changes a general-card holder's points,
// balance or custom values (row 36). Bonus and Balance are absolute values
// (they win for display); AddBonus and AddBalance are signed deltas.
type GeneralCardUpdateUserRequest struct {
	Code             string `json:"code"`
	CardID           string `json:"card_id"`
	BackgroundPicURL string `json:"background_pic_url,omitempty"`
	Bonus            *int64 `json:"bonus,omitempty"`
	AddBonus         *int64 `json:"add_bonus,omitempty"`
	// RecordBonus explains the change, ≤ 14 Chinese characters.
	RecordBonus string      `json:"record_bonus,omitempty"`
	Balance     *card.Money `json:"-"` // fen
	AddBalance  *card.Money `json:"-"` // fen, signed
	// RecordBalance explains the change, ≤ 14 Chinese characters.
	RecordBalance string `json:"record_balance,omitempty"`
	// CustomFieldValue1..3 are ≤ 12 bytes (4 Chinese characters).
	CustomFieldValue1 string             `json:"custom_field_value1,omitempty"`
	CustomFieldValue2 string             `json:"custom_field_value2,omitempty"`
	CustomFieldValue3 string             `json:"custom_field_value3,omitempty"`
	NotifyOptional    *GeneralCardNotify `json:"notify_optional,omitempty"`
}

// busyRetrySafe: only absolute values may be sent again after errcode -1. A
// delta sent with the absolute value of the same quantity is safe (the
// absolute value wins); a lone AddBonus or AddBalance is sent once.
func (r GeneralCardUpdateUserRequest) busyRetrySafe() bool {
	return (r.AddBonus == nil || r.Bonus != nil) && (r.AddBalance == nil || r.Balance != nil)
}

// MarshalJSON sends the balances as fen.
func (r GeneralCardUpdateUserRequest) MarshalJSON() ([]byte, error) {
	type plain GeneralCardUpdateUserRequest
	w := struct {
		plain
		Balance    *int64 `json:"balance,omitempty"`
		AddBalance *int64 `json:"add_balance,omitempty"`
	}{plain: plain(r)}
	if r.Balance != nil {
		n := int64(*r.Balance)
		w.Balance = &n
	}
	if r.AddBalance != nil {
		n := int64(*r.AddBalance)
		w.AddBalance = &n
	}
	return catMarshal(w)
}

// Validate checks the required fields and the §3.16 limits.
func (r GeneralCardUpdateUserRequest) Validate() error {
	var v cv
	v.code("Code", r.Code, true)
	v.cardID("CardID", r.CardID, true)
	if r.Bonus != nil {
		v.nonNeg("Bonus", *r.Bonus)
	}
	if r.Balance != nil {
		v.nonNeg("Balance", int64(*r.Balance))
	}
	v.record("RecordBonus", r.RecordBonus)
	v.record("RecordBalance", r.RecordBalance)
	for i, s := range []string{r.CustomFieldValue1, r.CustomFieldValue2, r.CustomFieldValue3} {
		v.customValue(fmt.Sprintf("CustomFieldValue%d", i+1), s)
	}
	return v.err()
}

// GeneralCardUpdateUserResponse holds the values after the change.
type GeneralCardUpdateUserResponse struct {
	ResultBonus   int64      `json:"result_bonus"`
	ResultBalance card.Money `json:"-"` // fen
	OpenID        string     `json:"openid"`
}

// UnmarshalJSON reads result_balance as fen.
func (r *GeneralCardUpdateUserResponse) UnmarshalJSON(b []byte) error {
	type plain GeneralCardUpdateUserResponse
	w := struct {
		*plain
		ResultBalance int64 `json:"result_balance"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	r.ResultBalance = card.Money(w.ResultBalance)
	return nil
}

// GeneralCardUpdateUser updates a general-card holder (POST /card/generalcard/updateuser).
func (p *Provider) GeneralCardUpdateUser(ctx context.Context, req GeneralCardUpdateUserRequest) (*GeneralCardUpdateUserResponse, error) {
	return invoke[GeneralCardUpdateUserResponse](ctx, p, "GeneralCardUpdateUser", "/card/generalcard/updateuser", req)
}
