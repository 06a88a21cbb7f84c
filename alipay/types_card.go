package alipay

import (
	"encoding/json"
	"time"
	"unicode/utf8"

	card "github.com/walletcard/card"
	"github.com/walletcard/card/internal/walletrules"
)

// Card-number types for TargetCardNoType.
const (
	CardNoBiz      = "BIZ_CARD"      // Alipay's card number, biz_card_no (the default)
	CardNoDQRCode  = "D_QR_CODE"     // value of an Alipay dynamic QR code (query only)
	CardNoDBarCode = "D_BAR_CODE"    // value of an Alipay dynamic bar code (query only)
	CardNoExternal = "EXTERNAL_CARD" // merchant's card number (query only)
)

// Delete reasons (card.delete reason_code).
const (
	ReasonUserUnbound = "USER_UNBUND" // the user unbound the card; may bind again
	ReasonCancel      = "CANCEL"      // membership closed; cannot bind again
	ReasonPresent     = "PRESENT"     // given to someone else; may bind again
)

// UserIDTypeUID is the only documented user_uni_id_type.
const UserIDTypeUID = "UID"

// MerchantCard is Alipay's card data (card_info, card_ext_info). Times are
// written in Beijing time; Point and Balance are exact decimals (nil = not
// sent / not reported).
type MerchantCard struct {
	// BizCardNo is Alipay's card number. Returned by open; never sent on open.
	BizCardNo string
	// ExternalCardNo is the merchant's own card number (≤ 64).
	ExternalCardNo string
	// OpenDate is when the card was opened (open only; cannot be updated).
	OpenDate time.Time
	// ValidDate is the end of validity (open only; cannot be updated).
	ValidDate time.Time
	// Level must match a card_level_conf level of the template (≤ 64).
	Level string
	// Point is the point balance, up to two decimals.
	Point *card.Points
	// Balance is the stored-value balance in yuan with two decimals.
	Balance *card.Money
	// TemplateID switches the card to another template (update only).
	TemplateID string
	// FrontTextList is up to 4 rows of text on the card face.
	FrontTextList []FrontText
	// FrontImageID is a card-face image id (230×295 px) from ImageUpload.
	FrontImageID string
	// MdCodeInfo is a merchant dynamic code pushed to the card.
	MdCodeInfo *MdCodeInfo
}

// FrontText is one row of card-face text.
type FrontText struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// MdCodeInfo is a merchant dynamic code (write_off_type mdqrcode/mdbarcode).
type MdCodeInfo struct {
	// CodeStatus is SUCCESS, FAIL_RETRY or FAIL_NOT_RETRY.
	CodeStatus string
	// CodeValue is the code to show.
	CodeValue string
	// ExpireTime is when the code stops working.
	ExpireTime time.Time
	// TimeStamp is the code's generation time in Unix seconds.
	TimeStamp int64
}

func (c MerchantCard) validate(ck *checker, prefix string, open bool) {
	ck.optional(prefix+".ExternalCardNo", c.ExternalCardNo, 64)
	ck.optional(prefix+".Level", c.Level, walletrules.AlipayMaxLevelRunes)
	ck.optional(prefix+".TemplateID", c.TemplateID, walletrules.AlipayMaxTemplateIDRunes)
	ck.optional(prefix+".FrontImageID", c.FrontImageID, 64)
	if c.Point != nil && *c.Point < 0 {
		ck.fail(prefix+".Point", "must not be negative")
	}
	if c.Point != nil && len(c.Point.String()) > 64 {
		ck.fail(prefix+".Point", "is too long")
	}
	if c.Balance != nil && *c.Balance < 0 {
		ck.fail(prefix+".Balance", "must not be negative")
	}
	if len(c.FrontTextList) > 4 {
		ck.fail(prefix+".FrontTextList", "has %d rows, the limit is 4", len(c.FrontTextList))
	}
	for _, t := range c.FrontTextList {
		ck.optional(prefix+".FrontTextList.Label", t.Label, 64)
		ck.optional(prefix+".FrontTextList.Value", t.Value, 64)
	}
	if m := c.MdCodeInfo; m != nil {
		ck.oneOf(prefix+".MdCodeInfo.CodeStatus", m.CodeStatus, "SUCCESS", "FAIL_RETRY", "FAIL_NOT_RETRY")
		ck.optional(prefix+".MdCodeInfo.CodeValue", m.CodeValue, 1024)
	}
	if c.BizCardNo != "" {
		ck.fail(prefix+".BizCardNo", "is assigned by Alipay and must not be sent")
	}
	if open {
		ck.required(prefix+".ExternalCardNo", c.ExternalCardNo, 64)
		if c.TemplateID != "" {
			ck.fail(prefix+".TemplateID", "is only for card.update (template switch)")
		}
	} else {
		if !c.OpenDate.IsZero() {
			ck.fail(prefix+".OpenDate", "cannot be changed by card.update")
		}
		if !c.ValidDate.IsZero() {
			ck.fail(prefix+".ValidDate", "cannot be changed by card.update")
		}
	}
}

