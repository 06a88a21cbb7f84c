package wechat

import (
	"context"
	"fmt"

	"github.com/walletcard/card/internal/walletrules"
)

// Member-card limits (reference §3.16).
const (
	// MaxRecordRunes bounds record_bonus, record_balance and init_bonus_record: 14 (Chinese) characters.
	MaxRecordRunes = walletrules.WeChatMaxRecordZh
	// MaxCustomFieldValueBytes bounds custom_field_value1..3 and init_custom_field_value1..3:
	// 12 bytes (4 Chinese characters in UTF-8).
	MaxCustomFieldValueBytes = walletrules.WeChatMaxCustomValueBytes
	// maxMembershipNumberLen bounds membership_number. WeChat documents no
	// limit; it "may equal the code", which is string(20), so 20 bytes is what
	// this adapter and wechattest accept.
	maxMembershipNumberLen = walletrules.WeChatMaxMembershipBytes
	maxURLLen              = 256
)

// ActivateMemberCardRequest is POST /card/membercard/activate (row 27).
type ActivateMemberCardRequest struct {
	// MembershipNumber is shown as the card number; may equal Code. Required.
	MembershipNumber string `json:"membership_number"`
	// Code is the code the user claimed. Required.
	Code string `json:"code"`
	// CardID is required for custom-code cards.
	CardID           string `json:"card_id,omitempty"`
	BackgroundPicURL string `json:"background_pic_url,omitempty"`
	// ActivateBeginTime and ActivateEndTime (unix seconds) bound the card's
	// validity; zero uses the card's date_info.
	ActivateBeginTime int64 `json:"activate_begin_time,omitempty"`
	ActivateEndTime   int64 `json:"activate_end_time,omitempty"`
	// InitBonus is the initial points (nil = not sent).
	InitBonus *int64 `json:"init_bonus,omitempty"`
	// InitBonusRecord explains InitBonus, ≤ 14 characters.
	InitBonusRecord string `json:"init_bonus_record,omitempty"`
	// InitBalance is the initial balance in fen (nil = not sent).
	InitBalance *int64 `json:"init_balance,omitempty"`
	// InitCustomFieldValue1..3 are the initial custom-field values, ≤ 12 bytes each.
	InitCustomFieldValue1 string `json:"init_custom_field_value1,omitempty"`
	InitCustomFieldValue2 string `json:"init_custom_field_value2,omitempty"`
	InitCustomFieldValue3 string `json:"init_custom_field_value3,omitempty"`
}

// Validate checks the documented limits.
func (r ActivateMemberCardRequest) Validate() error {
	var v cv
	v.str("MembershipNumber", r.MembershipNumber, true, maxMembershipNumberLen)
	v.code("Code", r.Code, true)
	v.cardID("CardID", r.CardID, false)
	v.str("BackgroundPicURL", r.BackgroundPicURL, false, maxURLLen)
	v.nonNeg("ActivateBeginTime", r.ActivateBeginTime)
	v.nonNeg("ActivateEndTime", r.ActivateEndTime)
	if r.ActivateBeginTime > 0 && r.ActivateEndTime > 0 && r.ActivateEndTime < r.ActivateBeginTime {
		v.fail("ActivateEndTime", "must not be before ActivateBeginTime")
	}
	if r.InitBonus != nil {
		v.nonNeg("InitBonus", *r.InitBonus)
	}
	if r.InitBalance != nil {
		v.nonNeg("InitBalance", *r.InitBalance)
	}
	v.record("InitBonusRecord", r.InitBonusRecord)
	v.customValue("InitCustomFieldValue1", r.InitCustomFieldValue1)
	v.customValue("InitCustomFieldValue2", r.InitCustomFieldValue2)
	v.customValue("InitCustomFieldValue3", r.InitCustomFieldValue3)
	return v.err()
}

// ActivateMemberCard activates a claimed member card.
func (p *Provider) ActivateMemberCard(ctx context.Context, req ActivateMemberCardRequest) error {
	_, err := invoke[struct{}](ctx, p, "ActivateMemberCard", "/card/membercard/activate", req)
	return err
}

// FormLink is a named link on the activation form (service statement, bind old card).
type FormLink struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// RichField is a choice field of the activation form.
type RichField struct {
	// Type is FORM_FIELD_RADIO, FORM_FIELD_SELECT or FORM_FIELD_CHECK_BOX.
	Type   string   `json:"type"`
	Name   string   `json:"name"`
	Values []string `json:"values,omitempty"`
}

// UserForm is the required or optional part of the activation form.
type UserForm struct {
	// CanModify lets the user change the values later.
	CanModify bool `json:"can_modify"`
	// CommonFieldIDList holds USER_FORM_INFO_FLAG_* values (see CommonFieldIDs).
	CommonFieldIDList []string    `json:"common_field_id_list,omitempty"`
	CustomFieldList   []string    `json:"custom_field_list,omitempty"`
	RichFieldList     []RichField `json:"rich_field_list,omitempty"`
}

