package alipay

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	card "github.com/walletcard/card"
)

// present returns an error naming the response field when its value is empty.
func present(field, value string) error {
	if value == "" {
		return errors.New(field + " is missing")
	}
	return nil
}

// maxAuthTokenLen is the documented length of auth_token, access_token,
// refresh_token and auth_code.
const maxAuthTokenLen = 40

// decodeApplyURL URL-decodes apply_card_url ("使用时需URLDecode解码"); a value
// that is not URL-encoded (it already holds "://") is returned as it is.
func decodeApplyURL(s string) string {
	if strings.Contains(s, "://") {
		return s
	}
	d, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return d
}

// Form fields for FormTemplateSetRequest (OPEN_FORM_FIELD_*).
const (
	FormFieldMobile      = "OPEN_FORM_FIELD_MOBILE"
	FormFieldGender      = "OPEN_FORM_FIELD_GENDER"
	FormFieldName        = "OPEN_FORM_FIELD_NAME"
	FormFieldBirthday    = "OPEN_FORM_FIELD_BIRTHDAY"
	FormFieldIDCard      = "OPEN_FORM_FIELD_IDCARD"
	FormFieldEmail       = "OPEN_FORM_FIELD_EMAIL"
	FormFieldAddress     = "OPEN_FORM_FIELD_ADDRESS"
	FormFieldCity        = "OPEN_FORM_FIELD_CITY"
	FormFieldIsStudent   = "OPEN_FORM_FIELD_IS_STUDENT"
	FormFieldMemberGrade = "OPEN_FORM_FIELD_MEMBER_GRADE"
)

// FormTemplateSetRequest is alipay.marketing.card.formtemplate.set: the
// fields of the activation form. On the wire each list is sent as
// {"common_fields":[…]}.
type FormTemplateSetRequest struct {
	// TemplateID (≤ 32). Required.
	TemplateID string
	// Required lists the fields the user must fill in; at least one.
	Required []string
	// Optional lists further fields; none may repeat a required one.
	Optional []string
}

// Validate checks the documented rules: at least one required field, at
// most 20 in all, no repeats, OPEN_FORM_FIELD_* names.
func (r FormTemplateSetRequest) Validate() error {
	ck := checker{}
	ck.required("TemplateID", r.TemplateID, 32)
	if len(r.Required) == 0 {
		ck.fail("Required", "must list at least one field")
	}
	if n := len(r.Required) + len(r.Optional); n > 20 {
		ck.fail("Required", "%d fields in all, the limit is 20", n)
	}
	seen := map[string]bool{}
	for _, list := range [...]struct {
		name   string
		fields []string
	}{{"Required", r.Required}, {"Optional", r.Optional}} {
		for _, f := range list.fields {
			if !strings.HasPrefix(f, "OPEN_FORM_FIELD_") || len(f) > 64 {
				ck.fail(list.name, "field names are OPEN_FORM_FIELD_* (≤ 64 bytes)")
			}
			if seen[f] {
				ck.fail(list.name, "repeats a field")
			}
			seen[f] = true
		}
	}
	return ck.err()
}

// ActivateURLApplyRequest is alipay.marketing.card.activateurl.apply.
type ActivateURLApplyRequest struct {
	// TemplateID (≤ 32). Required.
	TemplateID string `json:"template_id"`
	// OutString is echoed back to the merchant (≤ 256). Optional.
	OutString string `json:"out_string,omitempty"`
	// Callback is where the user lands after the form; no query string (≤ 10240). Optional.
	Callback string `json:"callback,omitempty"`
	// FollowAppID is a life-account app id to offer (≤ 512). Optional.
	FollowAppID string `json:"follow_app_id,omitempty"`
}

// Validate checks the documented rules.
func (r ActivateURLApplyRequest) Validate() error {
	ck := checker{}
	ck.required("TemplateID", r.TemplateID, 32)
	ck.optional("OutString", r.OutString, 256)
	ck.optional("FollowAppID", r.FollowAppID, 512)
	if r.Callback != "" && !ck.Failed() {
		if err := checkCallbackURL("Callback", r.Callback); err != nil {
			return err
		}
	}
	return ck.err()
}

