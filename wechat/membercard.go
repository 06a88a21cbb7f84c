package wechat

import (
	"context"
	"unicode/utf8"

	card "github.com/walletcard/card"
)

// Member-card limits (reference §3.16).
const (
	// MaxRecordRunes bounds record_bonus, record_balance and init_bonus_record: 14 (Chinese) characters.
	MaxRecordRunes = 14
	// MaxCustomFieldValueBytes bounds custom_field_value1..3 and init_custom_field_value1..3:
	// 12 bytes (4 Chinese characters in UTF-8).
	MaxCustomFieldValueBytes = 12
	// maxMembershipNumberLen bounds membership_number. WeChat documents no
	// limit; it "may equal the code", which is string(20), so 20 bytes is what
	// this adapter and wechattest accept.
	maxMembershipNumberLen = MaxCodeLen
	maxURLLen              = 256
)

func checkRecord(field, v string) error {
	if !utf8.ValidString(v) {
		return card.InvalidArgument(field, "must be UTF-8")
	}
	if n := utf8.RuneCountInString(v); n > MaxRecordRunes {
		return card.InvalidArgument(field, "must be ≤ %d characters, got %d", MaxRecordRunes, n)
	}
	return nil
}

func checkCustomValue(field, v string) error {
	if !utf8.ValidString(v) {
		return card.InvalidArgument(field, "must be UTF-8")
	}
	if len(v) > MaxCustomFieldValueBytes {
		return card.InvalidArgument(field, "must be ≤ %d bytes (4 Chinese characters), got %d", MaxCustomFieldValueBytes, len(v))
	}
	return nil
}

func checkURL(field, v string) error {
	if len(v) > maxURLLen {
		return card.InvalidArgument(field, "must be ≤ %d bytes", maxURLLen)
	}
	return nil
}

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
	if r.MembershipNumber == "" {
		return card.InvalidArgument("MembershipNumber", "is required")
	}
	if len(r.MembershipNumber) > maxMembershipNumberLen {
		return card.InvalidArgument("MembershipNumber", "must be ≤ %d bytes", maxMembershipNumberLen)
	}
	if err := checkCode("Code", r.Code); err != nil {
		return err
	}
	if err := checkCardID("CardID", r.CardID, false); err != nil {
		return err
	}
	if err := checkURL("BackgroundPicURL", r.BackgroundPicURL); err != nil {
		return err
	}
	if r.ActivateBeginTime < 0 {
		return card.InvalidArgument("ActivateBeginTime", "must not be negative")
	}
	if r.ActivateEndTime < 0 {
		return card.InvalidArgument("ActivateEndTime", "must not be negative")
	}
	if r.ActivateBeginTime > 0 && r.ActivateEndTime > 0 && r.ActivateEndTime < r.ActivateBeginTime {
		return card.InvalidArgument("ActivateEndTime", "must not be before ActivateBeginTime")
	}
	if r.InitBonus != nil && *r.InitBonus < 0 {
		return card.InvalidArgument("InitBonus", "must not be negative")
	}
	if r.InitBalance != nil && *r.InitBalance < 0 {
		return card.InvalidArgument("InitBalance", "must not be negative")
	}
	if err := checkRecord("InitBonusRecord", r.InitBonusRecord); err != nil {
		return err
	}
	for i, v := range [3]string{r.InitCustomFieldValue1, r.InitCustomFieldValue2, r.InitCustomFieldValue3} {
		if err := checkCustomValue("InitCustomFieldValue"+string(rune('1'+i)), v); err != nil {
			return err
		}
	}
	return nil
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