// CommonFieldIDs are the accepted common_field_id_list values. Both spellings
// of the education field are accepted: the official doc's
// USER_FORM_INFO_FLAG_EDUCATION_BACKGRO and USER_FORM_INFO_FLAG_EDUCATION_BACKGROUND
// (which WxJava reports is the one that works).
// It returns a new slice on every call.
func CommonFieldIDs() []string {
	return []string{
		"USER_FORM_INFO_FLAG_MOBILE", "USER_FORM_INFO_FLAG_SEX", "USER_FORM_INFO_FLAG_NAME",
		"USER_FORM_INFO_FLAG_BIRTHDAY", "USER_FORM_INFO_FLAG_IDCARD", "USER_FORM_INFO_FLAG_EMAIL",
		"USER_FORM_INFO_FLAG_LOCATION", "USER_FORM_INFO_FLAG_EDUCATION_BACKGRO",
		"USER_FORM_INFO_FLAG_EDUCATION_BACKGROUND", "USER_FORM_INFO_FLAG_INDUSTRY",
		"USER_FORM_INFO_FLAG_INCOME", "USER_FORM_INFO_FLAG_HABIT",
	}
}

// validate checks a link of the activation form (nil is not sent).
func (l *FormLink) validate(v *cv, field string) {
	if l != nil && (l.Name == "" || l.URL == "") {
		v.fail(field, "needs a name and a url")
	}
}

// validate checks an activation form (nil is not sent).
func (f *UserForm) validate(v *cv, prefix string) {
	if f == nil {
		return
	}
	if len(f.CommonFieldIDList)+len(f.CustomFieldList)+len(f.RichFieldList) == 0 {
		v.fail(prefix, "has no fields")
	}
	for _, id := range f.CommonFieldIDList {
		v.oneOf(prefix+".CommonFieldIDList", id, true, CommonFieldIDs()...)
	}
	for _, c := range f.CustomFieldList {
		if c == "" {
			v.fail(prefix+".CustomFieldList", "has an empty name")
		}
	}
	for _, rf := range f.RichFieldList {
		v.oneOf(prefix+".RichFieldList.Type", rf.Type, true, "FORM_FIELD_RADIO", "FORM_FIELD_SELECT", "FORM_FIELD_CHECK_BOX")
		if rf.Name == "" {
			v.fail(prefix+".RichFieldList.Name", "is required")
		}
		if len(rf.Values) == 0 {
			v.fail(prefix+".RichFieldList.Values", "needs at least one value")
		}
	}
}

// SetActivateUserFormRequest is POST /card/membercard/activateuserform/set (row 28).
type SetActivateUserFormRequest struct {
	CardID           string    `json:"card_id"`
	ServiceStatement *FormLink `json:"service_statement,omitempty"`
	BindOldCard      *FormLink `json:"bind_old_card,omitempty"`
	RequiredForm     *UserForm `json:"required_form,omitempty"`
	OptionalForm     *UserForm `json:"optional_form,omitempty"`
}

// Validate checks the documented limits.
func (r SetActivateUserFormRequest) Validate() error {
	var v cv
	v.cardID("CardID", r.CardID, true)
	if r.RequiredForm == nil && r.OptionalForm == nil {
		v.fail("RequiredForm", "one of RequiredForm or OptionalForm is required")
	}
	r.ServiceStatement.validate(&v, "ServiceStatement")
	r.BindOldCard.validate(&v, "BindOldCard")
	r.RequiredForm.validate(&v, "RequiredForm")
	r.OptionalForm.validate(&v, "OptionalForm")
	return v.err()
}

// SetActivateUserForm sets the one-tap activation form of a member card.
func (p *Provider) SetActivateUserForm(ctx context.Context, req SetActivateUserFormRequest) error {
	_, err := invoke[struct{}](ctx, p, "SetActivateUserForm", "/card/membercard/activateuserform/set", req)
	return err
}

// GetMemberUserInfoRequest is POST /card/membercard/userinfo/get (row 29).
type GetMemberUserInfoRequest struct {
	CardID string `json:"card_id"`
	Code   string `json:"code"`
}

// Validate checks the documented limits.
func (r GetMemberUserInfoRequest) Validate() error {
	var v cv
	v.cardID("CardID", r.CardID, true)
	v.code("Code", r.Code, true)
	return v.err()
}

// FormValue is one filled-in form field.
type FormValue struct {
	Name      string   `json:"name"`
	Value     string   `json:"value"`
	ValueList []string `json:"value_list,omitempty"`
}

// FormInfo is what a user entered in the activation form.
type FormInfo struct {
	CommonFieldList []FormValue `json:"common_field_list"`
	CustomFieldList []FormValue `json:"custom_field_list"`
}