// ActivateURLApplyResponse is the answer to activateurl.apply.
type ActivateURLApplyResponse struct {
	// ApplyCardURL is the URL-decoded link to open in Alipay.
	ApplyCardURL string `json:"-"`
	// RawApplyCardURL is apply_card_url as sent (URL-encoded).
	RawApplyCardURL string `json:"apply_card_url"`
}

func (r *ActivateURLApplyResponse) check() error {
	if err := present("apply_card_url", r.RawApplyCardURL); err != nil {
		return err
	}
	r.ApplyCardURL = decodeApplyURL(r.RawApplyCardURL)
	return nil
}

// BizTypeMemberCard is activateform.query's only biz_type.
const BizTypeMemberCard = "MEMBER_CARD"

// ActivateFormQueryRequest is alipay.marketing.card.activateform.query.
type ActivateFormQueryRequest struct {
	// AuthToken is the user's access token from the callback's auth_code.
	// Required. Never logged.
	AuthToken string `json:"-"`
	// BizType defaults to MEMBER_CARD.
	BizType string `json:"biz_type"`
	// TemplateID (≤ 1024). Required.
	TemplateID string `json:"template_id"`
	// RequestID is the callback's request_id (≤ 128). Required.
	RequestID string `json:"request_id"`
}

// Validate checks the documented rules.
func (r ActivateFormQueryRequest) Validate() error {
	ck := checker{}
	ck.required("AuthToken", r.AuthToken, maxAuthTokenLen)
	ck.oneOf("BizType", r.BizType, BizTypeMemberCard)
	ck.required("TemplateID", r.TemplateID, 1024)
	ck.required("RequestID", r.RequestID, 128)
	return ck.err()
}

// FormValue is one submitted form field.
type FormValue struct {
	// Field is the field name, e.g. OPEN_FORM_FIELD_MOBILE.
	Field string
	Value string
}

// ActivateFormQueryResponse is the answer to activateform.query.
type ActivateFormQueryResponse struct {
	// Infos are the submitted fields in Alipay's order.
	Infos []FormValue
}

// Get returns the value of a field and whether it was submitted.
func (r *ActivateFormQueryResponse) Get(field string) (string, bool) {
	for _, v := range r.Infos {
		if v.Field == field {
			return v.Value, true
		}
	}
	return "", false
}