// CardUserInfo identifies the card holder (card_user_info).
type CardUserInfo struct {
	// UserUniID is the Alipay user id (2088…, ≤ 32). One of UserUniID and OpenID is required.
	UserUniID string `json:"user_uni_id,omitempty"`
	// UserUniIDType is "UID" (the default).
	UserUniIDType string `json:"user_uni_id_type"`
	// OpenID is the user's open_id for apps with openid enabled (≤ 128).
	OpenID string `json:"open_id,omitempty"`
}

func (u CardUserInfo) withDefaults() CardUserInfo {
	if u.UserUniIDType == "" {
		u.UserUniIDType = UserIDTypeUID
	}
	return u
}

func (u CardUserInfo) validate(ck *checker, prefix string) {
	if u.UserUniID == "" && u.OpenID == "" {
		ck.fail(prefix+".UserUniID", "is required (or OpenID)")
	}
	ck.optional(prefix+".UserUniID", u.UserUniID, walletrules.AlipayMaxUIDRunes)
	ck.optional(prefix+".OpenID", u.OpenID, walletrules.AlipayMaxOpenIDRunes)
	ck.optional(prefix+".UserUniIDType", u.UserUniIDType, 32)
}

// MemberExtInfo is the member's profile on open (member_ext_info).
type MemberExtInfo struct {
	Name string `json:"name,omitempty"`
	// Gender is sent as Alipay's field "gende" (sic); MALE or FEMALE.
	Gender string `json:"gende,omitempty"`
	// Birth is "yyyy-MM-dd".
	Birth string `json:"birth,omitempty"`
	// Cell is the mobile number.
	Cell string `json:"cell,omitempty"`
}

// CardOpenRequest is alipay.marketing.card.open.
type CardOpenRequest struct {
	// AuthToken is the user's access token from OAuth with scope auth_ecard
	// (common parameter auth_token). Required. Never logged.
	AuthToken string `json:"-"`
	// OutSerialNo is the merchant's serial number for this open (≤ 64),
	// reused on every retry. CardOpen generates one when empty.
	OutSerialNo string `json:"out_serial_no"`
	// CardTemplateID is the template (≤ 32). Required.
	CardTemplateID string `json:"card_template_id"`
	// CardUserInfo is the holder. Required.
	CardUserInfo CardUserInfo `json:"card_user_info"`
	// CardExtInfo is the card's initial data; ExternalCardNo is required.
	CardExtInfo MerchantCard `json:"card_ext_info"`
	// MemberExtInfo is the member's profile. Optional.
	MemberExtInfo *MemberExtInfo `json:"member_ext_info,omitempty"`
	// OpenCardChannel (digits, letters, '_', e.g. a shop id or "QR") and
	// OpenCardChannelID attribute the open. Optional.
	OpenCardChannel   string `json:"open_card_channel,omitempty"`
	OpenCardChannelID string `json:"open_card_channel_id,omitempty"`
}

// Validate checks the documented rules; nothing is sent when it fails.
func (r CardOpenRequest) Validate() error {
	ck := checker{}
	ck.required("AuthToken", r.AuthToken, walletrules.AlipayMaxAuthTokenRunes)
	ck.required("OutSerialNo", r.OutSerialNo, 64)
	ck.required("CardTemplateID", r.CardTemplateID, walletrules.AlipayMaxTemplateIDRunes)
	r.CardUserInfo.validate(&ck, "CardUserInfo")
	r.CardExtInfo.validate(&ck, "CardExtInfo", true)
	if m := r.MemberExtInfo; m != nil {
		ck.optional("MemberExtInfo.Name", m.Name, 64)
		ck.optional("MemberExtInfo.Gender", m.Gender, 16)
		if m.Birth != "" {
			if _, err := time.Parse("2006-01-02", m.Birth); err != nil {
				ck.fail("MemberExtInfo.Birth", "must be yyyy-MM-dd")
			}
		}
		ck.optional("MemberExtInfo.Cell", m.Cell, 32)
	}
	ck.optional("OpenCardChannel", r.OpenCardChannel, 64)
	for i := 0; i < len(r.OpenCardChannel); i++ {
		b := r.OpenCardChannel[i]
		if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_') {
			ck.fail("OpenCardChannel", "may hold only digits, letters and '_'")
			break
		}
	}
	ck.optional("OpenCardChannelID", r.OpenCardChannelID, 64)
	return ck.err()
}