// MemberUserInfo is the answer of userinfo/get.
type MemberUserInfo struct {
	OpenID           string `json:"openid"`
	Nickname         string `json:"nickname"`
	MembershipNumber string `json:"membership_number"`
	// Bonus is the points; Balance the balance in fen.
	Bonus   int64 `json:"bonus"`
	Balance int64 `json:"balance"`
	// Sex is "MALE" or "FEMALE".
	Sex      string   `json:"sex"`
	UserInfo FormInfo `json:"user_info"`
	// UserCardStatus is NORMAL, EXPIRE, GIFTING, GIFT_TIMEOUT, DELETE, UNAVAILABLE ….
	UserCardStatus string   `json:"user_card_status"`
	HasActive      FlexBool `json:"has_active"`
	// CustomFieldValue1..3 are read when the answer carries them (the
	// reference samples do not, and wechattest follows them).
	CustomFieldValue1 string `json:"custom_field_value1,omitempty"`
	CustomFieldValue2 string `json:"custom_field_value2,omitempty"`
	CustomFieldValue3 string `json:"custom_field_value3,omitempty"`
}

// GetMemberUserInfo reads a member's points, balance, number and form data.
func (p *Provider) GetMemberUserInfo(ctx context.Context, req GetMemberUserInfoRequest) (*MemberUserInfo, error) {
	return invoke[MemberUserInfo](ctx, p, "GetMemberUserInfo", "/card/membercard/userinfo/get", req)
}

// NotifyOptional chooses which changes send the user a message. Each flag
// is a *bool: nil leaves the flag out of the request, so WeChat applies its
// default for that change, and only the flags that are set are sent (a
// partly filled NotifyOptional does not mute the other notifications).
type NotifyOptional struct {
	IsNotifyBonus        *bool `json:"is_notify_bonus,omitempty"`
	IsNotifyBalance      *bool `json:"is_notify_balance,omitempty"`
	IsNotifyCustomField1 *bool `json:"is_notify_custom_field1,omitempty"`
	IsNotifyCustomField2 *bool `json:"is_notify_custom_field2,omitempty"`
	IsNotifyCustomField3 *bool `json:"is_notify_custom_field3,omitempty"`
}

// UpdateMemberUserRequest is POST /card/membercard/updateuser (row 30).
//
// Bonus and Balance are ABSOLUTE values (the documented idempotent way);
// AddBonus and AddBalance are signed deltas. When both are sent WeChat shows
// the absolute value and uses the delta only as the number in the user's
// notification. Nil fields are not sent.
type UpdateMemberUserRequest struct {
	Code             string `json:"code"`
	CardID           string `json:"card_id"`
	BackgroundPicURL string `json:"background_pic_url,omitempty"`
	Bonus            *int64 `json:"bonus,omitempty"`
	AddBonus         *int64 `json:"add_bonus,omitempty"`
	// RecordBonus explains the bonus change, ≤ 14 characters.
	RecordBonus string `json:"record_bonus,omitempty"`
	// Balance and AddBalance are in fen.
	Balance    *int64 `json:"balance,omitempty"`
	AddBalance *int64 `json:"add_balance,omitempty"`
	// RecordBalance explains the balance change, ≤ 14 characters.
	RecordBalance string `json:"record_balance,omitempty"`
	// CustomFieldValue1..3 are new custom-field values, ≤ 12 bytes; nil = unchanged.
	CustomFieldValue1 *string         `json:"custom_field_value1,omitempty"`
	CustomFieldValue2 *string         `json:"custom_field_value2,omitempty"`
	CustomFieldValue3 *string         `json:"custom_field_value3,omitempty"`
	NotifyOptional    *NotifyOptional `json:"notify_optional,omitempty"`
}

// Validate checks the documented limits.
func (r UpdateMemberUserRequest) Validate() error {
	var v cv
	v.code("Code", r.Code, true)
	v.cardID("CardID", r.CardID, true)
	v.str("BackgroundPicURL", r.BackgroundPicURL, false, maxURLLen)
	if r.Bonus != nil && *r.Bonus < 0 {
		v.fail("Bonus", "must not be negative (use AddBonus for a decrease)")
	}
	if r.Balance != nil && *r.Balance < 0 {
		v.fail("Balance", "must not be negative (use AddBalance for a decrease)")
	}
	v.record("RecordBonus", r.RecordBonus)
	v.record("RecordBalance", r.RecordBalance)
	for i, s := range [3]*string{r.CustomFieldValue1, r.CustomFieldValue2, r.CustomFieldValue3} {
		if s != nil {
			v.customValue("CustomFieldValue"+string(rune('1'+i)), *s)
		}
	}
	if r.Bonus == nil && r.AddBonus == nil && r.Balance == nil && r.AddBalance == nil &&
		r.CustomFieldValue1 == nil && r.CustomFieldValue2 == nil && r.CustomFieldValue3 == nil && r.BackgroundPicURL == "" {
		v.fail("Bonus", "nothing to update: set a bonus, balance, custom field or background")
	}
	if r.RecordBonus != "" && r.Bonus == nil && r.AddBonus == nil {
		v.fail("RecordBonus", "needs Bonus or AddBonus")
	}
	if r.RecordBalance != "" && r.Balance == nil && r.AddBalance == nil {
		v.fail("RecordBalance", "needs Balance or AddBalance")
	}
	return v.err()
}