// UnmarshalJSON decodes infos, a JSON array of one-key objects that Alipay
// sends encoded as a JSON string (an array itself is accepted too).
func (r *ActivateFormQueryResponse) UnmarshalJSON(b []byte) error {
	var w struct {
		Infos json.RawMessage `json:"infos"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	infos, err := parseFormInfos(w.Infos)
	if err != nil {
		return err
	}
	r.Infos = infos
	return nil
}

// parseFormInfos decodes activateform.query's infos.
func parseFormInfos(raw json.RawMessage) ([]FormValue, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, err
		}
		if strings.TrimSpace(s) == "" {
			return nil, nil
		}
		raw = json.RawMessage(s)
	}
	var items []map[string]flexString
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errors.New("infos is not an array of objects")
	}
	out := make([]FormValue, 0, len(items))
	for _, it := range items {
		// Sorted so that an object with several keys decodes the same way every time.
		keys := make([]string, 0, len(it))
		for k := range it {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			out = append(out, FormValue{Field: k, Value: string(it[k])})
		}
	}
	return out, nil
}

// Consume-sync trade types.
const (
	TradeOpen    = "OPEN"
	TradeTrade   = "TRADE"
	TradeDeposit = "DEPOSIT"
	TradeReturn  = "RETURN"
)

// BenefitInfoDetail is a benefit gained or used in a trade.
type BenefitInfoDetail struct {
	BenefitType string `json:"benefit_type,omitempty"`
	Amount      string `json:"amount,omitempty"`
	Count       string `json:"count,omitempty"`
	Description string `json:"description,omitempty"`
}

// ConsumeSyncRequest is alipay.marketing.card.consume.sync.
type ConsumeSyncRequest struct {
	TargetCardNo string
	// TargetCardNoType defaults to BIZ_CARD.
	TargetCardNoType string
	// TradeType is OPEN, TRADE, DEPOSIT or RETURN. Required.
	TradeType string
	// TradeNo is the Alipay trade number (≤ 64). Required.
	TradeNo string
	// TradeTime is when the trade happened. Required.
	TradeTime time.Time
	// TradeName (≤ 256), amounts and the rest are optional.
	TradeName       string
	TradeAmount     *card.Money
	ActPayAmount    *card.Money
	CardInfo        *MerchantCard
	GainBenefitList []BenefitInfoDetail
	UseBenefitList  []BenefitInfoDetail
	ShopCode        string
	Memo            string
	// SwipeCertType is ALIPAY, ENTITY or OTHER.
	SwipeCertType string
}

// Validate checks the documented rules.
func (r ConsumeSyncRequest) Validate() error {
	ck := checker{}
	ck.required("TargetCardNo", r.TargetCardNo, 32)
	ck.oneOf("TargetCardNoType", r.TargetCardNoType, CardNoBiz)
	if r.TradeType == "" {
		ck.fail("TradeType", "is required")
	}
	ck.oneOf("TradeType", r.TradeType, TradeOpen, TradeTrade, TradeDeposit, TradeReturn)
	ck.required("TradeNo", r.TradeNo, 64)
	if r.TradeTime.IsZero() {
		ck.fail("TradeTime", "is required")
	}
	ck.optional("TradeName", r.TradeName, 256)
	if r.CardInfo != nil {
		r.CardInfo.validate(&ck, "CardInfo", false)
	}
	ck.optional("ShopCode", r.ShopCode, 64)
	ck.optional("Memo", r.Memo, 256)
	ck.oneOf("SwipeCertType", r.SwipeCertType, "ALIPAY", "ENTITY", "OTHER")
	return ck.err()
}

// ConsumeSyncResponse is the answer to consume.sync.
type ConsumeSyncResponse struct {
	ExternalCardNo string `json:"external_card_no"`
}

// NotifyTypePointRemind is the documented notify_type: points about to expire.
const NotifyTypePointRemind = "POINT_REMIND"

// NotifyInfo is message.notify's notify_info.
type NotifyInfo struct {
	ExpiredPoint *card.Points
	ExpiredTime  time.Time
}

// MarshalJSON writes points as a decimal string and the time in Beijing time.
func (n NotifyInfo) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ExpiredPoint string `json:"expired_point,omitempty"`
		ExpiredTime  string `json:"expired_time,omitempty"`
	}{optString(n.ExpiredPoint), formatTime(n.ExpiredTime)})
}

// MessageNotifyRequest is alipay.marketing.card.message.notify (merchant →
// Alipay: a message to the card holder).
type MessageNotifyRequest struct {
	TargetCardNo string
	// TargetCardNoType defaults to BIZ_CARD.
	TargetCardNoType string
	// OccurTime is when the event happened; zero means now.
	OccurTime time.Time
	// NotifyType defaults to POINT_REMIND.
	NotifyType string
	// NotifyNo is the idempotency key (≤ 64). MessageNotify generates one when empty.
	NotifyNo   string
	NotifyInfo *NotifyInfo
}

// Validate checks the documented rules.
func (r MessageNotifyRequest) Validate() error {
	ck := checker{}
	ck.required("TargetCardNo", r.TargetCardNo, 32)
	ck.oneOf("TargetCardNoType", r.TargetCardNoType, CardNoBiz)
	ck.oneOf("NotifyType", r.NotifyType, NotifyTypePointRemind)
	ck.required("NotifyNo", r.NotifyNo, 64)
	return ck.err()
}

// MessageNotifyResponse is the answer to message.notify.
type MessageNotifyResponse struct {
	ResultCode string `json:"result_code"`
}

// Benefit is an external benefit of a template (mcard_template_benefit).
type Benefit struct {
	TemplateID  string
	Title       string
	BenefitDesc []string
	StartDate   time.Time
	EndDate     time.Time
	// ExtInfo is JSON text, e.g. {"openUrl":"https://…"}.
	ExtInfo string
}

// MarshalJSON writes the dates in Beijing wallet time.
func (b Benefit) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		TemplateID  string   `json:"template_id,omitempty"`
		Title       string   `json:"title,omitempty"`
		BenefitDesc []string `json:"benefit_desc,omitempty"`
		StartDate   string   `json:"start_date,omitempty"`
		EndDate     string   `json:"end_date,omitempty"`
		ExtInfo     string   `json:"ext_info,omitempty"`
	}{b.TemplateID, b.Title, b.BenefitDesc, formatTime(b.StartDate), formatTime(b.EndDate), b.ExtInfo})
}

func (b Benefit) validate(ck *checker, prefix string, create bool) {
	// Alipay documents no title length (reference 1.3.14).
	if create {
		ck.required(prefix+".TemplateID", b.TemplateID, 32)
		ck.required(prefix+".Title", b.Title, 0)
	} else {
		ck.optional(prefix+".TemplateID", b.TemplateID, 32)
		ck.optional(prefix+".Title", b.Title, 0)
	}
	if !b.StartDate.IsZero() && !b.EndDate.IsZero() && b.EndDate.Before(b.StartDate) {
		ck.fail(prefix+".EndDate", "is before StartDate")
	}
	if b.ExtInfo != "" && !json.Valid([]byte(b.ExtInfo)) {
		ck.fail(prefix+".ExtInfo", "must be JSON text")
	}
}

// BenefitCreateRequest is alipay.marketing.card.benefit.create.
type BenefitCreateRequest struct {
	Benefit Benefit `json:"mcard_template_benefit"`
}

// Validate checks the documented rules.
func (r BenefitCreateRequest) Validate() error {
	ck := checker{}
	r.Benefit.validate(&ck, "Benefit", true)
	return ck.err()
}

// BenefitCreateResponse is the answer to benefit.create.
type BenefitCreateResponse struct {
	BenefitID string `json:"benefit_id"`
}

func (r *BenefitCreateResponse) check() error { return present("benefit_id", r.BenefitID) }

// BenefitModifyRequest is alipay.marketing.card.benefit.modify.
type BenefitModifyRequest struct {
	BenefitID string  `json:"benefit_id"`
	Benefit   Benefit `json:"mcard_template_benefit"`
}

// Validate checks the documented rules.
func (r BenefitModifyRequest) Validate() error {
	ck := checker{}
	ck.required("BenefitID", r.BenefitID, 64)
	r.Benefit.validate(&ck, "Benefit", false)
	return ck.err()
}

// BenefitResult is the answer to benefit.modify and benefit.delete.
type BenefitResult struct {
	Result bool
}

// UnmarshalJSON accepts result as a boolean or a string.
func (r *BenefitResult) UnmarshalJSON(b []byte) error {
	var w struct {
		Result flexBool `json:"result"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	r.Result = bool(w.Result)
	return nil
}

// BenefitQueryRequest is alipay.marketing.card.benefit.query.
type BenefitQueryRequest struct {
	TemplateID string `json:"template_id,omitempty"`
	BenefitID  string `json:"benefit_id,omitempty"`
}

// Validate checks the documented rules: one of the two ids is required.
func (r BenefitQueryRequest) Validate() error {
	ck := checker{}
	if r.TemplateID == "" && r.BenefitID == "" {
		ck.fail("TemplateID", "is required (or BenefitID)")
	}
	ck.optional("TemplateID", r.TemplateID, 32)
	ck.optional("BenefitID", r.BenefitID, 64)
	return ck.err()
}

// BenefitInfo is a benefit as benefit.query returns it.
type BenefitInfo struct {
	BenefitID  string
	TemplateID string
	Title      string
	// BenefitDesc is a single string in query answers.
	BenefitDesc string
	StartDate   time.Time
	EndDate     time.Time
	ExtInfo     string
}

// UnmarshalJSON reads wallet-time dates.
func (b *BenefitInfo) UnmarshalJSON(data []byte) error {
	var w struct {
		BenefitID   flexString      `json:"benefit_id"`
		TemplateID  flexString      `json:"template_id"`
		Title       string          `json:"title"`
		BenefitDesc json.RawMessage `json:"benefit_desc"`
		StartDate   flexString      `json:"start_date"`
		EndDate     flexString      `json:"end_date"`
		ExtInfo     json.RawMessage `json:"ext_info"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	s, e, err := parseSpan(w.StartDate, w.EndDate)
	if err != nil {
		return err
	}
	*b = BenefitInfo{BenefitID: string(w.BenefitID), TemplateID: string(w.TemplateID), Title: w.Title,
		BenefitDesc: rawText(w.BenefitDesc), StartDate: s, EndDate: e, ExtInfo: rawText(w.ExtInfo)}
	return nil
}

// rawText returns a JSON string's value, or other JSON as its text.
func rawText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// BenefitQueryResponse is the answer to benefit.query.
type BenefitQueryResponse struct {
	Benefits []BenefitInfo `json:"mcard_template_benefit_query"`
}

// BenefitDeleteRequest is alipay.marketing.card.benefit.delete.
type BenefitDeleteRequest struct {
	TemplateID string `json:"template_id"`
	BenefitID  string `json:"benefit_id"`
}

// Validate checks the documented rules.
func (r BenefitDeleteRequest) Validate() error {
	ck := checker{}
	ck.required("TemplateID", r.TemplateID, 32)
	ck.required("BenefitID", r.BenefitID, 64)
	return ck.err()
}

// Image upload limits.
const (
	MaxImageSize = 5 << 20  // 5 MB for images
	MaxVideoSize = 50 << 20 // 50 MB for video
)

// ImageUploadRequest is alipay.offline.material.image.upload (card art:
// logos, backgrounds, card faces). It is sent as multipart/form-data.
type ImageUploadRequest struct {
	// ImageType is the file type: jpg, jpeg, png, gif, bmp or mp4 (≤ 8). Required.
	ImageType string
	// ImageName (≤ 128). Required.
	ImageName string
	// ImagePID is Alipay-internal (≤ 16). Optional.
	ImagePID string
	// Content is the file (≤ 5 MB; video ≤ 50 MB). Required.
	Content []byte
}

// Validate checks the documented rules.
func (r ImageUploadRequest) Validate() error {
	ck := checker{}
	ck.required("ImageType", r.ImageType, 8)
	ck.oneOf("ImageType", strings.ToLower(r.ImageType), "jpg", "jpeg", "png", "gif", "bmp", "mp4")
	ck.required("ImageName", r.ImageName, 128)
	ck.optional("ImagePID", r.ImagePID, 16)
	limit := MaxImageSize
	if strings.EqualFold(r.ImageType, "mp4") {
		limit = MaxVideoSize
	}
	switch {
	case len(r.Content) == 0:
		ck.fail("Content", "is required")
	case len(r.Content) > limit:
		ck.fail("Content", "is %d bytes, the limit is %d", len(r.Content), limit)
	}
	return ck.err()
}

// ImageUploadResponse is the answer to image.upload.
type ImageUploadResponse struct {
	// ImageID is the id to use as logo_id, background_id, front_image_id ….
	ImageID  string `json:"image_id"`
	ImageURL string `json:"image_url"`
}

func (r *ImageUploadResponse) check() error { return present("image_id", r.ImageID) }

// Grant types for OAuthTokenRequest.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

// OAuthTokenRequest is alipay.system.oauth.token. ExchangeCode and
// RefreshToken build it for you.
type OAuthTokenRequest struct {
	// GrantType is authorization_code or refresh_token. Required.
	GrantType string
	// Code is the auth_code (with authorization_code). Never logged.
	Code string
	// RefreshToken is the refresh token (with refresh_token). Never logged.
	RefreshToken string
}

// Validate checks the documented rules.
func (r OAuthTokenRequest) Validate() error {
	ck := checker{}
	switch r.GrantType {
	case GrantAuthorizationCode:
		ck.required("Code", r.Code, maxAuthTokenLen)
		if r.RefreshToken != "" {
			ck.fail("RefreshToken", "must be empty with grant type authorization_code")
		}
	case GrantRefreshToken:
		ck.required("RefreshToken", r.RefreshToken, maxAuthTokenLen)
		if r.Code != "" {
			ck.fail("Code", "must be empty with grant type refresh_token")
		}
	case "":
		ck.fail("GrantType", "is required")
	default:
		ck.fail("GrantType", "must be authorization_code or refresh_token")
	}
	return ck.err()
}

// Token is a user's OAuth token (alipay.system.oauth.token). Its
// AccessToken is the auth_token of card.open and activateform.query.
type Token struct {
	// UserID is the Alipay user id (2088…); OpenID and UnionID where enabled.
	UserID  string
	OpenID  string
	UnionID string
	// AccessToken is the user's auth_token. Never log it.
	AccessToken string
	// RefreshToken renews AccessToken (RefreshToken). Never log it.
	RefreshToken string
	// ExpiresIn and ReExpiresIn are the lifetimes of the two tokens.
	ExpiresIn   time.Duration
	ReExpiresIn time.Duration
	// AuthStart is when the authorization started (Beijing time).
	AuthStart time.Time
	// AuthTokenType is "permanent" for tokens that never expire.
	AuthTokenType string
}

// String describes the token without its secrets.
func (t Token) String() string {
	return "alipay.Token{UserID:" + t.UserID + " OpenID:" + t.OpenID + " ExpiresIn:" + t.ExpiresIn.String() + "}"
}

// GoString is String, so %#v does not print the secrets either.
func (t Token) GoString() string { return t.String() }

// UnmarshalJSON decodes the token node; expires_in may be a number or a string.
func (t *Token) UnmarshalJSON(b []byte) error {
	var w struct {
		UserID        flexString `json:"user_id"`
		OpenID        flexString `json:"open_id"`
		UnionID       flexString `json:"union_id"`
		AccessToken   string     `json:"access_token"`
		RefreshToken  string     `json:"refresh_token"`
		ExpiresIn     flexInt64  `json:"expires_in"`
		ReExpiresIn   flexInt64  `json:"re_expires_in"`
		AuthStart     flexString `json:"auth_start"`
		AuthTokenType string     `json:"auth_token_type"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	start, err := parseTime(string(w.AuthStart))
	if err != nil {
		return errors.New("auth_start: " + err.Error())
	}
	const maxSeconds = int64(1<<63-1) / int64(time.Second)
	if w.ExpiresIn < 0 || int64(w.ExpiresIn) > maxSeconds || w.ReExpiresIn < 0 || int64(w.ReExpiresIn) > maxSeconds {
		return errors.New("expires_in out of range")
	}
	*t = Token{UserID: string(w.UserID), OpenID: string(w.OpenID), UnionID: string(w.UnionID),
		AccessToken: w.AccessToken, RefreshToken: w.RefreshToken,
		ExpiresIn: time.Duration(w.ExpiresIn) * time.Second, ReExpiresIn: time.Duration(w.ReExpiresIn) * time.Second,
		AuthStart: start, AuthTokenType: w.AuthTokenType}
	return nil
}

func (t *Token) check() error {
	if err := present("access_token", t.AccessToken); err != nil {
		return err
	}
	return present("user_id", t.UserID+t.OpenID)
}

// UserInfo is the answer to alipay.user.info.share (needs scope auth_user).
type UserInfo struct {
	UserID             string `json:"user_id"`
	OpenID             string `json:"open_id"`
	Avatar             string `json:"avatar"`
	Province           string `json:"province"`
	City               string `json:"city"`
	NickName           string `json:"nick_name"`
	Gender             string `json:"gender"`
	Mobile             string `json:"mobile"`
	UserName           string `json:"user_name"`
	CertNo             string `json:"cert_no"`
	CertType           string `json:"cert_type"`
	IsCertified        string `json:"is_certified"`
	IsStudentCertified string `json:"is_student_certified"`
	UserType           string `json:"user_type"`
	UserStatus         string `json:"user_status"`
}

// String describes the request without its code or refresh token.
func (r OAuthTokenRequest) String() string {
	return "alipay.OAuthTokenRequest{GrantType:" + r.GrantType + "}"
}

// GoString is String, so %#v does not print the secrets either.
func (r OAuthTokenRequest) GoString() string { return r.String() }

// String describes the request without its auth token.
func (r ActivateFormQueryRequest) String() string {
	return "alipay.ActivateFormQueryRequest{TemplateID:" + r.TemplateID + " RequestID:" + r.RequestID + "}"
}

// GoString is String, so %#v does not print the token either.
func (r ActivateFormQueryRequest) GoString() string { return r.String() }