// CardOpenResponse is the answer to card.open.
type CardOpenResponse struct {
	// CardInfo is the new card; CardInfo.BizCardNo is Alipay's card number.
	CardInfo MerchantCard `json:"card_info"`
	// OpenCardChannel and OpenCardChannelID are what Alipay recorded.
	OpenCardChannel   string `json:"open_card_channel"`
	OpenCardChannelID string `json:"open_card_channel_id"`
	// OutSerialNo is the serial number the open was sent with.
	OutSerialNo string `json:"-"`
}

// salvage keeps what can be read of a success answer that does not decode:
// the card exists, so its number must not be lost. It reports whether
// card_info.biz_card_no was found, and returns it.
func (r *CardOpenResponse) salvage(raw []byte) (string, bool) {
	var v struct {
		CardInfo struct {
			BizCardNo      string `json:"biz_card_no"`
			ExternalCardNo string `json:"external_card_no"`
		} `json:"card_info"`
	}
	// Only these two strings are read, so other members' formats do not matter;
	// a type mismatch on one of them leaves it empty.
	_ = json.Unmarshal(raw, &v)
	if v.CardInfo.BizCardNo == "" {
		return "", false
	}
	*r = CardOpenResponse{CardInfo: MerchantCard{BizCardNo: v.CardInfo.BizCardNo, ExternalCardNo: v.CardInfo.ExternalCardNo}}
	return "biz_card_no " + v.CardInfo.BizCardNo, true
}

// CardQueryRequest is alipay.marketing.card.query.
type CardQueryRequest struct {
	// TargetCardNo is the card number of type TargetCardNoType (≤ 64 for EXTERNAL_CARD, else ≤ 32). Required.
	TargetCardNo string `json:"target_card_no"`
	// TargetCardNoType defaults to BIZ_CARD.
	TargetCardNoType string `json:"target_card_no_type"`
	// CardUserInfo filters by holder. Optional.
	CardUserInfo *CardUserInfo `json:"card_user_info,omitempty"`
	// TemplateID filters by template. Optional.
	TemplateID string `json:"template_id,omitempty"`
	// ExtInfo is reserved by Alipay (≤ 1024). Optional.
	ExtInfo string `json:"ext_info,omitempty"`
}

// Validate checks the documented rules.
func (r CardQueryRequest) Validate() error {
	ck := checker{}
	// An external card number may be up to 64 bytes (card.open's
	// external_card_no); the other kinds of number up to 32.
	limit := 32
	if r.TargetCardNoType == CardNoExternal {
		limit = 64
	}
	ck.required("TargetCardNo", r.TargetCardNo, limit)
	ck.oneOf("TargetCardNoType", r.TargetCardNoType, CardNoBiz, CardNoDQRCode, CardNoDBarCode, CardNoExternal)
	if r.CardUserInfo != nil {
		r.CardUserInfo.validate(&ck, "CardUserInfo")
	}
	ck.optional("TemplateID", r.TemplateID, walletrules.AlipayMaxTemplateIDRunes)
	ck.optional("ExtInfo", r.ExtInfo, 1024)
	return ck.err()
}

// CardQueryResponse is the answer to card.query.
type CardQueryResponse struct {
	CardInfo MerchantCard `json:"card_info"`
	// SchemaURL is a deep link that opens the card in Alipay.
	SchemaURL string `json:"schema_url"`
	// PassID is the p parameter of SchemaURL, for mini programs.
	PassID string `json:"pass_id"`
}

// check requires the card number of a D_QR_CODE or D_BAR_CODE answer; the
// other target types' binders already did (CardQueryRequest.call).
func (r *CardQueryResponse) check() error {
	return present("card_info.biz_card_no", r.CardInfo.BizCardNo)
}

// MerchantCardMsgInfo turns an update into a user message
// (merchant_card_msg_info). Alipay documents only changed_point; there is
// no balance counterpart.
type MerchantCardMsgInfo struct {
	// ChangedPoint is the change of points shown to the user (may be negative).
	ChangedPoint *card.Points
}