func (f *UserForm) validate(prefix string) error {
	if f == nil {
		return nil
	}
	if len(f.CommonFieldIDList)+len(f.CustomFieldList)+len(f.RichFieldList) == 0 {
		return card.InvalidArgument(prefix, "has no fields")
	}
	for _, id := range f.CommonFieldIDList {
		ok := false
		for _, k := range CommonFieldIDs() {
			ok = ok || id == k
		}
		if !ok {
			return card.InvalidArgument(prefix+".CommonFieldIDList", "unknown field %q", id)
		}
	}
	for _, c := range f.CustomFieldList {
		if c == "" {
			return card.InvalidArgument(prefix+".CustomFieldList", "has an empty name")
		}
	}
	for _, rf := range f.RichFieldList {
		switch rf.Type {
		case "FORM_FIELD_RADIO", "FORM_FIELD_SELECT", "FORM_FIELD_CHECK_BOX":
		default:
			return card.InvalidArgument(prefix+".RichFieldList.Type", "must be FORM_FIELD_RADIO, FORM_FIELD_SELECT or FORM_FIELD_CHECK_BOX, got %q", rf.Type)
		}
		if rf.Name == "" {
			return card.InvalidArgument(prefix+".RichFieldList.Name", "is required")
		}
		if len(rf.Values) == 0 {
			return card.InvalidArgument(prefix+".RichFieldList.Values", "needs at least one value")
		}
	}
	return nil
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
	if err := checkCardID("CardID", r.CardID, true); err != nil {
		return err
	}
	if r.RequiredForm == nil && r.OptionalForm == nil {
		return card.InvalidArgument("RequiredForm", "one of RequiredForm or OptionalForm is required")
	}
	for name, l := range map[string]*FormLink{"ServiceStatement": r.ServiceStatement, "BindOldCard": r.BindOldCard} {
		if l != nil && (l.Name == "" || l.URL == "") {
			return card.InvalidArgument(name, "needs a name and a url")
		}
	}
	if err := r.RequiredForm.validate("RequiredForm"); err != nil {
		return err
	}
	return r.OptionalForm.validate("OptionalForm")
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
	if err := checkCardID("CardID", r.CardID, true); err != nil {
		return err
	}
	return checkCode("Code", r.Code)
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

// NotifyOptional chooses which changes send the user a message.
type NotifyOptional struct {
	IsNotifyBonus        bool `json:"is_notify_bonus"`
	IsNotifyBalance      bool `json:"is_notify_balance"`
	IsNotifyCustomField1 bool `json:"is_notify_custom_field1"`
	IsNotifyCustomField2 bool `json:"is_notify_custom_field2"`
	IsNotifyCustomField3 bool `json:"is_notify_custom_field3"`
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
	if err := checkCode("Code", r.Code); err != nil {
		return err
	}
	if err := checkCardID("CardID", r.CardID, true); err != nil {
		return err
	}
	if err := checkURL("BackgroundPicURL", r.BackgroundPicURL); err != nil {
		return err
	}
	if r.Bonus != nil && *r.Bonus < 0 {
		return card.InvalidArgument("Bonus", "must not be negative (use AddBonus for a decrease)")
	}
	if r.Balance != nil && *r.Balance < 0 {
		return card.InvalidArgument("Balance", "must not be negative (use AddBalance for a decrease)")
	}
	if err := checkRecord("RecordBonus", r.RecordBonus); err != nil {
		return err
	}
	if err := checkRecord("RecordBalance", r.RecordBalance); err != nil {
		return err
	}
	for i, v := range [3]*string{r.CustomFieldValue1, r.CustomFieldValue2, r.CustomFieldValue3} {
		if v != nil {
			if err := checkCustomValue("CustomFieldValue"+string(rune('1'+i)), *v); err != nil {
				return err
			}
		}
	}
	if r.Bonus == nil && r.AddBonus == nil && r.Balance == nil && r.AddBalance == nil &&
		r.CustomFieldValue1 == nil && r.CustomFieldValue2 == nil && r.CustomFieldValue3 == nil && r.BackgroundPicURL == "" {
		return card.InvalidArgument("Bonus", "nothing to update: set a bonus, balance, custom field or background")
	}
	if r.RecordBonus != "" && r.Bonus == nil && r.AddBonus == nil {
		return card.InvalidArgument("RecordBonus", "needs Bonus or AddBonus")
	}
	if r.RecordBalance != "" && r.Balance == nil && r.AddBalance == nil {
		return card.InvalidArgument("RecordBalance", "needs Balance or AddBalance")
	}
	return nil
}

// UpdateMemberUserResponse is the answer of updateuser.
type UpdateMemberUserResponse struct {
	ResultBonus   int64  `json:"result_bonus"`
	ResultBalance int64  `json:"result_balance"`
	OpenID        string `json:"openid"`
}

// UpdateMemberUser changes a member's points, balance or custom fields.
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
	if r.ActivateTicket == "" {
		return card.InvalidArgument("ActivateTicket", "is required")
	}
	if len(r.ActivateTicket) > 512 {
		return card.InvalidArgument("ActivateTicket", "must be ≤ 512 bytes")
	}
	return nil
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
	if err := checkCardID("CardID", r.CardID, true); err != nil {
		return err
	}
	if len(r.OuterStr) > 128 {
		return card.InvalidArgument("OuterStr", "must be ≤ 128 bytes")
	}
	return nil
}

// GetActivateURLResponse is the answer of activate/geturl.
type GetActivateURLResponse struct {
	URL string `json:"url"`
}

// GetActivateURL returns the URL of WeChat's activation component for a card.
func (p *Provider) GetActivateURL(ctx context.Context, req GetActivateURLRequest) (*GetActivateURLResponse, error) {
	return invoke[GetActivateURLResponse](ctx, p, "GetActivateURL", "/card/membercard/activate/geturl", req)
}