// busyRetrySafe: only absolute values may be sent again after errcode -1. A
// delta is safe when the absolute value of the same quantity is sent with it
// (the absolute value wins, the delta only labels the notification); a
// request with a lone AddBonus or AddBalance is sent once.
func (r UpdateMemberUserRequest) busyRetrySafe() bool {
	return (r.AddBonus == nil || r.Bonus != nil) && (r.AddBalance == nil || r.Balance != nil)
}

// UpdateMemberUserResponse is the answer of updateuser.
type UpdateMemberUserResponse struct {
	ResultBonus   int64  `json:"result_bonus"`
	ResultBalance int64  `json:"result_balance"`
	OpenID        string `json:"openid"`
}

// bindAnswer: the answer shows the absolute values that were set.
func (r UpdateMemberUserRequest) bindAnswer(out any) string {
	a, ok := out.(*UpdateMemberUserResponse)
	if !ok {
		return ""
	}
	if r.Bonus != nil && a.ResultBonus != *r.Bonus {
		return fmt.Sprintf("result_bonus %d, the request set %d", a.ResultBonus, *r.Bonus)
	}
	if r.Balance != nil && a.ResultBalance != *r.Balance {
		return fmt.Sprintf("result_balance %d, the request set %d", a.ResultBalance, *r.Balance)
	}
	return ""
}

// UpdateMemberUser changes a member's points, balance or custom fields. A
// request with only absolute values (Bonus, Balance, custom fields), or with
// a delta beside the absolute value of the same quantity (Bonus with
// AddBonus, Balance with AddBalance: the absolute value wins), is sent again
// when WeChat answers errcode -1 (system busy); the user may then get the
// change notification twice. One with a lone AddBonus or AddBalance is sent
// once, and a -1 answer is returned (card.ErrUnavailable) since WeChat may
// have applied the delta.
func (p *Provider) UpdateMemberUser(ctx context.Context, req UpdateMemberUserRequest) (*UpdateMemberUserResponse, error) {
	return invoke[UpdateMemberUserResponse](ctx, p, "UpdateMemberUser", "/card/membercard/updateuser", req)
}

// GetActivateTempInfoRequest is POST /card/membercard/activatetempinfo/get (row 31).
type GetActivateTempInfoRequest struct {
	// ActivateTicket arrives URL-encoded on the jump-activation callback; pass it decoded.
	ActivateTicket string `json:"activate_ticket"`
}

// Validate checks the documented limits.
func (r GetActivateTempInfoRequest) Validate() error {
	var v cv
	v.str("ActivateTicket", r.ActivateTicket, true, 512)
	return v.err()
}

// GetActivateTempInfoResponse is the answer of activatetempinfo/get.
type GetActivateTempInfoResponse struct {
	Info FormInfo `json:"info"`
}

// GetActivateTempInfo reads what the user entered in the jump-activation form.
func (p *Provider) GetActivateTempInfo(ctx context.Context, req GetActivateTempInfoRequest) (*GetActivateTempInfoResponse, error) {
	return invoke[GetActivateTempInfoResponse](ctx, p, "GetActivateTempInfo", "/card/membercard/activatetempinfo/get", req)
}

// GetActivateURLRequest is POST /card/membercard/activate/geturl (row 32, 开卡组件).
type GetActivateURLRequest struct {
	CardID string `json:"card_id"`
	// OuterStr is a channel value echoed in events. Optional, ≤ 128 bytes.
	OuterStr string `json:"outer_str,omitempty"`
}

// Validate checks the documented limits.
func (r GetActivateURLRequest) Validate() error {
	var v cv
	v.cardID("CardID", r.CardID, true)
	v.outerStr("OuterStr", r.OuterStr)
	return v.err()
}

// GetActivateURLResponse is the answer of activate/geturl.
type GetActivateURLResponse struct {
	URL string `json:"url"`
}

// GetActivateURL returns the URL of WeChat's activation component for a card.
func (p *Provider) GetActivateURL(ctx context.Context, req GetActivateURLRequest) (*GetActivateURLResponse, error) {
	return invoke[GetActivateURLResponse](ctx, p, "GetActivateURL", "/card/membercard/activate/geturl", req)
}