// MarshalJSON encodes the change as a decimal string.
func (m MerchantCardMsgInfo) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ChangedPoint string `json:"changed_point,omitempty"`
	}{optString(m.ChangedPoint)})
}

// CardUpdateRequest is alipay.marketing.card.update. CardInfo holds the new
// absolute values; fields left empty are not sent.
type CardUpdateRequest struct {
	// TargetCardNo is biz_card_no (≤ 32). Required.
	TargetCardNo string
	// TargetCardNoType defaults to BIZ_CARD (the only documented value).
	TargetCardNoType string
	// OccurTime is the business time of the change; zero means now.
	OccurTime time.Time
	// CardInfo is the card's new state. OpenDate and ValidDate must be zero.
	// TemplateID switches the card to another template.
	CardInfo MerchantCard
	// MerchantCardMsgInfo sends the user a message about the change. Optional.
	MerchantCardMsgInfo *MerchantCardMsgInfo
	// ExtInfo is reserved by Alipay (≤ 1024). Optional.
	ExtInfo string
}

// Validate checks the documented rules.
func (r CardUpdateRequest) Validate() error {
	ck := checker{}
	ck.required("TargetCardNo", r.TargetCardNo, walletrules.AlipayMaxCardNoRunes)
	ck.oneOf("TargetCardNoType", r.TargetCardNoType, CardNoBiz)
	r.CardInfo.validate(&ck, "CardInfo", false)
	ck.optional("ExtInfo", r.ExtInfo, 1024)
	return ck.err()
}

// CardUpdateResponse is the answer to card.update.
type CardUpdateResponse struct {
	// ResultCode is set only on failure.
	ResultCode string `json:"result_code"`
}

// DeleteExtInfo is card.delete's ext_info (sent as JSON text); effective
// only when agreed with Alipay.
type DeleteExtInfo struct {
	// NewCardNo is the new card number (PRESENT).
	NewCardNo string `json:"new_card_no,omitempty"`
	// DoneeUserID is the receiving user's id (PRESENT).
	DoneeUserID string `json:"donee_user_id,omitempty"`
}

// CardDeleteRequest is alipay.marketing.card.delete.
type CardDeleteRequest struct {
	// OutSerialNo is the merchant's serial number for this delete (≤ 32),
	// reused on every retry. CardDelete generates one when empty.
	OutSerialNo string
	// TargetCardNo is biz_card_no (≤ 32). Required.
	TargetCardNo string
	// TargetCardNoType defaults to BIZ_CARD.
	TargetCardNoType string
	// ReasonCode is USER_UNBUND, CANCEL or PRESENT. Required.
	ReasonCode string
	// ExtInfo carries the transfer details of PRESENT. Optional.
	ExtInfo *DeleteExtInfo
}

// Validate checks the documented rules.
func (r CardDeleteRequest) Validate() error {
	ck := checker{}
	ck.required("OutSerialNo", r.OutSerialNo, 32)
	ck.required("TargetCardNo", r.TargetCardNo, walletrules.AlipayMaxCardNoRunes)
	ck.oneOf("TargetCardNoType", r.TargetCardNoType, CardNoBiz)
	if r.ReasonCode == "" {
		ck.fail("ReasonCode", "is required")
	}
	ck.oneOf("ReasonCode", r.ReasonCode, ReasonUserUnbound, ReasonCancel, ReasonPresent)
	if r.ExtInfo != nil {
		ck.optional("ExtInfo.NewCardNo", r.ExtInfo.NewCardNo, 64)
		ck.optional("ExtInfo.DoneeUserID", r.ExtInfo.DoneeUserID, walletrules.AlipayMaxUIDRunes)
		if b, _ := json.Marshal(r.ExtInfo); utf8.RuneCount(b) > 1024 {
			ck.fail("ExtInfo", "is %d characters of JSON, the limit is 1024", utf8.RuneCount(b))
		}
	}
	return ck.err()
}

// CardDeleteResponse is the answer to card.delete.
type CardDeleteResponse struct {
	// BizSerialNo is Alipay's serial number of the delete.
	BizSerialNo string `json:"biz_serial_no"`
}

// String describes the request without its auth token.
func (r CardOpenRequest) String() string {
	return "alipay.CardOpenRequest{OutSerialNo:" + r.OutSerialNo + " CardTemplateID:" + r.CardTemplateID +
		" UserUniID:" + r.CardUserInfo.UserUniID + " ExternalCardNo:" + r.CardExtInfo.ExternalCardNo + "}"
}

// GoString is String, so %#v does not print the token either.
func (r CardOpenRequest) GoString() string { return r.String() }
